// SQLite engine store: enrollments, the message queue (claims with leases and fences), and
// events. Every write names the status it expects; units are all-or-nothing (savepoints).
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"
#include "storage/sqlite/sqlite_stores.hpp"

namespace cadent::storage::sqlite {
namespace {

using sequence::EnrollmentStatus;
using sequence::MessageStatus;

std::optional<Instant> OptionalInstant(const Statement& row, int column) {
  if (row.IsNull(column)) return std::nullopt;
  return FromUnixMicros(row.Int(column));
}

void BindInstant(Statement& s, int index, std::optional<Instant> at) {
  if (at) {
    s.Bind(index, ToUnixMicros(*at));
  } else {
    s.BindNull(index);
  }
}

void BindText(Statement& s, int index, const std::optional<std::string>& text) {
  if (text) {
    s.Bind(index, *text);
  } else {
    s.BindNull(index);
  }
}

void BindId(Statement& s, int index, int64_t id) {
  if (id > 0) {
    s.Bind(index, id);
  } else {
    s.BindNull(index);
  }
}

Result<Message> ReadMessage(const Statement& row, int base = 0) {
  Message m;
  m.id = MessageId(row.Int(base + 0));
  m.workspace_id = WorkspaceId(row.Int(base + 1));
  m.campaign_id = CampaignId(row.Int(base + 2));
  m.enrollment_id = EnrollmentId(row.Int(base + 3));
  m.contact_id = ContactId(row.Int(base + 4));
  m.version = static_cast<int>(row.Int(base + 5));
  m.step = row.Text(base + 6);
  m.variant = row.Text(base + 7);
  const std::optional<templating::Channel> channel =
      templating::ParseChannel(row.TextView(base + 8));
  const std::optional<MessageStatus> status = sequence::ParseMessageStatus(row.TextView(base + 11));
  if (!channel || !status) {
    return absl::DataLossError(StrCat("message ", m.id.value(), " has unknown channel '",
                                      row.TextView(base + 8), "' or status '",
                                      row.TextView(base + 11), "'"));
  }
  m.channel = *channel;
  m.template_id = TemplateId(row.IsNull(base + 9) ? 0 : row.Int(base + 9));
  m.template_version = row.IsNull(base + 10) ? 0 : static_cast<int>(row.Int(base + 10));
  m.status = *status;
  m.due_at = FromUnixMicros(row.Int(base + 12));
  m.slot_at = OptionalInstant(row, base + 13);
  m.sender = SenderId(row.IsNull(base + 14) ? 0 : row.Int(base + 14));
  m.attempts = static_cast<int>(row.Int(base + 15));
  if (!row.IsNull(base + 16)) m.lease_owner = row.Text(base + 16);
  m.lease_expires = OptionalInstant(row, base + 17);
  m.fence = row.Int(base + 18);
  m.planned_at = FromUnixMicros(row.Int(base + 19));
  m.sent_at = OptionalInstant(row, base + 20);
  m.provider_id = row.Text(base + 21);
  m.error = row.Text(base + 22);
  m.reasons = row.Text(base + 23);
  m.created_at = FromUnixMicros(row.Int(base + 24));
  m.updated_at = FromUnixMicros(row.Int(base + 25));
  return m;
}

Result<Enrollment> ReadEnrollment(const Statement& row, int base = 0) {
  Enrollment e;
  e.id = EnrollmentId(row.Int(base + 0));
  e.workspace_id = WorkspaceId(row.Int(base + 1));
  e.campaign_id = CampaignId(row.Int(base + 2));
  e.contact_id = ContactId(row.Int(base + 3));
  e.version = static_cast<int>(row.Int(base + 4));
  const std::optional<EnrollmentStatus> status =
      sequence::ParseEnrollmentStatus(row.TextView(base + 5));
  if (!status) {
    return absl::DataLossError(
        StrCat("enrollment ", e.id.value(), " has unknown status '", row.TextView(base + 5), "'"));
  }
  e.status = *status;
  e.step = row.Text(base + 6);
  e.sender = SenderId(row.IsNull(base + 7) ? 0 : row.Int(base + 7));
  e.wake_at = OptionalInstant(row, base + 8);
  e.step_started_at = FromUnixMicros(row.Int(base + 9));
  e.last_sent_at = OptionalInstant(row, base + 10);
  e.stop_reason = row.Text(base + 11);
  e.enrolled_at = FromUnixMicros(row.Int(base + 12));
  e.updated_at = FromUnixMicros(row.Int(base + 13));
  return e;
}

Result<Event> ReadEvent(const Statement& row) {
  Event e;
  e.id = EventId(row.Int(0));
  e.workspace_id = WorkspaceId(row.Int(1));
  e.contact_id = ContactId(row.Int(2));
  e.campaign_id = CampaignId(row.IsNull(3) ? 0 : row.Int(3));
  e.enrollment_id = EnrollmentId(row.IsNull(4) ? 0 : row.Int(4));
  e.message_id = MessageId(row.IsNull(5) ? 0 : row.Int(5));
  const std::optional<EventKind> kind = ParseEventKind(row.TextView(6));
  if (!kind) {
    return absl::DataLossError(
        StrCat("event ", e.id.value(), " has unknown kind '", row.TextView(6), "'"));
  }
  e.kind = *kind;
  e.source = row.Text(7);
  e.detail = row.Text(8);
  e.at = FromUnixMicros(row.Int(9));
  e.applied_at = OptionalInstant(row, 10);
  e.machine = row.Text(11);
  return e;
}

template <typename T, typename Reader>
Result<std::vector<T>> ReadAll(Statement& select, Reader read) {
  std::vector<T> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(T value, read(select, 0));
    out.push_back(std::move(value));
  }
  return out;
}

Result<std::vector<Message>> ReadMessages(Statement& select) {
  return ReadAll<Message>(select, ReadMessage);
}
Result<std::vector<Enrollment>> ReadEnrollments(Statement& select) {
  return ReadAll<Enrollment>(select, ReadEnrollment);
}

Status InsertMessage(Shared& shared, const NewMessage& m, EnrollmentId enrollment, int64_t now) {
  ASSIGN_OR_RETURN(Statement * insert, shared.Query("message-insert"));
  insert->Bind(1, m.workspace_id.value())
      .Bind(2, m.campaign_id.value())
      .Bind(3, enrollment.value())
      .Bind(4, m.contact_id.value())
      .Bind(5, int64_t{m.version})
      .Bind(6, m.step)
      .Bind(7, m.variant)
      .Bind(8, templating::ToString(m.channel));
  BindId(*insert, 9, m.template_id.value());
  if (m.template_id.valid()) {
    insert->Bind(10, int64_t{m.template_version});
  } else {
    insert->BindNull(10);
  }
  return insert->Bind(11, ToUnixMicros(m.due_at)).Bind(12, m.reasons).Bind(13, now).Run();
}

// Runs one unit; returns false (after rolling the unit back) when a conditional change
// found its row moved on. Caller holds the mutex and a transaction.
// An invalid transition also returns false, with *rejected saying why.
Result<bool> ApplyUnit(Shared& shared, const ChangeUnit& unit, int64_t now,
                       std::vector<MessageId>& new_ids, std::string* rejected) {
  Connection& db = *shared.connection;
  for (const MessageChange& c : unit.messages) {
    const std::optional<MessageStatus> to = sequence::Next(c.from, c.event);
    if (!to) {
      *rejected = StrCat("message ", c.id.value(), ": ", sequence::ToString(c.event),
                         " is not allowed in status ", sequence::ToString(c.from));
      return false;
    }
    ASSIGN_OR_RETURN(Statement * update, shared.Query("message-change"));
    update->Bind(1, c.id.value())
        .Bind(2, sequence::ToString(*to))
        .Bind(3, sequence::ToString(c.from));
    if (c.fence) {
      update->Bind(4, *c.fence);
    } else {
      update->BindNull(4);
    }
    BindInstant(*update, 5, c.due_at);
    update->Bind(6, int64_t{c.slot_at.has_value() ? 1 : 0});
    BindInstant(*update, 7, c.slot_at ? *c.slot_at : std::nullopt);
    BindId(*update, 8, c.sender ? c.sender->value() : 0);
    update->Bind(9, int64_t{c.count_attempt ? 1 : 0});
    BindInstant(*update, 10, c.sent_at);
    BindText(*update, 11, c.provider_id);
    BindText(*update, 12, c.error);
    BindText(*update, 13, c.reasons);
    update->Bind(14, now);
    // ?15: the new status keeps the lease (a flag, not `?2 IN (...)`, which SQLite would
    // evaluate by building a temporary index for the list).
    update->Bind(15, int64_t{*to == MessageStatus::kClaimed || *to == MessageStatus::kSending});
    BindText(*update, 16, c.rfc_message_id);
    BindText(*update, 17, c.subject);
    BindText(*update, 18, c.links);
    TRY(update->Run());
    if (db.Changes() == 0) return false;
  }
  for (const EnrollmentChange& c : unit.enrollments) {
    const std::optional<EnrollmentStatus> to = sequence::Next(c.from, c.event);
    if (!to) {
      *rejected = StrCat("enrollment ", c.id.value(), ": ", sequence::ToString(c.event),
                         " is not allowed in status ", sequence::ToString(c.from));
      return false;
    }
    ASSIGN_OR_RETURN(Statement * update, shared.Query("enrollment-change"));
    update->Bind(1, c.id.value())
        .Bind(2, sequence::ToString(*to))
        .Bind(3, sequence::ToString(c.from))
        .Bind(4, c.from_step);
    BindText(*update, 5, c.step);
    if (c.version) {
      update->Bind(6, int64_t{*c.version});
    } else {
      update->BindNull(6);
    }
    update->Bind(7, int64_t{c.wake_at.has_value() ? 1 : 0});
    BindInstant(*update, 8, c.wake_at ? *c.wake_at : std::nullopt);
    BindInstant(*update, 9, c.step_started_at);
    BindInstant(*update, 10, c.last_sent_at);
    BindId(*update, 11, c.sender ? c.sender->value() : 0);
    BindText(*update, 12, c.stop_reason);
    update->Bind(13, now);
    TRY(update->Run());
    if (db.Changes() == 0) return false;
  }
  for (const NewMessage& m : unit.new_messages) {
    const Status inserted = InsertMessage(shared, m, m.enrollment_id, now);
    if (absl::IsAlreadyExists(inserted)) return false;  // that step was planned already
    TRY(inserted);
    new_ids.push_back(MessageId(db.LastInsertId()));
  }
  for (const EventId id : unit.applied_events) {
    ASSIGN_OR_RETURN(Statement * mark, shared.Query("event-mark-applied"));
    TRY(mark->Bind(1, id.value()).Bind(2, now).Run());
    if (db.Changes() == 0) return false;
  }
  return true;
}

// Multi-row statements for Enroll: `rows` rows per statement, cached per size. One row per
// statement would spend most of its time opening and closing the cursors of every index.
constexpr int kEnrollRowSizes[] = {128, 32, 8, 1};

// The largest statement size that `remaining` rows fill.
int RowsFor(size_t remaining) {
  for (const int size : kEnrollRowSizes) {
    if (remaining >= static_cast<size_t>(size)) return size;
  }
  return 1;
}

Result<Statement*> EnrollmentInsert(Connection& db, int rows) {
  // Shared: ?1 workspace, ?2 campaign, ?3 version, ?4 now. Per row: contact, status, step,
  // wake time.
  std::string sql =
      "INSERT OR IGNORE INTO enrollments (workspace_id, campaign_id, contact_id, version, "
      "status, step, wake_at_us, step_started_at_us, enrolled_at_us, updated_at_us) VALUES ";
  for (int r = 0; r < rows; ++r) {
    const int b = 4 + r * 4;
    absl::StrAppend(&sql, r == 0 ? "" : ", ", "(?1, ?2, ?", b + 1, ", ?3, ?", b + 2, ", ?", b + 3,
                    ", ?", b + 4, ", ?4, ?4, ?4)");
  }
  sql += " RETURNING id, contact_id";
  return db.Prepare(StrCat("enrollment-insert-", rows), sql);
}

Result<Statement*> MessageInsert(Connection& db, int rows) {
  // Shared: ?1 workspace, ?2 campaign, ?3 now. Per row: enrollment, contact, version, step,
  // variant, channel, template id, template version, due time, reasons.
  std::string sql =
      "INSERT INTO messages (workspace_id, campaign_id, enrollment_id, contact_id, version, "
      "step, variant, channel, template_id, template_version, status, due_at_us, "
      "planned_at_us, reasons, created_at_us, updated_at_us) VALUES ";
  for (int r = 0; r < rows; ++r) {
    const int b = 3 + r * 10;
    absl::StrAppend(&sql, r == 0 ? "" : ", ", "(?1, ?2");
    for (int i = 1; i <= 8; ++i) absl::StrAppend(&sql, ", ?", b + i);
    absl::StrAppend(&sql, ", 'planned', ?", b + 9, ", ?", b + 9, ", ?", b + 10, ", ?3, ?3)");
  }
  return db.Prepare(StrCat("message-insert-", rows), sql);
}

}  // namespace

