// The contract every storage backend passes: one suite, instantiated per backend
// (SQLite now in storage/sqlite/sqlite_contract_test.cpp; PostgreSQL later), unchanged.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "core/common/clock.hpp"
#include "storage/database.hpp"

namespace cadent::testing {

struct BackendFactory {
  std::string name;
  // Opens a fresh, empty database (migrated, default workspace present).
  std::function<Result<std::unique_ptr<Database>>(const Clock&)> open;
};

inline ContactData Person(std::string email, std::string first = "", std::string last = "") {
  ContactData d;
  d.email = email;
  d.email_normalized = email;
  d.email_domain = email.substr(email.find('@') + 1);
  d.registrable_domain = d.email_domain;
  d.first_name = std::move(first);
  d.last_name = std::move(last);
  return d;
}

class StoreContractTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    auto opened = GetParam().open(clock_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    db_ = *std::move(opened);
    auto other = db_->workspaces().Create("Other");
    ASSERT_TRUE(other.ok()) << other.status();
    other_ = other->id;
  }

  Contact MustCreate(const ContactData& data, WorkspaceId ws = kDefaultWorkspace) {
    auto created = db_->contacts().Create(ws, data);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.value_or(Contact{});
  }

  ImportRecord MustStartImport(DuplicatePolicy policy, std::optional<ListId> list = {}) {
    ImportSpec spec;
    spec.file_name = "contacts.csv";
    spec.fingerprint = "fp-" + std::to_string(++imports_started_);
    spec.file_size = 1000;
    spec.policy = policy;
    spec.list = list;
    auto created = db_->imports().Create(kDefaultWorkspace, spec);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.value_or(ImportRecord{});
  }

  static ImportBatch Batch(std::vector<ContactData> contacts, int64_t end_offset) {
    ImportBatch batch;
    int64_t line = 2;
    for (auto& c : contacts) batch.rows.push_back(ImportRow{line++, std::move(c)});
    batch.resume_offset = end_offset;
    batch.resume_line = line;
    return batch;
  }

