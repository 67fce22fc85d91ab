// SQLite campaign and sender stores.
#include "core/common/strings.hpp"
#include "storage/sqlite/sqlite_stores.hpp"

namespace cadent::storage::sqlite {
namespace {

using sequence::CampaignStatus;

std::optional<Instant> OptionalInstant(const Statement& row, int column) {
  if (row.IsNull(column)) return std::nullopt;
  return FromUnixMicros(row.Int(column));
}

Result<Campaign> ReadCampaign(const Statement& row) {
  Campaign c;
  c.id = CampaignId(row.Int(0));
  c.workspace_id = WorkspaceId(row.Int(1));
  c.name = row.Text(2);
  const std::optional<sequence::CampaignKind> kind = sequence::ParseCampaignKind(row.TextView(3));
  const std::optional<CampaignStatus> status = sequence::ParseCampaignStatus(row.TextView(4));
  if (!kind || !status) {
    return absl::DataLossError(StrCat("campaign ", c.id.value(), " has unknown kind '",
                                      row.TextView(3), "' or status '", row.TextView(4), "'"));
  }
  c.kind = *kind;
  c.status = *status;
  c.archived = row.Int(5) != 0;
  c.settings_json = row.Text(6);
  c.latest_version = static_cast<int>(row.Int(7));
  c.start_at = OptionalInstant(row, 8);
  c.launched_at = OptionalInstant(row, 9);
  c.ended_at = OptionalInstant(row, 10);
  c.created_at = FromUnixMicros(row.Int(11));
  c.updated_at = FromUnixMicros(row.Int(12));
  return c;
}

Result<Campaign> GetLocked(Shared& shared, WorkspaceId workspace, CampaignId id) {
  ASSIGN_OR_RETURN(Statement * select, shared.Query("campaign-get"));
  select->Bind(1, workspace.value()).Bind(2, id.value());
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return absl::NotFoundError(StrCat("no campaign ", id.value()));
  Result<Campaign> out = ReadCampaign(*select);
  select->Reset();
  return out;
}

Result<std::vector<Campaign>> ReadCampaigns(Statement& select) {
  std::vector<Campaign> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(Campaign c, ReadCampaign(select));
    out.push_back(std::move(c));
  }
  return out;
}

SenderAccount ReadSender(const Statement& row) {
  SenderAccount s;
  s.id = SenderId(row.Int(0));
  s.workspace_id = WorkspaceId(row.Int(1));
  s.name = row.Text(2);
  s.channel = row.Text(3);
  s.transport = row.Text(4);
  s.address = row.Text(5);
  s.from_name = row.Text(6);
  s.time_zone = row.Text(7);
  s.policy_json = row.Text(8);
  s.signature = row.Text(9);
  s.flagged = row.Text(10);
  s.created_at = FromUnixMicros(row.Int(11));
  s.updated_at = FromUnixMicros(row.Int(12));
  s.reply_to = row.Text(13);
  s.settings_json = row.Text(14);
  s.sealed_credentials = row.Text(15);
  s.imap_uidvalidity = static_cast<uint32_t>(row.Int(16));
  s.imap_last_uid = static_cast<uint32_t>(row.Int(17));
  return s;
}

DkimKeyRecord ReadDkimKey(const Statement& row) {
  DkimKeyRecord k;
  k.id = row.Int(0);
  k.workspace_id = WorkspaceId(row.Int(1));
  k.domain = row.Text(2);
  k.selector = row.Text(3);
  k.algorithm = row.Text(4);
  k.sealed_key = row.Text(5);
  k.dns_txt = row.Text(6);
  k.created_at = FromUnixMicros(row.Int(7));
  return k;
}

}  // namespace