Result<int64_t> SqliteEngineStore::Enroll(WorkspaceId workspace, CampaignId campaign, int version,
                                          std::span<const NewEnrollment> enrollments, Instant now) {
  std::lock_guard lock(shared_.mutex);
  Connection& db = *shared_.connection;
  // Foreign keys and CHECKs are off for the batch (BulkWriteSession): the campaign (and so
  // its workspace) is checked here, the contacts after the inserts, the enrollments were
  // just inserted, and every status and channel is spelled by ToString.
  ASSIGN_OR_RETURN(BulkWriteSession session, BulkWriteSession::Begin(db));
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
  ASSIGN_OR_RETURN(Statement * owner, shared_.Query("campaign-exists"));
  owner->Bind(1, workspace.value()).Bind(2, campaign.value());
  ASSIGN_OR_RETURN(bool exists, owner->Step());
  owner->Reset();
  if (!exists) {
    return absl::NotFoundError(
        StrCat("no campaign ", campaign.value(), " in workspace ", workspace.value()));
  }
  const int64_t now_us = ToUnixMicros(now);
  int64_t enrolled = 0;
  int64_t first_id = std::numeric_limits<int64_t>::max();
  int64_t last_id = 0;
  absl::flat_hash_map<int64_t, size_t> by_contact;  // contact -> index in the chunk
  std::vector<std::pair<size_t, int64_t>> created;  // (index in chunk, enrollment id)
  size_t at = 0;
  while (at < enrollments.size()) {
    const int rows = RowsFor(enrollments.size() - at);
    const std::span<const NewEnrollment> chunk = enrollments.subspan(at, static_cast<size_t>(rows));
    at += static_cast<size_t>(rows);

    ASSIGN_OR_RETURN(Statement * insert, EnrollmentInsert(db, rows));
    insert->Bind(1, workspace.value())
        .Bind(2, campaign.value())
        .Bind(3, int64_t{version})
        .Bind(4, now_us);
    by_contact.clear();
    for (int r = 0; r < rows; ++r) {
      const NewEnrollment& e = chunk[static_cast<size_t>(r)];
      const int b = 4 + r * 4;
      insert->Bind(b + 1, e.contact_id.value())
          .BindView(b + 2, sequence::ToString(e.status))
          .BindView(b + 3, e.step);
      BindInstant(*insert, b + 4, e.wake_at);
      by_contact.emplace(e.contact_id.value(), static_cast<size_t>(r));
    }
    created.clear();
    while (true) {
      ASSIGN_OR_RETURN(bool row, insert->Step());
      if (!row) break;
      const auto it = by_contact.find(insert->Int(1));
      if (it != by_contact.end()) created.emplace_back(it->second, insert->Int(0));
    }
    insert->Reset();
    enrolled += static_cast<int64_t>(created.size());

    // Their first messages, in statements of the same sizes.
    std::vector<std::pair<const NewMessage*, int64_t>> firsts;
    for (const auto& [index, id] : created) {
      first_id = std::min(first_id, id);
      last_id = std::max(last_id, id);
      if (chunk[index].first) firsts.emplace_back(&*chunk[index].first, id);
    }
    size_t m = 0;
    while (m < firsts.size()) {
      const int mrows = RowsFor(firsts.size() - m);
      ASSIGN_OR_RETURN(Statement * messages, MessageInsert(db, mrows));
      messages->Bind(1, workspace.value()).Bind(2, campaign.value()).Bind(3, now_us);
      for (int r = 0; r < mrows; ++r) {
        const auto& [message, enrollment] = firsts[m + static_cast<size_t>(r)];
        const int b = 3 + r * 10;
        messages->Bind(b + 1, enrollment)
            .Bind(b + 2, message->contact_id.value())
            .Bind(b + 3, int64_t{message->version})
            .BindView(b + 4, message->step)
            .BindView(b + 5, message->variant)
            .BindView(b + 6, templating::ToString(message->channel));
        BindId(*messages, b + 7, message->template_id.value());
        if (message->template_id.valid()) {
          messages->Bind(b + 8, int64_t{message->template_version});
        } else {
          messages->BindNull(b + 8);
        }
        messages->Bind(b + 9, ToUnixMicros(message->due_at)).BindView(b + 10, message->reasons);
      }
      TRY(messages->Run());
      m += static_cast<size_t>(mrows);
    }
  }
  if (enrolled > 0) {
    // The contacts were read before this transaction: one deleted since must not be enrolled.
    ASSIGN_OR_RETURN(Statement * orphans, shared_.Query("enrollments-without-contact"));
    orphans->Bind(1, first_id).Bind(2, last_id);
    ASSIGN_OR_RETURN(bool any, orphans->Step());
    orphans->Reset();
    if (any) {
      return absl::AbortedError(
          "contacts were deleted while the launch enrolled them; nothing of this batch was "
          "written; launch again");
    }
  }
  TRY(tx.Commit());
  return enrolled;
}