  FakeClock clock_{FromUnixMicros(1'795'000'000'000'000)};
  std::unique_ptr<Database> db_;
  WorkspaceId other_;
  int imports_started_ = 0;
};

using ::testing::ElementsAre;
using ::testing::Field;

// ---- workspaces ----

TEST_P(StoreContractTest, DefaultWorkspaceExistsAfterOpen) {
  auto ws = db_->workspaces().Get(kDefaultWorkspace);
  ASSERT_TRUE(ws.ok()) << ws.status();
  EXPECT_EQ(ws->name, "Default");
  auto all = db_->workspaces().List();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  EXPECT_EQ(db_->workspaces().Get(WorkspaceId(999)).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreContractTest, TrackingKeyIsMadeOnceAndOnlyWithACandidate) {
  const std::string a(64, 'a');
  const std::string b(64, 'b');
  // Reading without a candidate never makes a key.
  auto none = db_->workspaces().TrackingKey(kDefaultWorkspace, "");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, "");
  auto first = db_->workspaces().TrackingKey(kDefaultWorkspace, a);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, a);
  // The first write wins; later candidates and reads get the same key.
  EXPECT_EQ(db_->workspaces().TrackingKey(kDefaultWorkspace, b).value_or(""), a);
  EXPECT_EQ(db_->workspaces().TrackingKey(kDefaultWorkspace, "").value_or(""), a);
  // Per workspace, and never part of Workspace.
  EXPECT_EQ(db_->workspaces().TrackingKey(other_, "").value_or("?"), "");
  EXPECT_EQ(db_->workspaces().TrackingKey(other_, b).value_or(""), b);
  EXPECT_EQ(db_->workspaces().TrackingKey(WorkspaceId(999), a).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(db_->workspaces().TrackingKey(WorkspaceId(999), "").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreContractTest, StatusReportsSchemaAndCounts) {
  MustCreate(Person("a@x.com"));
  auto status = db_->Status();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_GT(status->schema_version, 0);
  EXPECT_EQ(status->schema_version, status->latest_schema_version);
  EXPECT_EQ(status->workspaces, 2);
  EXPECT_EQ(status->contacts, 1);
}

// ---- contacts ----

TEST_P(StoreContractTest, ContactRoundTripsEveryField) {
  ContactData d = Person("zoë@bücher.example", "Zoë", "Ångström");
  d.email_normalized = "zoë@xn--bcher-kva.example";
  d.email_domain = "xn--bcher-kva.example";
  d.company = "Bücher & Co";
  d.title = "CTO";
  d.phone = "+4930123456";
  d.linkedin_url = "https://www.linkedin.com/in/zoe";
  d.linkedin_provider_id = "ACoAAB";
  d.country = "DE";
  d.time_zone = "Europe/Berlin";
  d.custom_fields = {{"industry", "Books"},
                     {"quote", "say \"hi\"\n"},
                     {"emoji", "🚀"},
                     {"control", "a\x01b\\c\td\re"}};
  const Contact created = MustCreate(d);
  EXPECT_TRUE(created.id.valid());
  EXPECT_EQ(created.created_at, clock_.Now());
  auto got = db_->contacts().Get(kDefaultWorkspace, created.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->data, d);
  EXPECT_EQ(got->status, ContactStatus::kActive);
  EXPECT_EQ(got->created_at, clock_.Now());
  EXPECT_EQ(got->workspace_id, kDefaultWorkspace);
}

TEST_P(StoreContractTest, ContactDedupeKeyIsUniquePerWorkspace) {
  MustCreate(Person("a@x.com"));
  EXPECT_EQ(db_->contacts().Create(kDefaultWorkspace, Person("a@x.com")).status().code(),
            absl::StatusCode::kAlreadyExists);
  // The same address in another workspace is another contact.
  EXPECT_TRUE(db_->contacts().Create(other_, Person("a@x.com")).ok());
}

TEST_P(StoreContractTest, ContactWithoutEmailNeedsLinkedInOrPhone) {
  ContactData none;
  none.first_name = "Nobody";
  EXPECT_EQ(db_->contacts().Create(kDefaultWorkspace, none).status().code(),
            absl::StatusCode::kInvalidArgument);
  ContactData linkedin;
  linkedin.linkedin_url = "https://www.linkedin.com/in/jane";
  const Contact c = MustCreate(linkedin);
  auto found =
      db_->contacts().FindByKey(kDefaultWorkspace, "linkedin:https://www.linkedin.com/in/jane");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, c.id);
  ContactData phone;
  phone.phone = "+14155550123";
  MustCreate(phone);
  EXPECT_EQ(db_->contacts().Create(kDefaultWorkspace, phone).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_P(StoreContractTest, TenantsAreIsolated) {
  const Contact mine = MustCreate(Person("mine@x.com"));
  const Contact theirs = MustCreate(Person("theirs@x.com"), other_);
  EXPECT_EQ(db_->contacts().Get(kDefaultWorkspace, theirs.id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(db_->contacts().Get(other_, mine.id).status().code(), absl::StatusCode::kNotFound);
  auto found = db_->contacts().FindByKey(kDefaultWorkspace, "theirs@x.com");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  auto listed = db_->contacts().List(kDefaultWorkspace, ContactQuery{});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, mine.id);
  EXPECT_EQ(db_->contacts().SetStatus(kDefaultWorkspace, theirs.id, ContactStatus::kBounced).code(),
            absl::StatusCode::kNotFound);
  auto list = db_->lists().Create(kDefaultWorkspace, "Mine");
  ASSERT_TRUE(list.ok());
  const ContactId foreign[] = {theirs.id};
  EXPECT_EQ(db_->lists().AddMembers(kDefaultWorkspace, list->id, foreign).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(db_->lists().Get(other_, list->id).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreContractTest, ListPagesWithCursorAndFilters) {
  std::vector<ContactId> ids;
  for (int i = 0; i < 7; ++i) {
    ids.push_back(MustCreate(Person("p" + std::to_string(i) + "@x.com", i % 2 ? "Ann" : "Bob")).id);
  }
  ContactQuery page;
  page.limit = 3;
  std::vector<ContactId> seen;
  while (true) {
    auto rows = db_->contacts().List(kDefaultWorkspace, page);
    ASSERT_TRUE(rows.ok()) << rows.status();
    if (rows->empty()) break;
    for (const Contact& c : *rows) seen.push_back(c.id);
    page.after = rows->back().id;
  }
  EXPECT_EQ(seen, ids);

  ContactQuery search;
  search.search = "ANN";
  auto anns = db_->contacts().List(kDefaultWorkspace, search);
  ASSERT_TRUE(anns.ok());
  EXPECT_EQ(anns->size(), 3u);
  EXPECT_EQ(*db_->contacts().Count(kDefaultWorkspace, search), 3);

  ASSERT_TRUE(db_->contacts().SetStatus(kDefaultWorkspace, ids[0], ContactStatus::kBounced).ok());
  ContactQuery bounced;
  bounced.status = ContactStatus::kBounced;
  EXPECT_EQ(*db_->contacts().Count(kDefaultWorkspace, bounced), 1);

  ContactQuery bad;
  bad.limit = 0;
  EXPECT_EQ(db_->contacts().List(kDefaultWorkspace, bad).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, EveryContactStatusIsStorable) {
  const Contact c = MustCreate(Person("s@x.com"));
  for (ContactStatus s : {ContactStatus::kUnsubscribed, ContactStatus::kBounced,
                          ContactStatus::kComplained, ContactStatus::kActive}) {
    clock_.Advance(std::chrono::seconds(1));
    ASSERT_TRUE(db_->contacts().SetStatus(kDefaultWorkspace, c.id, s).ok()) << ToString(s);
    auto got = db_->contacts().Get(kDefaultWorkspace, c.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->status, s);
    EXPECT_EQ(got->updated_at, clock_.Now());
  }
}

// ---- lists ----

TEST_P(StoreContractTest, ListsHoldMembersOnce) {
  const Contact a = MustCreate(Person("a@x.com"));
  const Contact b = MustCreate(Person("b@x.com"));
  auto list = db_->lists().Create(kDefaultWorkspace, "Q4 leads");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(db_->lists().Create(kDefaultWorkspace, "Q4 leads").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(db_->lists().Create(kDefaultWorkspace, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  const ContactId both[] = {a.id, b.id};
  EXPECT_EQ(*db_->lists().AddMembers(kDefaultWorkspace, list->id, both), 2);
  EXPECT_EQ(*db_->lists().AddMembers(kDefaultWorkspace, list->id, both), 0);
  auto found = db_->lists().FindByName(kDefaultWorkspace, "Q4 leads");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->member_count, 2);

  ContactQuery members;
  members.list = list->id;
  EXPECT_EQ(*db_->contacts().Count(kDefaultWorkspace, members), 2);

  const ContactId just_a[] = {a.id};
  EXPECT_EQ(*db_->lists().RemoveMembers(kDefaultWorkspace, list->id, just_a), 1);
  EXPECT_EQ(*db_->contacts().Count(kDefaultWorkspace, members), 1);

  ASSERT_TRUE(db_->lists().Delete(kDefaultWorkspace, list->id).ok());
  EXPECT_EQ(db_->lists().Get(kDefaultWorkspace, list->id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(db_->contacts().Get(kDefaultWorkspace, b.id).ok())
      << "deleting a list keeps contacts";
}

TEST_P(StoreContractTest, AddMembersIsAllOrNothing) {
  const Contact a = MustCreate(Person("a@x.com"));
  auto list = db_->lists().Create(kDefaultWorkspace, "L");
  ASSERT_TRUE(list.ok());
  const ContactId with_unknown[] = {a.id, ContactId(424242)};
  EXPECT_EQ(db_->lists().AddMembers(kDefaultWorkspace, list->id, with_unknown).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(db_->lists().Get(kDefaultWorkspace, list->id)->member_count, 0);
}

// ---- suppression ----

SuppressionEntry Entry(std::optional<WorkspaceId> ws, SuppressionKind kind, std::string value) {
  SuppressionEntry e;
  e.workspace = ws;
  e.kind = kind;
  e.value = std::move(value);
  e.reason = "test";
  return e;
}

TEST_P(StoreContractTest, SuppressionMatchesEmailDomainAndRegistrableDomain) {
  auto& s = db_->suppression();
  auto added = s.Add(Entry(kDefaultWorkspace, SuppressionKind::kEmail, "no@x.com"));
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_TRUE(added->created);
  auto again = s.Add(Entry(kDefaultWorkspace, SuppressionKind::kEmail, "no@x.com"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->entry.id, added->entry.id);
  ASSERT_TRUE(s.Add(Entry(kDefaultWorkspace, SuppressionKind::kDomain, "acme.co.uk")).ok());

  auto match = s.Match(kDefaultWorkspace, Person("no@x.com"));
  ASSERT_TRUE(match.ok());
  ASSERT_TRUE(match->has_value());
  EXPECT_EQ((*match)->value, "no@x.com");

  ContactData sub = Person("jo@sales.acme.co.uk");
  sub.registrable_domain = "acme.co.uk";
  match = s.Match(kDefaultWorkspace, sub);
  ASSERT_TRUE(match.ok() && match->has_value());
  EXPECT_EQ((*match)->kind, SuppressionKind::kDomain);

  match = s.Match(kDefaultWorkspace, Person("yes@x.com"));
  ASSERT_TRUE(match.ok());
  EXPECT_FALSE(match->has_value());
  // Workspace entries do not leak into other workspaces.
  match = s.Match(other_, Person("no@x.com"));
  ASSERT_TRUE(match.ok());
  EXPECT_FALSE(match->has_value());
}

TEST_P(StoreContractTest, GlobalSuppressionAppliesToEveryWorkspace) {
  auto& s = db_->suppression();
  ASSERT_TRUE(s.Add(Entry(std::nullopt, SuppressionKind::kEmail, "g@x.com")).ok());
  for (WorkspaceId ws : {kDefaultWorkspace, other_}) {
    auto match = s.Match(ws, Person("g@x.com"));
    ASSERT_TRUE(match.ok());
    EXPECT_TRUE(match->has_value());
    auto listed = s.List(ws, SuppressionId(), 100);
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ(listed->size(), 1u);
  }
  // A global entry is removed only globally.
  EXPECT_EQ(s.Remove(kDefaultWorkspace, SuppressionKind::kEmail, "g@x.com").code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(s.Remove(std::nullopt, SuppressionKind::kEmail, "g@x.com").ok());
  EXPECT_FALSE(s.Match(other_, Person("g@x.com"))->has_value());
}

TEST_P(StoreContractTest, SuppressionSnapshotAgreesWithMatch) {
  auto& s = db_->suppression();
  const std::vector<SuppressionEntry> entries = {
      Entry(kDefaultWorkspace, SuppressionKind::kEmail, "a@x.com"),
      Entry(kDefaultWorkspace, SuppressionKind::kDomain, "blocked.com"),
      Entry(std::nullopt, SuppressionKind::kEmail, "g@y.com"),
      Entry(other_, SuppressionKind::kEmail, "b@x.com"),
      Entry(kDefaultWorkspace, SuppressionKind::kEmail, "a@x.com"),  // repeated
  };
  EXPECT_EQ(*s.AddMany(entries), 4);
  auto snapshot = s.Snapshot(kDefaultWorkspace);
  ASSERT_TRUE(snapshot.ok());
  for (const char* email : {"a@x.com", "z@blocked.com", "g@y.com", "b@x.com", "c@x.com"}) {
    const ContactData c = Person(email);
    const bool by_store = s.Match(kDefaultWorkspace, c)->has_value();
    const bool by_snapshot = snapshot->Match(c) != nullptr;
    EXPECT_EQ(by_store, by_snapshot) << email;
  }
  EXPECT_NE(snapshot->Match(Person("z@blocked.com")), nullptr);
  EXPECT_EQ(snapshot->Match(Person("b@x.com")), nullptr);
}

TEST_P(StoreContractTest, SuppressionSnapshotForABatchAgreesWithMatch) {
  auto& s = db_->suppression();
  const std::vector<SuppressionEntry> entries = {
      Entry(kDefaultWorkspace, SuppressionKind::kEmail, "a@x.com"),
      Entry(kDefaultWorkspace, SuppressionKind::kDomain, "blocked.com"),
      Entry(std::nullopt, SuppressionKind::kDomain, "acme.co.uk"),
      Entry(std::nullopt, SuppressionKind::kEmail, "g@y.com"),
      Entry(other_, SuppressionKind::kEmail, "b@x.com"),
  };
  EXPECT_EQ(*s.AddMany(entries), 5);
  std::vector<ContactData> contacts;
  for (const char* email :
       {"a@x.com", "z@blocked.com", "g@y.com", "b@x.com", "c@x.com", "jo@sales.acme.co.uk"}) {
    contacts.push_back(Person(email));
  }
  contacts.back().registrable_domain = "acme.co.uk";
  contacts.push_back(ContactData{});  // no address: nothing to match
  std::vector<const ContactData*> batch;
  for (const ContactData& c : contacts) batch.push_back(&c);
  auto set = s.SnapshotFor(kDefaultWorkspace, batch);
  ASSERT_TRUE(set.ok()) << set.status();
  int suppressed = 0;
  for (const ContactData& c : contacts) {
    const bool by_store = s.Match(kDefaultWorkspace, c)->has_value();
    const bool by_batch = set->Match(c) != nullptr;
    EXPECT_EQ(by_store, by_batch) << c.email;
    suppressed += by_batch ? 1 : 0;
  }
  EXPECT_EQ(suppressed, 4);  // a@x.com, blocked.com, g@y.com (global), acme.co.uk (global)
  // Only what the batch names was read.
  EXPECT_EQ(set->size(), 4u);
  auto none = s.SnapshotFor(kDefaultWorkspace, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// ---- imports ----

TEST_P(StoreContractTest, ImportCommitStoresCountsAndAdvances) {
  auto list = db_->lists().Create(kDefaultWorkspace, "Imported");
  ASSERT_TRUE(list.ok());
  const ImportRecord imp = MustStartImport(DuplicatePolicy::kSkip, list->id);
  EXPECT_EQ(imp.status, ImportStatus::kRunning);
  ImportBatch batch =
      Batch({Person("a@x.com", "A"), Person("b@x.com"), Person("a@x.com", "A2")}, 120);
  batch.rejected = 2;
  batch.suppressed = 1;
  batch.report_bytes = 77;
  auto outcomes = db_->imports().CommitBatch(kDefaultWorkspace, imp.id, batch);
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_THAT(*outcomes, ElementsAre(RowOutcome::kImported, RowOutcome::kImported,
                                     RowOutcome::kDuplicateInFile));
  auto got = db_->imports().Get(kDefaultWorkspace, imp.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->counts, (ImportCounts{6, 2, 0, 1, 1, 2}));
  EXPECT_EQ(got->resume_offset, 120);
  EXPECT_EQ(got->resume_line, 5);
  EXPECT_EQ(got->report_bytes, 77);
  EXPECT_EQ(db_->lists().Get(kDefaultWorkspace, list->id)->member_count, 2);
  // The first row of the file wins.
  EXPECT_EQ((*db_->contacts().FindByKey(kDefaultWorkspace, "a@x.com"))->data.first_name, "A");

  ASSERT_TRUE(db_->imports().Finish(kDefaultWorkspace, imp.id, ImportStatus::kCompleted, "").ok());
  got = db_->imports().Get(kDefaultWorkspace, imp.id);
  EXPECT_EQ(got->status, ImportStatus::kCompleted);
  EXPECT_TRUE(got->finished_at.has_value());
  EXPECT_EQ(db_->imports().CommitBatch(kDefaultWorkspace, imp.id, batch).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(db_->imports().Finish(kDefaultWorkspace, imp.id, ImportStatus::kFailed, "x").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_P(StoreContractTest, ImportDuplicatePoliciesAgainstExistingContacts) {
  ContactData stored = Person("a@x.com", "Ann", "");
  stored.company = "Old Co";
  stored.custom_fields = {{"tier", "gold"}, {"note", "keep"}};
  MustCreate(stored);
  ContactData incoming = Person("a@x.com", "", "Lee");
  incoming.company = "New Co";
  incoming.custom_fields = {{"tier", "silver"}, {"source", "csv"}};

  const ImportRecord skip = MustStartImport(DuplicatePolicy::kSkip);
  auto out = db_->imports().CommitBatch(kDefaultWorkspace, skip.id, Batch({incoming}, 10));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(*out, ElementsAre(RowOutcome::kDuplicateExisting));
  EXPECT_EQ((*db_->contacts().FindByKey(kDefaultWorkspace, "a@x.com"))->data, stored);

  const ImportRecord fill = MustStartImport(DuplicatePolicy::kFillEmpty);
  out = db_->imports().CommitBatch(kDefaultWorkspace, fill.id, Batch({incoming}, 10));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(*out, ElementsAre(RowOutcome::kUpdated));
  ContactData filled = (*db_->contacts().FindByKey(kDefaultWorkspace, "a@x.com"))->data;
  EXPECT_EQ(filled.first_name, "Ann");
  EXPECT_EQ(filled.last_name, "Lee");
  EXPECT_EQ(filled.company, "Old Co");
  EXPECT_EQ(filled.custom_fields, (std::map<std::string, std::string>{
                                      {"tier", "gold"}, {"note", "keep"}, {"source", "csv"}}));

  const ImportRecord update = MustStartImport(DuplicatePolicy::kUpdate);
  ContactData newer = Person("a@x.com", "Anna", "");
  newer.custom_fields = {{"tier", "silver"}};
  out = db_->imports().CommitBatch(kDefaultWorkspace, update.id, Batch({newer, newer}, 10));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(*out, ElementsAre(RowOutcome::kUpdated, RowOutcome::kDuplicateInFile));
  ContactData updated = (*db_->contacts().FindByKey(kDefaultWorkspace, "a@x.com"))->data;
  EXPECT_EQ(updated.first_name, "Anna");
  EXPECT_EQ(updated.last_name, "Lee") << "empty file values do not erase";
  EXPECT_EQ(updated.custom_fields.at("tier"), "silver");
  EXPECT_EQ(updated.custom_fields.at("note"), "keep");
}

TEST_P(StoreContractTest, ImportBatchIsAtomic) {
  const ImportRecord imp = MustStartImport(DuplicatePolicy::kSkip);
  ContactData keyless;
  keyless.first_name = "No key";
  auto out = db_->imports().CommitBatch(kDefaultWorkspace, imp.id,
                                        Batch({Person("a@x.com"), keyless}, 50));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*db_->contacts().Count(kDefaultWorkspace, ContactQuery{}), 0);
  auto got = db_->imports().Get(kDefaultWorkspace, imp.id);
  EXPECT_EQ(got->counts, ImportCounts{});
  EXPECT_EQ(got->resume_offset, 0);
}

TEST_P(StoreContractTest, ImportFoundByFingerprintNewestFirst) {
  ImportSpec spec;
  spec.file_name = "a.csv";
  spec.fingerprint = "same";
  spec.options_json = R"({"map":{"E-mail":"email"}})";
  auto first = db_->imports().Create(kDefaultWorkspace, spec);
  auto second = db_->imports().Create(kDefaultWorkspace, spec);
  ASSERT_TRUE(first.ok() && second.ok());
  auto found = db_->imports().FindByFingerprint(kDefaultWorkspace, "same");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, second->id);
  EXPECT_EQ((*found)->spec.options_json, spec.options_json);
  EXPECT_FALSE(db_->imports().FindByFingerprint(other_, "same")->has_value());
  EXPECT_EQ(db_->imports().List(kDefaultWorkspace, 10)->size(), 2u);
}

inline templating::TemplateSource EmailSource(std::string subject, std::string html) {
  templating::TemplateSource source;
  source.channel = templating::Channel::kEmail;
  source.subject = std::move(subject);
  source.html = std::move(html);
  return source;
}

TEST_P(StoreContractTest, TemplateVersionsAreImmutableAndOrdered) {
  auto created = db_->templates().Create(kDefaultWorkspace, "intro",
                                         EmailSource("Hi {{first_name}}", "<p>v1</p>"), "first");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->latest_version, 1);
  EXPECT_EQ(created->channel, templating::Channel::kEmail);

  auto v2 = db_->templates().AddVersion(kDefaultWorkspace, created->id, 1,
                                        EmailSource("Hello {{first_name}}", "<p>v2</p>"), "tone");
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(v2->version, 2);

  // Version 1 still reads back as written; the template points at version 2.
  auto v1 = db_->templates().GetVersion(kDefaultWorkspace, created->id, 1);
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->source.subject, "Hi {{first_name}}");
  EXPECT_EQ(v1->source.html, "<p>v1</p>");
  EXPECT_EQ(v1->note, "first");
  EXPECT_EQ(db_->templates().Get(kDefaultWorkspace, created->id)->latest_version, 2);

  auto all = db_->templates().Versions(kDefaultWorkspace, created->id);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].version, 1);
  EXPECT_EQ((*all)[1].source.html, "<p>v2</p>");
  EXPECT_EQ(db_->templates().GetVersion(kDefaultWorkspace, created->id, 3).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreContractTest, TemplateEditsRaceOnlyOneWins) {
  auto created =
      db_->templates().Create(kDefaultWorkspace, "race", EmailSource("s", "<p>1</p>"), "");
  ASSERT_TRUE(created.ok());
  auto first = db_->templates().AddVersion(kDefaultWorkspace, created->id, 1,
                                           EmailSource("s", "<p>a</p>"), "");
  auto second = db_->templates().AddVersion(kDefaultWorkspace, created->id, 1,
                                            EmailSource("s", "<p>b</p>"), "");
  EXPECT_TRUE(first.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(db_->templates().Versions(kDefaultWorkspace, created->id)->size(), 2u);
}

TEST_P(StoreContractTest, TemplateNamesChannelsAndTenants) {
  auto created = db_->templates().Create(
      kDefaultWorkspace, "note",
      templating::TemplateSource{templating::Channel::kLinkedInInvite, "", "", "Hi {{first_name}}"},
      "");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(
      db_->templates().Create(kDefaultWorkspace, "note", EmailSource("s", "b"), "").status().code(),
      absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(
      db_->templates().Create(kDefaultWorkspace, "", EmailSource("s", "b"), "").status().code(),
      absl::StatusCode::kInvalidArgument);
  // A version cannot change the channel.
  EXPECT_EQ(db_->templates()
                .AddVersion(kDefaultWorkspace, created->id, 1, EmailSource("s", "b"), "")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // Another workspace sees nothing and may reuse the name.
  EXPECT_EQ(db_->templates().Get(other_, created->id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(db_->templates().FindByName(other_, "note")->has_value());
  EXPECT_TRUE(db_->templates().Create(other_, "note", EmailSource("s", "b"), "").ok());
  auto found = db_->templates().FindByName(kDefaultWorkspace, "note");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, created->id);
  EXPECT_EQ((*found)->channel, templating::Channel::kLinkedInInvite);
  EXPECT_EQ(db_->templates().List(kDefaultWorkspace)->size(), 1u);
  auto version = db_->templates().GetVersion(kDefaultWorkspace, created->id, 1);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->source.text, "Hi {{first_name}}");
}

TEST_P(StoreContractTest, CustomFieldNamesAreDistinctSortedAndPerWorkspace) {
  ContactData a = Person("a@x.com");
  a.custom_fields = {{"industry", "saas"}, {"city", "Oslo"}};
  ContactData b = Person("b@x.com");
  b.custom_fields = {{"industry", "retail"}, {"plan", "pro"}};
  MustCreate(a);
  MustCreate(b);
  ContactData c = Person("c@x.com");
  c.custom_fields = {{"secret", "x"}};
  MustCreate(c, other_);
  auto names = db_->contacts().CustomFieldNames(kDefaultWorkspace, 100);
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ::testing::ElementsAre("city", "industry", "plan"));
  EXPECT_EQ(db_->contacts().CustomFieldNames(kDefaultWorkspace, 2)->size(), 2u);
}

// ---- sender accounts: transports, sealed credentials, DKIM keys ----

TEST_P(StoreContractTest, SenderKeepsTransportSettingsAndSealsWithItsOwnId) {
  SenderAccount account;
  account.workspace_id = kDefaultWorkspace;
  account.name = "ana";
  account.address = "ana@acme.example";
  account.transport = "smtp";
  account.reply_to = "replies@acme.example";
  account.settings_json = R"({"endpoint":"smtps://mail.acme.example:465"})";
  int64_t sealed_for = 0;
  auto added = db_->senders().Add(account, [&](int64_t id) -> Result<std::string> {
    sealed_for = id;
    return std::string("sealed-for-") + std::to_string(id);
  });
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(sealed_for, added->id.value());
  auto read = db_->senders().Get(kDefaultWorkspace, added->id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->transport, "smtp");
  EXPECT_EQ(read->reply_to, "replies@acme.example");
  EXPECT_EQ(read->settings_json, account.settings_json);
  EXPECT_EQ(read->sealed_credentials, "sealed-for-" + std::to_string(added->id.value()));
  EXPECT_EQ(read->imap_last_uid, 0u);

  ASSERT_TRUE(db_->senders().SetInboxPosition(kDefaultWorkspace, added->id, 77, 1234).ok());
  ASSERT_TRUE(db_->senders().SetCredentials(kDefaultWorkspace, added->id, "rotated").ok());
  read = db_->senders().Get(kDefaultWorkspace, added->id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->imap_uidvalidity, 77u);
  EXPECT_EQ(read->imap_last_uid, 1234u);
  EXPECT_EQ(read->sealed_credentials, "rotated");
  // Another workspace's id does not reach it.
  EXPECT_TRUE(absl::IsNotFound(db_->senders().SetCredentials(other_, added->id, "x")));
}

TEST_P(StoreContractTest, SenderWhoseSealFailsIsNotAdded) {
  SenderAccount account;
  account.workspace_id = kDefaultWorkspace;
  account.name = "ben";
  account.address = "ben@acme.example";
  auto added = db_->senders().Add(account, [](int64_t) -> Result<std::string> {
    return absl::PermissionDeniedError("no key");
  });
  EXPECT_TRUE(absl::IsPermissionDenied(added.status())) << added.status();
  auto found = db_->senders().FindByName(kDefaultWorkspace, "ben");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_P(StoreContractTest, DkimKeysOnePerDomainPerWorkspace) {
  DkimKeyRecord key;
  key.workspace_id = kDefaultWorkspace;
  key.domain = "acme.example";
  key.selector = "s1";
  key.algorithm = "ed25519-sha256";
  key.dns_txt = "v=DKIM1; k=ed25519; p=abc";
  const auto seal = [](int64_t id) -> Result<std::string> {
    return std::string("key-") + std::to_string(id);
  };
  auto added = db_->senders().AddDkimKey(key, seal);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->sealed_key, "key-" + std::to_string(added->id));
  EXPECT_TRUE(absl::IsAlreadyExists(db_->senders().AddDkimKey(key, seal).status()));
  key.algorithm = "dsa";
  key.domain = "other.example";
  EXPECT_TRUE(absl::IsInvalidArgument(db_->senders().AddDkimKey(key, seal).status()));
  key.workspace_id = other_;
  key.domain = "acme.example";
  key.algorithm = "rsa-sha256";
  ASSERT_TRUE(db_->senders().AddDkimKey(key, seal).ok());  // the other workspace's own

  auto found = db_->senders().FindDkimKey(kDefaultWorkspace, "acme.example");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->selector, "s1");
  EXPECT_EQ((*found)->algorithm, "ed25519-sha256");
  EXPECT_EQ((*found)->dns_txt, "v=DKIM1; k=ed25519; p=abc");
  auto listed = db_->senders().ListDkimKeys(kDefaultWorkspace);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
  ASSERT_TRUE(db_->senders().RemoveDkimKey(kDefaultWorkspace, "acme.example").ok());
  EXPECT_TRUE(absl::IsNotFound(db_->senders().RemoveDkimKey(kDefaultWorkspace, "acme.example")));
  found = db_->senders().FindDkimKey(other_, "acme.example");
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->has_value());  // untouched
}

}  // namespace cadent::testing