Result<Campaign> SqliteCampaignStore::Create(WorkspaceId workspace, std::string_view name,
                                             sequence::CampaignKind kind,
                                             std::string_view settings_json,
                                             std::string_view sequence_json,
                                             std::string_view note) {
  if (name.empty()) return absl::InvalidArgumentError("campaign name is empty");
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*shared_.connection));
  const int64_t now = shared_.NowUs();
  ASSIGN_OR_RETURN(Statement * insert, shared_.Query("campaign-insert"));
  const Status inserted = insert->Bind(1, workspace.value())
                              .Bind(2, name)
                              .Bind(3, sequence::ToString(kind))
                              .Bind(4, settings_json)
                              .Bind(5, now)
                              .Run();
  if (absl::IsAlreadyExists(inserted)) {
    return absl::AlreadyExistsError(StrCat("a campaign named '", name, "' already exists"));
  }
  TRY(inserted);
  const CampaignId id(shared_.connection->LastInsertId());
  ASSIGN_OR_RETURN(Statement * version, shared_.Query("campaign-version-insert"));
  TRY(version->Bind(1, workspace.value())
          .Bind(2, id.value())
          .Bind(3, int64_t{1})
          .Bind(4, sequence_json)
          .Bind(5, note)
          .Bind(6, int64_t{0})
          .Bind(7, now)
          .Run());
  ASSIGN_OR_RETURN(Campaign campaign, GetLocked(shared_, workspace, id));
  TRY(tx.Commit());
  return campaign;
}

Result<CampaignVersion> SqliteCampaignStore::AddVersion(WorkspaceId workspace, CampaignId id,
                                                        int expected_latest,
                                                        std::string_view sequence_json,
                                                        std::string_view note, bool migrate) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*shared_.connection));
  ASSIGN_OR_RETURN(Campaign campaign, GetLocked(shared_, workspace, id));
  const int64_t now = shared_.NowUs();
  ASSIGN_OR_RETURN(Statement * bump, shared_.Query("campaign-bump-version"));
  TRY(bump->Bind(1, workspace.value())
          .Bind(2, id.value())
          .Bind(3, now)
          .Bind(4, int64_t{expected_latest})
          .Run());
  if (shared_.connection->Changes() == 0) {
    return absl::AbortedError(StrCat("campaign '", campaign.name,
                                     "' was changed by someone else (now at version ",
                                     campaign.latest_version, "); reload it and try again"));
  }
  ASSIGN_OR_RETURN(Statement * insert, shared_.Query("campaign-version-insert"));
  TRY(insert->Bind(1, workspace.value())
          .Bind(2, id.value())
          .Bind(3, int64_t{expected_latest + 1})
          .Bind(4, sequence_json)
          .Bind(5, note)
          .Bind(6, int64_t{migrate ? 1 : 0})
          .Bind(7, now)
          .Run());
  TRY(tx.Commit());
  return CampaignVersion{
      id,      expected_latest + 1, std::string(sequence_json), std::string(note),
      migrate, FromUnixMicros(now)};
}

Status SqliteCampaignStore::UpdateSettings(WorkspaceId workspace, CampaignId id,
                                           std::string_view settings_json) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Campaign campaign, GetLocked(shared_, workspace, id));
  ASSIGN_OR_RETURN(Statement * update, shared_.Query("campaign-update-settings"));
  update->Bind(1, workspace.value()).Bind(2, id.value()).Bind(3, settings_json);
  if (campaign.start_at) {
    update->Bind(4, ToUnixMicros(*campaign.start_at));
  } else {
    update->BindNull(4);
  }
  return update->Bind(5, shared_.NowUs()).Run();
}

Result<Campaign> SqliteCampaignStore::Get(WorkspaceId workspace, CampaignId id) {
  std::lock_guard lock(shared_.mutex);
  return GetLocked(shared_, workspace, id);
}

Result<std::optional<Campaign>> SqliteCampaignStore::FindByName(WorkspaceId workspace,
                                                                std::string_view name) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("campaign-find-by-name"));
  select->Bind(1, workspace.value()).Bind(2, name);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return std::optional<Campaign>();
  ASSIGN_OR_RETURN(Campaign c, ReadCampaign(*select));
  select->Reset();
  return std::optional<Campaign>(std::move(c));
}