Result<std::vector<ContactId>> SqliteEngineStore::ContactsInOtherCampaigns(WorkspaceId workspace,
                                                                           CampaignId except) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("contacts-in-other-campaigns"));
  select->Bind(1, workspace.value()).Bind(2, except.value());
  std::vector<ContactId> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.push_back(ContactId(select->Int(0)));
  }
  return out;
}

Result<std::vector<ClaimedMessage>> SqliteEngineStore::Claim(std::string_view owner, Instant now,
                                                             Instant lease_until, int limit) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::BeginCrashSafe(*shared_.connection));
  ASSIGN_OR_RETURN(Statement * claim, shared_.Query("message-claim"));
  claim->Bind(1, ToUnixMicros(now))
      .Bind(2, int64_t{limit})
      .Bind(3, owner)
      .Bind(4, ToUnixMicros(lease_until));
  ASSIGN_OR_RETURN(std::vector<Message> messages, ReadMessages(*claim));
  claim->Reset();
  // Their enrollments and contacts, in one query for the batch.
  nlohmann::json ids = nlohmann::json::array();
  for (const Message& m : messages) ids.push_back(m.enrollment_id.value());
  absl::flat_hash_map<int64_t, std::pair<Enrollment, Contact>> rows;
  if (!messages.empty()) {
    ASSIGN_OR_RETURN(Statement * select, shared_.Query("enrollments-with-contacts"));
    select->Bind(1, ids.dump());
    while (true) {
      ASSIGN_OR_RETURN(bool row, select->Step());
      if (!row) break;
      ASSIGN_OR_RETURN(Enrollment enrollment, ReadEnrollment(*select, 0));
      Contact contact = ReadContact(*select, 14);
      const int64_t id = enrollment.id.value();
      rows.emplace(id, std::pair(std::move(enrollment), std::move(contact)));
    }
  }
  std::vector<ClaimedMessage> out;
  out.reserve(messages.size());
  for (Message& m : messages) {
    const auto it = rows.find(m.enrollment_id.value());
    if (it == rows.end()) {
      return absl::DataLossError(StrCat("message ", m.id.value(), " names enrollment ",
                                        m.enrollment_id.value(), ", which does not exist"));
    }
    // Two messages of one enrollment in a batch (rare) each get a copy.
    out.push_back(ClaimedMessage{std::move(m), it->second.first, it->second.second});
  }
  TRY(tx.Commit());
  // RETURNING gives rows in no particular order: keep the earliest first.
  std::sort(out.begin(), out.end(), [](const ClaimedMessage& a, const ClaimedMessage& b) {
    return std::pair(a.message.due_at, a.message.id) < std::pair(b.message.due_at, b.message.id);
  });
  return out;
}

