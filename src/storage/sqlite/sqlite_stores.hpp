// The SQLite implementations of the per-aggregate stores (private to storage/sqlite; the
// application reaches them through Database).
#pragma once

#include "storage/contact_store.hpp"
#include "storage/import_store.hpp"
#include "storage/list_store.hpp"
#include "storage/sqlite/sqlite_internal.hpp"
#include "storage/suppression_store.hpp"
#include "storage/template_store.hpp"

namespace cadent::storage::sqlite {

class SqliteContactStore final : public ContactStore {
 public:
  explicit SqliteContactStore(Shared& shared) : shared_(shared) {}
  Result<Contact> Create(WorkspaceId workspace, const ContactData& data) override;
  Result<Contact> Get(WorkspaceId workspace, ContactId id) override;
  Result<std::optional<Contact>> FindByKey(WorkspaceId workspace,
                                           std::string_view dedupe_key) override;
  Result<std::vector<Contact>> List(WorkspaceId workspace, const ContactQuery& query) override;
  Result<int64_t> Count(WorkspaceId workspace, const ContactQuery& query) override;
  Status SetStatus(WorkspaceId workspace, ContactId id, ContactStatus status) override;
  Result<std::vector<std::string>> CustomFieldNames(WorkspaceId workspace, int limit) override;

 private:
  Shared& shared_;
};

class SqliteListStore final : public ListStore {
 public:
  explicit SqliteListStore(Shared& shared) : shared_(shared) {}
  Result<ContactList> Create(WorkspaceId workspace, std::string_view name) override;
  Result<ContactList> Get(WorkspaceId workspace, ListId id) override;
  Result<std::optional<ContactList>> FindByName(WorkspaceId workspace,
                                                std::string_view name) override;
  Result<std::vector<ContactList>> List(WorkspaceId workspace) override;
  Status Delete(WorkspaceId workspace, ListId id) override;
  Result<int64_t> AddMembers(WorkspaceId workspace, ListId list,
                             std::span<const ContactId> contacts) override;
  Result<int64_t> RemoveMembers(WorkspaceId workspace, ListId list,
                                std::span<const ContactId> contacts) override;

 private:
  Shared& shared_;
};

class SqliteSuppressionStore final : public SuppressionStore {
 public:
  explicit SqliteSuppressionStore(Shared& shared) : shared_(shared) {}
  Result<SuppressionAddResult> Add(const SuppressionEntry& entry) override;
  Result<int64_t> AddMany(std::span<const SuppressionEntry> entries) override;
  Status Remove(std::optional<WorkspaceId> scope, SuppressionKind kind,
                std::string_view value) override;
  Result<std::vector<SuppressionEntry>> List(WorkspaceId workspace, SuppressionId after,
                                             int limit) override;
  Result<std::optional<SuppressionEntry>> Match(WorkspaceId workspace,
                                                const ContactData& contact) override;
  Result<SuppressionSet> Snapshot(WorkspaceId workspace) override;

 private:
  Shared& shared_;
};

class SqliteImportStore final : public ImportStore {
 public:
  explicit SqliteImportStore(Shared& shared) : shared_(shared) {}
  Result<ImportRecord> Create(WorkspaceId workspace, const ImportSpec& spec) override;
  Result<ImportRecord> Get(WorkspaceId workspace, ImportId id) override;
  Result<std::optional<ImportRecord>> FindByFingerprint(WorkspaceId workspace,
                                                        std::string_view fingerprint) override;
  Result<std::vector<ImportRecord>> List(WorkspaceId workspace, int limit) override;
  Result<std::vector<RowOutcome>> CommitBatch(WorkspaceId workspace, ImportId id,
                                              const ImportBatch& batch) override;
  Status Finish(WorkspaceId workspace, ImportId id, ImportStatus status,
                std::string_view error) override;

 private:
  Shared& shared_;
};

class SqliteTemplateStore final : public TemplateStore {
 public:
  explicit SqliteTemplateStore(Shared& shared) : shared_(shared) {}
  Result<Template> Create(WorkspaceId workspace, std::string_view name,
                          const templating::TemplateSource& first, std::string_view note) override;
  Result<TemplateVersion> AddVersion(WorkspaceId workspace, TemplateId id, int expected_latest,
                                     const templating::TemplateSource& source,
                                     std::string_view note) override;
  Result<Template> Get(WorkspaceId workspace, TemplateId id) override;
  Result<std::optional<Template>> FindByName(WorkspaceId workspace, std::string_view name) override;
  Result<std::vector<Template>> List(WorkspaceId workspace) override;
  Result<TemplateVersion> GetVersion(WorkspaceId workspace, TemplateId id, int version) override;
  Result<std::vector<TemplateVersion>> Versions(WorkspaceId workspace, TemplateId id) override;

 private:
  Shared& shared_;
};

}  // namespace cadent::storage::sqlite