Result<std::vector<Campaign>> SqliteCampaignStore::List(WorkspaceId workspace,
                                                        bool include_archived) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("campaign-list"));
  select->Bind(1, workspace.value()).Bind(2, int64_t{include_archived ? 1 : 0});
  return ReadCampaigns(*select);
}

Result<std::vector<Campaign>> SqliteCampaignStore::ListByStatus(
    std::span<const CampaignStatus> statuses) {
  std::string json = "[";
  for (const CampaignStatus status : statuses) {
    if (json.size() > 1) json += ',';
    json += StrCat("\"", sequence::ToString(status), "\"");
  }
  json += ']';
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("campaign-list-by-status"));
  select->Bind(1, json);
  return ReadCampaigns(*select);
}

Result<CampaignVersion> SqliteCampaignStore::GetVersion(WorkspaceId workspace, CampaignId id,
                                                        int version) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("campaign-version-get"));
  select->Bind(1, workspace.value()).Bind(2, id.value()).Bind(3, int64_t{version});
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) {
    return absl::NotFoundError(StrCat("campaign ", id.value(), " has no version ", version));
  }
  CampaignVersion v{CampaignId(select->Int(0)),
                    static_cast<int>(select->Int(1)),
                    select->Text(2),
                    select->Text(3),
                    select->Int(4) != 0,
                    FromUnixMicros(select->Int(5))};
  select->Reset();
  return v;
}

Result<Campaign> SqliteCampaignStore::Transition(WorkspaceId workspace, CampaignId id,
                                                 CampaignStatus from, sequence::CampaignEvent event,
                                                 std::optional<Instant> at) {
  const std::optional<CampaignStatus> to = sequence::Next(from, event);
  if (!to) {
    return absl::FailedPreconditionError(StrCat("a campaign that is ", sequence::ToString(from),
                                                " cannot ", sequence::ToString(event)));
  }
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*shared_.connection));
  ASSIGN_OR_RETURN(Statement * update, shared_.Query("campaign-transition"));
  update->Bind(1, workspace.value())
      .Bind(2, id.value())
      .Bind(3, sequence::ToString(from))
      .Bind(4, sequence::ToString(*to))
      .Bind(5, shared_.NowUs());
  if (event == sequence::CampaignEvent::kSchedule && at) {
    update->Bind(6, ToUnixMicros(*at));
  } else {
    update->BindNull(6);
  }
  update->Bind(7, int64_t{event == sequence::CampaignEvent::kStart ? 1 : 0})
      .Bind(8, int64_t{sequence::IsTerminal(*to) ? 1 : 0});
  TRY(update->Run());
  if (shared_.connection->Changes() == 0) {
    ASSIGN_OR_RETURN(Campaign now, GetLocked(shared_, workspace, id));
    return absl::AbortedError(StrCat("campaign '", now.name, "' is ",
                                     sequence::ToString(now.status), ", not ",
                                     sequence::ToString(from), "; reload it and try again"));
  }
  ASSIGN_OR_RETURN(Campaign campaign, GetLocked(shared_, workspace, id));
  TRY(tx.Commit());
  return campaign;
}

Status SqliteCampaignStore::SetArchived(WorkspaceId workspace, CampaignId id, bool archived) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * update, shared_.Query("campaign-set-archived"));
  TRY(update->Bind(1, workspace.value())
          .Bind(2, id.value())
          .Bind(3, int64_t{archived ? 1 : 0})
          .Bind(4, shared_.NowUs())
          .Run());
  if (shared_.connection->Changes() == 0) {
    return absl::NotFoundError(StrCat("no campaign ", id.value()));
  }
  return OkStatus();
}