Result<ApplyResult> SqliteEngineStore::Apply(std::span<const ChangeUnit> units, Instant now,
                                             Durability durability) {
  std::lock_guard lock(shared_.mutex);
  Connection& db = *shared_.connection;
  ASSIGN_OR_RETURN(Transaction tx, durability == Durability::kDurable
                                       ? Transaction::Begin(db)
                                       : Transaction::BeginCrashSafe(db));
  const int64_t now_us = ToUnixMicros(now);
  ApplyResult result;
  for (size_t i = 0; i < units.size(); ++i) {
    ASSIGN_OR_RETURN(Statement * savepoint, db.Prepare("savepoint-unit", "SAVEPOINT unit"));
    TRY(savepoint->Run());
    const size_t ids_before = result.new_message_ids.size();
    std::string rejected;
    Result<bool> applied = ApplyUnit(shared_, units[i], now_us, result.new_message_ids, &rejected);
    if (applied.ok() && *applied) {
      ASSIGN_OR_RETURN(Statement * release, db.Prepare("release-unit", "RELEASE unit"));
      TRY(release->Run());
      continue;
    }
    ASSIGN_OR_RETURN(Statement * rollback, db.Prepare("rollback-unit", "ROLLBACK TO unit"));
    TRY(rollback->Run());
    ASSIGN_OR_RETURN(Statement * release, db.Prepare("release-unit", "RELEASE unit"));
    TRY(release->Run());
    if (!applied.ok()) return applied.status();
    result.new_message_ids.resize(ids_before);
    result.new_message_ids.insert(result.new_message_ids.end(), units[i].new_messages.size(),
                                  MessageId());
    result.conflicted.push_back(i);
    if (!rejected.empty()) result.rejected.emplace_back(i, std::move(rejected));
  }
  TRY(tx.Commit());
  return result;
}

