// SQLite template store: a templates row per template, an immutable template_versions row
// per version (triggers refuse UPDATE and DELETE on versions).
#include "core/common/strings.hpp"
#include "storage/sqlite/sqlite_stores.hpp"

namespace cadent::storage::sqlite {
namespace {

Result<Template> ReadTemplate(const Statement& row) {
  const std::string channel_text = row.Text(3);
  const std::optional<templating::Channel> channel = templating::ParseChannel(channel_text);
  if (!channel) {
    return absl::DataLossError(
        StrCat("template ", row.Int(0), " has unknown channel '", channel_text, "'"));
  }
  return Template{TemplateId(row.Int(0)),
                  WorkspaceId(row.Int(1)),
                  row.Text(2),
                  *channel,
                  static_cast<int>(row.Int(4)),
                  FromUnixMicros(row.Int(5)),
                  FromUnixMicros(row.Int(6))};
}

TemplateVersion ReadVersion(const Statement& row, templating::Channel channel) {
  TemplateVersion v;
  v.template_id = TemplateId(row.Int(0));
  v.version = static_cast<int>(row.Int(1));
  v.source.channel = channel;
  v.source.subject = row.Text(2);
  v.source.html = row.Text(3);
  v.source.text = row.Text(4);
  v.note = row.Text(5);
  v.created_at = FromUnixMicros(row.Int(6));
  return v;
}

// The template row; caller holds the mutex.
Result<Template> GetLocked(Shared& shared, WorkspaceId workspace, TemplateId id) {
  ASSIGN_OR_RETURN(Statement * select, shared.Query("template-get"));
  select->Bind(1, workspace.value()).Bind(2, id.value());
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return absl::NotFoundError(StrCat("no template ", id.value()));
  Result<Template> out = ReadTemplate(*select);
  select->Reset();
  return out;
}

// Inserts version `version` of `tmpl` and moves latest_version from version-1 to it; caller
// holds the mutex and a transaction.
Status InsertVersionLocked(Shared& shared, const Template& tmpl, int version,
                           const templating::TemplateSource& source, std::string_view note,
                           int64_t now) {
  ASSIGN_OR_RETURN(Statement * bump, shared.Query("template-bump-version"));
  TRY(bump->Bind(1, tmpl.workspace_id.value())
          .Bind(2, tmpl.id.value())
          .Bind(3, now)
          .Bind(4, int64_t{version - 1})
          .Run());
  if (shared.connection->Changes() == 0) {
    return absl::AbortedError(StrCat("template '", tmpl.name,
                                     "' was changed by someone else (now at version ",
                                     tmpl.latest_version, "); reload it and try again"));
  }
  ASSIGN_OR_RETURN(Statement * insert, shared.Query("template-version-insert"));
  return insert->Bind(1, tmpl.workspace_id.value())
      .Bind(2, tmpl.id.value())
      .Bind(3, int64_t{version})
      .Bind(4, source.subject)
      .Bind(5, source.html)
      .Bind(6, source.text)
      .Bind(7, note)
      .Bind(8, now)
      .Run();
}

}  // namespace

Result<Template> SqliteTemplateStore::Create(WorkspaceId workspace, std::string_view name,
                                             const templating::TemplateSource& first,
                                             std::string_view note) {
  if (name.empty()) return absl::InvalidArgumentError("template name is empty");
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*shared_.connection));
  ASSIGN_OR_RETURN(Statement * insert, shared_.Query("template-insert"));
  const int64_t now = shared_.NowUs();
  Status inserted = insert->Bind(1, workspace.value())
                        .Bind(2, name)
                        .Bind(3, templating::ToString(first.channel))
                        .Bind(4, now)
                        .Run();
  if (absl::IsAlreadyExists(inserted)) {
    return absl::AlreadyExistsError(StrCat("a template named '", name, "' already exists"));
  }
  TRY(inserted);
  Template tmpl{TemplateId(shared_.connection->LastInsertId()),
                workspace,
                std::string(name),
                first.channel,
                0,
                FromUnixMicros(now),
                FromUnixMicros(now)};
  TRY(InsertVersionLocked(shared_, tmpl, 1, first, note, now));
  TRY(tx.Commit());
  tmpl.latest_version = 1;
  return tmpl;
}