Result<SenderAccount> SqliteSenderStore::Add(const SenderAccount& account, const SealFor& seal) {
  if (account.name.empty()) return absl::InvalidArgumentError("sender name is empty");
  if (account.address.empty()) return absl::InvalidArgumentError("sender address is empty");
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*shared_.connection));
  ASSIGN_OR_RETURN(Statement * insert, shared_.Query("sender-insert"));
  const int64_t now = shared_.NowUs();
  const Status inserted = insert->Bind(1, account.workspace_id.value())
                              .Bind(2, account.name)
                              .Bind(3, account.channel)
                              .Bind(4, account.transport)
                              .Bind(5, account.address)
                              .Bind(6, account.from_name)
                              .Bind(7, account.time_zone)
                              .Bind(8, account.policy_json)
                              .Bind(9, account.signature)
                              .Bind(10, now)
                              .Bind(11, account.reply_to)
                              .Bind(12, account.settings_json)
                              .Bind(13, account.sealed_credentials)
                              .Run();
  if (absl::IsAlreadyExists(inserted)) {
    return absl::AlreadyExistsError(StrCat("a sender named '", account.name, "' already exists"));
  }
  if (absl::IsFailedPrecondition(inserted)) {
    return absl::InvalidArgumentError(StrCat("sender '", account.name,
                                             "': channel must be email, linkedin or sms and the "
                                             "policy a JSON object"));
  }
  TRY(inserted);
  SenderAccount out = account;
  out.id = SenderId(shared_.connection->LastInsertId());
  if (seal) {
    ASSIGN_OR_RETURN(out.sealed_credentials, seal(out.id.value()));
    ASSIGN_OR_RETURN(Statement * update, shared_.Query("sender-set-credentials"));
    TRY(update->Bind(1, account.workspace_id.value())
            .Bind(2, out.id.value())
            .Bind(3, out.sealed_credentials)
            .Bind(4, now)
            .Run());
  }
  TRY(tx.Commit());
  out.flagged.clear();
  out.imap_uidvalidity = out.imap_last_uid = 0;
  out.created_at = out.updated_at = FromUnixMicros(now);
  return out;
}

Result<SenderAccount> SqliteSenderStore::Get(WorkspaceId workspace, SenderId id) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("sender-get"));
  select->Bind(1, workspace.value()).Bind(2, id.value());
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return absl::NotFoundError(StrCat("no sender ", id.value()));
  SenderAccount s = ReadSender(*select);
  select->Reset();
  return s;
}

Result<std::optional<SenderAccount>> SqliteSenderStore::FindByName(WorkspaceId workspace,
                                                                   std::string_view name) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("sender-find-by-name"));
  select->Bind(1, workspace.value()).Bind(2, name);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return std::optional<SenderAccount>();
  SenderAccount s = ReadSender(*select);
  select->Reset();
  return std::optional<SenderAccount>(std::move(s));
}

Result<std::vector<SenderAccount>> SqliteSenderStore::List(WorkspaceId workspace) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("sender-list"));
  select->Bind(1, workspace.value());
  std::vector<SenderAccount> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.push_back(ReadSender(*select));
  }
  return out;
}

Status SqliteSenderStore::SetFlag(WorkspaceId workspace, SenderId id, std::string_view flagged) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * update, shared_.Query("sender-set-flag"));
  TRY(update->Bind(1, workspace.value())
          .Bind(2, id.value())
          .Bind(3, flagged)
          .Bind(4, shared_.NowUs())
          .Run());
  if (shared_.connection->Changes() == 0) {
    return absl::NotFoundError(StrCat("no sender ", id.value()));
  }
  return OkStatus();
}

Status SqliteSenderStore::SetCredentials(WorkspaceId workspace, SenderId id,
                                         std::string_view sealed) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * update, shared_.Query("sender-set-credentials"));
  TRY(update->Bind(1, workspace.value())
          .Bind(2, id.value())
          .Bind(3, sealed)
          .Bind(4, shared_.NowUs())
          .Run());
  if (shared_.connection->Changes() == 0) {
    return absl::NotFoundError(StrCat("no sender ", id.value()));
  }
  return OkStatus();
}

Status SqliteSenderStore::SetInboxPosition(WorkspaceId workspace, SenderId id, uint32_t uidvalidity,
                                           uint32_t last_uid) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * update, shared_.Query("sender-set-inbox-position"));
  TRY(update->Bind(1, workspace.value())
          .Bind(2, id.value())
          .Bind(3, int64_t{uidvalidity})
          .Bind(4, int64_t{last_uid})
          .Bind(5, shared_.NowUs())
          .Run());
  if (shared_.connection->Changes() == 0) {
    return absl::NotFoundError(StrCat("no sender ", id.value()));
  }
  return OkStatus();
}