Result<std::optional<Instant>> SqliteEngineStore::NextWork() {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("next-work"));
  ASSIGN_OR_RETURN(bool row, select->Step());
  std::optional<Instant> out;
  if (row && !select->IsNull(0)) out = FromUnixMicros(select->Int(0));
  select->Reset();
  return out;
}

Result<std::vector<Enrollment>> SqliteEngineStore::Waking(Instant now, int limit) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("enrollments-waking"));
  select->Bind(1, ToUnixMicros(now)).Bind(2, int64_t{limit});
  return ReadEnrollments(*select);
}

Result<std::vector<Message>> SqliteEngineStore::ExpiredLeases(Instant now, int limit) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("messages-expired-leases"));
  select->Bind(1, ToUnixMicros(now)).Bind(2, int64_t{limit});
  return ReadMessages(*select);
}

Result<std::vector<Message>> SqliteEngineStore::LeasesOf(std::string_view owner, int limit) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("messages-leases-of"));
  select->Bind(1, owner).Bind(2, int64_t{limit});
  return ReadMessages(*select);
}

Result<Enrollment> SqliteEngineStore::GetEnrollment(WorkspaceId workspace, EnrollmentId id) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("enrollment-get"));
  select->Bind(1, workspace.value()).Bind(2, id.value());
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return absl::NotFoundError(StrCat("no enrollment ", id.value()));
  Result<Enrollment> out = ReadEnrollment(*select);
  select->Reset();
  return out;
}

