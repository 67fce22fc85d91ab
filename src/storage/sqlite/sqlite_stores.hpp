// The SQLite implementations of the per-aggregate stores (private to storage/sqlite; the
// application reaches them through Database).
#pragma once

#include "storage/campaign_store.hpp"
#include "storage/contact_store.hpp"
#include "storage/engine_store.hpp"
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
  Result<SuppressionSet> SnapshotFor(WorkspaceId workspace,
                                     std::span<const ContactData* const> contacts) override;

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

class SqliteCampaignStore final : public CampaignStore {
 public:
  explicit SqliteCampaignStore(Shared& shared) : shared_(shared) {}
  Result<Campaign> Create(WorkspaceId workspace, std::string_view name, sequence::CampaignKind kind,
                          std::string_view settings_json, std::string_view sequence_json,
                          std::string_view note) override;
  Result<CampaignVersion> AddVersion(WorkspaceId workspace, CampaignId id, int expected_latest,
                                     std::string_view sequence_json, std::string_view note,
                                     bool migrate) override;
  Status UpdateSettings(WorkspaceId workspace, CampaignId id,
                        std::string_view settings_json) override;
  Result<Campaign> Get(WorkspaceId workspace, CampaignId id) override;
  Result<std::optional<Campaign>> FindByName(WorkspaceId workspace, std::string_view name) override;
  Result<std::vector<Campaign>> List(WorkspaceId workspace, bool include_archived) override;
  Result<std::vector<Campaign>> ListByStatus(
      std::span<const sequence::CampaignStatus> statuses) override;
  Result<CampaignVersion> GetVersion(WorkspaceId workspace, CampaignId id, int version) override;
  Result<Campaign> Transition(WorkspaceId workspace, CampaignId id, sequence::CampaignStatus from,
                              sequence::CampaignEvent event, std::optional<Instant> at) override;
  Status SetArchived(WorkspaceId workspace, CampaignId id, bool archived) override;

 private:
  Shared& shared_;
};

class SqliteSenderStore final : public SenderStore {
 public:
  explicit SqliteSenderStore(Shared& shared) : shared_(shared) {}
  Result<SenderAccount> Add(const SenderAccount& account, const SealFor& seal) override;
  Result<SenderAccount> Get(WorkspaceId workspace, SenderId id) override;
  Result<std::optional<SenderAccount>> FindByName(WorkspaceId workspace,
                                                  std::string_view name) override;
  Result<std::vector<SenderAccount>> List(WorkspaceId workspace) override;
  Status SetFlag(WorkspaceId workspace, SenderId id, std::string_view flagged) override;
  Status SetCredentials(WorkspaceId workspace, SenderId id, std::string_view sealed) override;
  Status SetInboxPosition(WorkspaceId workspace, SenderId id, uint32_t uidvalidity,
                          uint32_t last_uid) override;
  Status Remove(WorkspaceId workspace, SenderId id) override;
  Result<DkimKeyRecord> AddDkimKey(const DkimKeyRecord& key, const SealFor& seal) override;
  Result<std::optional<DkimKeyRecord>> FindDkimKey(WorkspaceId workspace,
                                                   std::string_view domain) override;
  Result<std::vector<DkimKeyRecord>> ListDkimKeys(WorkspaceId workspace) override;
  Status RemoveDkimKey(WorkspaceId workspace, std::string_view domain) override;

 private:
  Shared& shared_;
};

class SqliteEngineStore final : public EngineStore {
 public:
  explicit SqliteEngineStore(Shared& shared) : shared_(shared) {}
  Result<int64_t> Enroll(WorkspaceId workspace, CampaignId campaign, int version,
                         std::span<const NewEnrollment> enrollments, Instant now) override;
  Result<std::vector<ContactId>> ContactsInOtherCampaigns(WorkspaceId workspace,
                                                          CampaignId except) override;
  Result<std::vector<ClaimedMessage>> Claim(std::string_view owner, Instant now,
                                            Instant lease_until, int limit) override;
  Result<ApplyResult> Apply(std::span<const ChangeUnit> units, Instant now,
                            Durability durability) override;
  Result<std::optional<Instant>> NextWork() override;
  Result<std::vector<Enrollment>> Waking(Instant now, int limit) override;
  Result<std::vector<Message>> ExpiredLeases(Instant now, int limit) override;
  Result<std::vector<Message>> LeasesOf(std::string_view owner, int limit) override;
  Result<Enrollment> GetEnrollment(WorkspaceId workspace, EnrollmentId id) override;
  Result<std::optional<Enrollment>> FindEnrollment(WorkspaceId workspace, CampaignId campaign,
                                                   ContactId contact) override;
  Result<std::vector<Enrollment>> LiveEnrollmentsOf(WorkspaceId workspace,
                                                    ContactId contact) override;
  Result<std::vector<Enrollment>> LiveEnrollmentsAtDomain(WorkspaceId workspace,
                                                          CampaignId campaign,
                                                          std::string_view domain) override;
  Result<Message> GetMessage(WorkspaceId workspace, MessageId id) override;
  Result<std::vector<Message>> MessagesOf(WorkspaceId workspace, EnrollmentId enrollment) override;
  Result<std::vector<Message>> PendingMessagesOf(WorkspaceId workspace,
                                                 EnrollmentId enrollment) override;
  Result<std::vector<Message>> OverdueMessages(CampaignId campaign, Instant before,
                                               int limit) override;
  Result<int64_t> LiveEnrollmentCount(CampaignId campaign) override;
  Result<std::vector<Enrollment>> LiveEnrollments(CampaignId campaign, int limit) override;
  Result<std::vector<Booking>> Bookings(Instant since) override;
  Result<std::optional<std::string>> MessageLinks(WorkspaceId workspace, MessageId id) override;
  Result<Event> AddEvent(const Event& event) override;
  Result<std::vector<Event>> PendingEvents(int limit) override;
  Result<std::vector<Event>> EventsOf(WorkspaceId workspace, EnrollmentId enrollment) override;
  Result<bool> HasEvent(EnrollmentId enrollment, EventKind kind, Instant since) override;
  Result<std::vector<StepStats>> Stats(WorkspaceId workspace, CampaignId campaign) override;
  Result<std::vector<std::pair<sequence::EnrollmentStatus, int64_t>>> EnrollmentCounts(
      WorkspaceId workspace, CampaignId campaign) override;
  Result<std::vector<SentEmail>> EmailThread(WorkspaceId workspace,
                                             EnrollmentId enrollment) override;
  Result<std::optional<SentEmail>> FindEmail(WorkspaceId workspace,
                                             std::string_view rfc_message_id) override;
  Result<std::vector<Message>> UnknownMessages(WorkspaceId workspace, int limit) override;

 private:
  Shared& shared_;
};

}  // namespace cadent::storage::sqlite