Result<DkimKeyRecord> SqliteSenderStore::AddDkimKey(const DkimKeyRecord& key, const SealFor& seal) {
  if (key.domain.empty() || key.selector.empty()) {
    return absl::InvalidArgumentError("a DKIM key needs a domain and a selector");
  }
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*shared_.connection));
  ASSIGN_OR_RETURN(Statement * insert, shared_.Query("dkim-key-insert"));
  const int64_t now = shared_.NowUs();
  const Status inserted = insert->Bind(1, key.workspace_id.value())
                              .Bind(2, key.domain)
                              .Bind(3, key.selector)
                              .Bind(4, key.algorithm)
                              .Bind(5, key.dns_txt)
                              .Bind(6, now)
                              .Run();
  if (absl::IsAlreadyExists(inserted)) {
    return absl::AlreadyExistsError(StrCat("domain '", key.domain, "' already has a DKIM key"));
  }
  if (absl::IsFailedPrecondition(inserted)) {
    return absl::InvalidArgumentError(
        StrCat("DKIM key for '", key.domain, "': unknown algorithm '", key.algorithm, "'"));
  }
  TRY(inserted);
  DkimKeyRecord out = key;
  out.id = shared_.connection->LastInsertId();
  ASSIGN_OR_RETURN(out.sealed_key, seal(out.id));
  ASSIGN_OR_RETURN(Statement * update, shared_.Query("dkim-key-set-sealed"));
  TRY(update->Bind(1, out.id).Bind(2, out.sealed_key).Run());
  TRY(tx.Commit());
  out.created_at = FromUnixMicros(now);
  return out;
}

Result<std::optional<DkimKeyRecord>> SqliteSenderStore::FindDkimKey(WorkspaceId workspace,
                                                                    std::string_view domain) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("dkim-key-find"));
  select->Bind(1, workspace.value()).Bind(2, domain);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return std::optional<DkimKeyRecord>();
  DkimKeyRecord k = ReadDkimKey(*select);
  select->Reset();
  return std::optional<DkimKeyRecord>(std::move(k));
}

Result<std::vector<DkimKeyRecord>> SqliteSenderStore::ListDkimKeys(WorkspaceId workspace) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("dkim-key-list"));
  select->Bind(1, workspace.value());
  std::vector<DkimKeyRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.push_back(ReadDkimKey(*select));
  }
  return out;
}

Status SqliteSenderStore::RemoveDkimKey(WorkspaceId workspace, std::string_view domain) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * remove, shared_.Query("dkim-key-delete"));
  TRY(remove->Bind(1, workspace.value()).Bind(2, domain).Run());
  if (shared_.connection->Changes() == 0) {
    return absl::NotFoundError(StrCat("no DKIM key for '", domain, "'"));
  }
  return OkStatus();
}

Status SqliteSenderStore::Remove(WorkspaceId workspace, SenderId id) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * in_use, shared_.Query("sender-in-use"));
  in_use->Bind(1, workspace.value()).Bind(2, id.value());
  ASSIGN_OR_RETURN(bool row, in_use->Step());
  const int64_t uses = row ? in_use->Int(0) : 0;
  in_use->Reset();
  if (uses > 0) {
    return absl::FailedPreconditionError(
        StrCat("sender ", id.value(), " has ", uses, " messages; it cannot be removed"));
  }
  ASSIGN_OR_RETURN(Statement * remove, shared_.Query("sender-delete"));
  TRY(remove->Bind(1, workspace.value()).Bind(2, id.value()).Run());
  if (shared_.connection->Changes() == 0) {
    return absl::NotFoundError(StrCat("no sender ", id.value()));
  }
  return OkStatus();
}

}  // namespace cadent::storage::sqlite