Result<std::optional<Enrollment>> SqliteEngineStore::FindEnrollment(WorkspaceId workspace,
                                                                    CampaignId campaign,
                                                                    ContactId contact) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("enrollment-find"));
  select->Bind(1, workspace.value()).Bind(2, campaign.value()).Bind(3, contact.value());
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return std::optional<Enrollment>();
  ASSIGN_OR_RETURN(Enrollment e, ReadEnrollment(*select));
  select->Reset();
  return std::optional<Enrollment>(std::move(e));
}

Result<std::vector<Enrollment>> SqliteEngineStore::LiveEnrollmentsOf(WorkspaceId workspace,
                                                                     ContactId contact) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("enrollments-live-of-contact"));
  select->Bind(1, workspace.value()).Bind(2, contact.value());
  return ReadEnrollments(*select);
}

Result<std::vector<Enrollment>> SqliteEngineStore::LiveEnrollmentsAtDomain(
    WorkspaceId workspace, CampaignId campaign, std::string_view domain) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("enrollments-live-at-domain"));
  select->Bind(1, workspace.value()).Bind(2, campaign.value()).Bind(3, domain);
  return ReadEnrollments(*select);
}

Result<Message> SqliteEngineStore::GetMessage(WorkspaceId workspace, MessageId id) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("message-get"));
  select->Bind(1, workspace.value()).Bind(2, id.value());
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return absl::NotFoundError(StrCat("no message ", id.value()));
  Result<Message> out = ReadMessage(*select);
  select->Reset();
  return out;
}

Result<std::vector<Message>> SqliteEngineStore::MessagesOf(WorkspaceId workspace,
                                                           EnrollmentId enrollment) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("messages-of-enrollment"));
  select->Bind(1, workspace.value()).Bind(2, enrollment.value());
  return ReadMessages(*select);
}