Result<TemplateVersion> SqliteTemplateStore::AddVersion(WorkspaceId workspace, TemplateId id,
                                                        int expected_latest,
                                                        const templating::TemplateSource& source,
                                                        std::string_view note) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*shared_.connection));
  ASSIGN_OR_RETURN(Template tmpl, GetLocked(shared_, workspace, id));
  if (source.channel != tmpl.channel) {
    return absl::InvalidArgumentError(
        StrCat("template '", tmpl.name, "' is a ", templating::ToString(tmpl.channel),
               " template; a version cannot change it to ", templating::ToString(source.channel)));
  }
  if (tmpl.latest_version != expected_latest) {
    return absl::AbortedError(StrCat("template '", tmpl.name, "' is at version ",
                                     tmpl.latest_version, ", not ", expected_latest,
                                     "; reload it and try again"));
  }
  const int64_t now = shared_.NowUs();
  TRY(InsertVersionLocked(shared_, tmpl, expected_latest + 1, source, note, now));
  TRY(tx.Commit());
  return TemplateVersion{id, expected_latest + 1, source, std::string(note), FromUnixMicros(now)};
}

Result<Template> SqliteTemplateStore::Get(WorkspaceId workspace, TemplateId id) {
  std::lock_guard lock(shared_.mutex);
  return GetLocked(shared_, workspace, id);
}

Result<std::optional<Template>> SqliteTemplateStore::FindByName(WorkspaceId workspace,
                                                                std::string_view name) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("template-find-by-name"));
  select->Bind(1, workspace.value()).Bind(2, name);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return std::optional<Template>();
  ASSIGN_OR_RETURN(Template tmpl, ReadTemplate(*select));
  select->Reset();
  return std::optional<Template>(std::move(tmpl));
}

Result<std::vector<Template>> SqliteTemplateStore::List(WorkspaceId workspace) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("template-all"));
  select->Bind(1, workspace.value());
  std::vector<Template> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    ASSIGN_OR_RETURN(Template tmpl, ReadTemplate(*select));
    out.push_back(std::move(tmpl));
  }
  return out;
}

Result<TemplateVersion> SqliteTemplateStore::GetVersion(WorkspaceId workspace, TemplateId id,
                                                        int version) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Template tmpl, GetLocked(shared_, workspace, id));
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("template-version-get"));
  select->Bind(1, workspace.value()).Bind(2, id.value()).Bind(3, int64_t{version});
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) {
    return absl::NotFoundError(StrCat("template '", tmpl.name, "' has no version ", version,
                                      " (latest is ", tmpl.latest_version, ")"));
  }
  TemplateVersion out = ReadVersion(*select, tmpl.channel);
  select->Reset();
  return out;
}

Result<std::vector<TemplateVersion>> SqliteTemplateStore::Versions(WorkspaceId workspace,
                                                                   TemplateId id) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Template tmpl, GetLocked(shared_, workspace, id));
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("template-version-all"));
  select->Bind(1, workspace.value()).Bind(2, id.value());
  std::vector<TemplateVersion> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.push_back(ReadVersion(*select, tmpl.channel));
  }
  return out;
}

Result<std::vector<std::string>> SqliteContactStore::CustomFieldNames(WorkspaceId workspace,
                                                                      int limit) {
  std::lock_guard lock(shared_.mutex);
  ASSIGN_OR_RETURN(Statement * select, shared_.Query("contact-custom-field-names"));
  select->Bind(1, workspace.value()).Bind(2, int64_t{limit});
  std::vector<std::string> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.push_back(select->Text(0));
  }
  return out;
}

}  // namespace cadent::storage::sqlite