Result<std::vector<Message>> SqliteEngineStore::PendingMessagesOf(WorkspaceId workspace,
                                                                  EnrollmentId enrollment) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("messages-pending-of-enrollment"));
  select->Bind(1, workspace.value()).Bind(2, enrollment.value());
  return ReadMessages(*select);
}

Result<std::vector<Message>> SqliteEngineStore::OverdueMessages(CampaignId campaign, Instant before,
                                                                int limit) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("messages-overdue"));
  select->Bind(1, campaign.value()).Bind(2, ToUnixMicros(before)).Bind(3, int64_t{limit});
  return ReadMessages(*select);
}

Result<int64_t> SqliteEngineStore::LiveEnrollmentCount(CampaignId campaign) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("enrollments-live-count"));
  select->Bind(1, campaign.value());
  ASSIGN_OR_RETURN(bool row, select->Step());
  const int64_t count = row ? select->Int(0) : 0;
  select->Reset();
  return count;
}

Result<std::vector<Enrollment>> SqliteEngineStore::LiveEnrollments(CampaignId campaign, int limit) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("enrollments-live-of-campaign"));
  select->Bind(1, campaign.value()).Bind(2, int64_t{limit});
  return ReadEnrollments(*select);
}

Result<std::vector<EngineStore::Booking>> SqliteEngineStore::Bookings(Instant since) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("pacing-bookings"));
  select->Bind(1, ToUnixMicros(since));
  std::vector<Booking> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.push_back(Booking{WorkspaceId(select->Int(0)), SenderId(select->Int(1)),
                          CampaignId(select->Int(2)), MessageId(select->Int(3)),
                          FromUnixMicros(select->Int(4)), select->Int(5) != 0, select->Text(6)});
  }
  return out;
}

Result<std::optional<std::string>> SqliteEngineStore::MessageLinks(WorkspaceId workspace,
                                                                   MessageId id) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("message-links"));
  select->Bind(1, workspace.value()).Bind(2, id.value());
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) {
    select->Reset();
    return absl::NotFoundError(StrCat("no message ", id.value()));
  }
  std::optional<std::string> links;
  if (!select->IsNull(0)) links = select->Text(0);
  select->Reset();
  return links;
}

Result<Event> SqliteEngineStore::AddEvent(const Event& event) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * insert, shared_.Query("event-insert"));
  insert->Bind(1, event.workspace_id.value()).Bind(2, event.contact_id.value());
  BindId(*insert, 3, event.campaign_id.value());
  BindId(*insert, 4, event.enrollment_id.value());
  BindId(*insert, 5, event.message_id.value());
  TRY(insert->Bind(6, ToString(event.kind))
          .Bind(7, event.source)
          .Bind(8, event.detail)
          .Bind(9, ToUnixMicros(event.at))
          .Bind(10, shared_.NowUs())
          .Bind(11, event.machine)
          .Run());
  Event out = event;
  out.id = EventId(shared_.connection->LastInsertId());
  out.applied_at.reset();
  return out;
}

Result<std::vector<Event>> SqliteEngineStore::PendingEvents(int limit) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("events-pending"));
  select->Bind(1, int64_t{limit});
  return ReadAll<Event>(*select, [](const Statement& row, int) { return ReadEvent(row); });
}

Result<std::vector<Event>> SqliteEngineStore::EventsOf(WorkspaceId workspace,
                                                       EnrollmentId enrollment) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("events-of-enrollment"));
  select->Bind(1, workspace.value()).Bind(2, enrollment.value());
  return ReadAll<Event>(*select, [](const Statement& row, int) { return ReadEvent(row); });
}

Result<bool> SqliteEngineStore::HasEvent(EnrollmentId enrollment, EventKind kind, Instant since) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("event-exists"));
  select->Bind(1, enrollment.value()).Bind(2, ToString(kind)).Bind(3, ToUnixMicros(since));
  ASSIGN_OR_RETURN(bool row, select->Step());
  const bool exists = row && select->Int(0) != 0;
  select->Reset();
  return exists;
}

Result<std::vector<StepStats>> SqliteEngineStore::Stats(WorkspaceId workspace,
                                                        CampaignId campaign) {
  std::lock_guard lock(shared_.mutex);
  std::vector<StepStats> out;
  auto row_for = [&out](std::string_view step, std::string_view variant) -> StepStats& {
    for (StepStats& s : out) {
      if (s.step == step && s.variant == variant) return s;
    }
    out.push_back(StepStats{std::string(step), std::string(variant)});
    return out.back();
  };
  ASSIGN_OR_RETURN(Statement * messages, shared_.Query("stats-messages"));
  messages->Bind(1, workspace.value()).Bind(2, campaign.value());
  while (true) {
    ASSIGN_OR_RETURN(bool row, messages->Step());
    if (!row) break;
    const std::optional<MessageStatus> status = sequence::ParseMessageStatus(messages->TextView(2));
    if (!status) continue;
    row_for(messages->TextView(0), messages->TextView(1)).by_status[static_cast<size_t>(*status)] +=
        messages->Int(3);
  }
  ASSIGN_OR_RETURN(Statement * events, shared_.Query("stats-events"));
  events->Bind(1, workspace.value()).Bind(2, campaign.value());
  while (true) {
    ASSIGN_OR_RETURN(bool row, events->Step());
    if (!row) break;
    const std::optional<EventKind> kind = ParseEventKind(events->TextView(2));
    if (!kind) continue;
    StepStats& stats = row_for(events->TextView(0), events->TextView(1));
    stats.events[static_cast<size_t>(*kind)] += events->Int(3);
    stats.human_events[static_cast<size_t>(*kind)] += events->Int(4);
  }
  return out;
}

Result<std::vector<std::pair<EnrollmentStatus, int64_t>>> SqliteEngineStore::EnrollmentCounts(
    WorkspaceId workspace, CampaignId campaign) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("stats-enrollments"));
  select->Bind(1, workspace.value()).Bind(2, campaign.value());
  std::vector<std::pair<EnrollmentStatus, int64_t>> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    const std::optional<EnrollmentStatus> status =
        sequence::ParseEnrollmentStatus(select->TextView(0));
    if (status) out.emplace_back(*status, select->Int(1));
  }
  return out;
}

Result<std::vector<Message>> SqliteEngineStore::UnknownMessages(WorkspaceId workspace, int limit) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("messages-unknown"));
  select->Bind(1, workspace.value()).Bind(2, int64_t{limit});
  return ReadMessages(*select);
}

namespace {

EngineStore::SentEmail ReadSentEmail(const Statement& row) {
  EngineStore::SentEmail e;
  e.id = MessageId(row.Int(0));
  e.campaign = CampaignId(row.Int(1));
  e.enrollment = EnrollmentId(row.Int(2));
  e.contact = ContactId(row.Int(3));
  e.rfc_message_id = row.Text(4);
  e.subject = row.Text(5);
  return e;
}

}  // namespace

Result<std::vector<EngineStore::SentEmail>> SqliteEngineStore::EmailThread(
    WorkspaceId workspace, EnrollmentId enrollment) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("email-thread"));
  select->Bind(1, workspace.value()).Bind(2, enrollment.value());
  std::vector<SentEmail> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.push_back(ReadSentEmail(*select));
  }
  return out;
}

Result<std::optional<EngineStore::SentEmail>> SqliteEngineStore::FindEmail(
    WorkspaceId workspace, std::string_view rfc_message_id) {
  if (rfc_message_id.size() >= 2 && rfc_message_id.front() == '<' && rfc_message_id.back() == '>') {
    rfc_message_id = rfc_message_id.substr(1, rfc_message_id.size() - 2);
  }
  // Ours are <message id>.<attempt>@<domain>: the row is found by its key, then the whole
  // id must match (a forged or foreign id finds nothing).
  int64_t id = 0;
  size_t digits = 0;
  while (digits < rfc_message_id.size() && digits < 18 && rfc_message_id[digits] >= '0' &&
         rfc_message_id[digits] <= '9') {
    id = id * 10 + (rfc_message_id[digits] - '0');
    ++digits;
  }
  if (digits == 0 || digits >= rfc_message_id.size() || rfc_message_id[digits] != '.') {
    return std::optional<SentEmail>();
  }
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("email-by-message-id"));
  select->Bind(1, id).Bind(2, workspace.value()).Bind(3, rfc_message_id);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return std::optional<SentEmail>();
  SentEmail e = ReadSentEmail(*select);
  select->Reset();
  return std::optional<SentEmail>(std::move(e));
}

}  // namespace cadent::storage::sqlite
