// SQLite-specific behaviour: migrations, refusing newer schemas, bad files, named SQL.
#include "storage/sqlite/sqlite_database.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "core/common/strings.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/named_queries.hpp"

namespace cadent::storage::sqlite {
namespace {

using ::testing::HasSubstr;

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cadent-sqlite-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string PathOf(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
  FakeClock clock_{FromUnixMicros(1'795'000'000'000'000)};
};

TEST_F(SqliteDatabaseTest, CreatesMigratesAndKeepsDataAcrossReopen) {
  const std::string path = PathOf("cadent.db");
  {
    auto db = OpenSqliteDatabase({path}, clock_);
    ASSERT_TRUE(db.ok()) << db.status();
    ContactData d;
    d.email = d.email_normalized = "a@x.com";
    ASSERT_TRUE((*db)->contacts().Create(kDefaultWorkspace, d).ok());
    auto status = (*db)->Status();
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status->schema_version, LatestSchemaVersion());
    EXPECT_EQ(status->backend, "sqlite");
  }
  auto reopened = OpenSqliteDatabase({path, SqliteOptions::Create::kNever}, clock_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->Status()->contacts, 1);
  EXPECT_EQ((*reopened)->workspaces().List()->size(), 1u) << "default workspace created once";
}

TEST_F(SqliteDatabaseTest, MissingFileWithCreateNeverIsNotFound) {
  auto db = OpenSqliteDatabase({PathOf("absent.db"), SqliteOptions::Create::kNever}, clock_);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(PathOf("absent.db")));
}

TEST_F(SqliteDatabaseTest, RefusesDatabaseNewerThanBinary) {
  const std::string path = PathOf("newer.db");
  ASSERT_TRUE(OpenSqliteDatabase({path}, clock_).ok());
  {
    auto c = Connection::Open(path, Connection::OpenMode::kMustExist);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->Exec("INSERT INTO schema_migrations VALUES (999, 'future', 0)").ok());
  }
  auto db = OpenSqliteDatabase({path}, clock_);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(db.status().message(), HasSubstr("newer than this cadent"));
}

TEST_F(SqliteDatabaseTest, RejectsFileThatIsNotADatabase) {
  const std::string path = PathOf("notes.txt");
  std::ofstream(path) << "this is not an SQLite database, just some text long enough to matter\n";
  auto db = OpenSqliteDatabase({path}, clock_);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(db.status().message(), HasSubstr("notes.txt"));
}

TEST_F(SqliteDatabaseTest, ConcurrentFirstOpensMigrateOnce) {
  const std::string path = PathOf("race.db");
  std::vector<Status> results(4);
  std::vector<std::thread> openers;
  for (size_t i = 0; i < results.size(); ++i) {
    openers.emplace_back([&, i] { results[i] = OpenSqliteDatabase({path}, clock_).status(); });
  }
  for (auto& t : openers) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s;
  auto c = Connection::Open(path, Connection::OpenMode::kMustExist);
  ASSERT_TRUE(c.ok());
  auto count = (*c)->Prepare("n", "SELECT count(*) FROM schema_migrations");
  ASSERT_TRUE(count.ok());
  ASSERT_TRUE(*(*count)->Step());
  EXPECT_EQ((*count)->Int(0), LatestSchemaVersion());
}

TEST_F(SqliteDatabaseTest, OpeningACurrentDatabaseDoesNotNeedTheWriteLock) {
  const std::string path = PathOf("busy.db");
  ASSERT_TRUE(OpenSqliteDatabase({path}, clock_).ok());
  auto writer = Connection::Open(path, Connection::OpenMode::kMustExist);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Exec("BEGIN IMMEDIATE").ok());  // as an import batch would
  auto reader = OpenSqliteDatabase({path}, clock_);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->Status()->workspaces, 1);
  ASSERT_TRUE((*writer)->Exec("ROLLBACK").ok());
}

// The integer a one-row, one-column query answers.
int64_t IntOf(Connection& c, std::string_view sql) {
  auto query = c.Prepare(sql, sql);
  EXPECT_TRUE(query.ok());
  EXPECT_TRUE(*(*query)->Step());
  const int64_t value = (*query)->Int(0);
  (*query)->Reset();
  return value;
}
// PRAGMA synchronous as SQLite reports it: 1 NORMAL, 2 FULL.
int64_t SynchronousOf(Connection& c) { return IntOf(c, "PRAGMA synchronous"); }
int64_t RowsOf(Connection& c) { return IntOf(c, "SELECT count(*) FROM t"); }

TEST_F(SqliteDatabaseTest, ACrashSafeTransactionSyncsLessForItselfOnly) {
  auto opened = Connection::Open(PathOf("sync.db"), Connection::OpenMode::kCreate);
  ASSERT_TRUE(opened.ok());
  Connection& c = **opened;
  ASSERT_TRUE(c.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (x)").ok());
  {
    auto tx = Transaction::BeginCrashSafe(c);
    ASSERT_TRUE(tx.ok()) << tx.status();
    ASSERT_TRUE(c.Exec("INSERT INTO t VALUES (1)").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(SynchronousOf(c), 2) << "FULL again after the commit";
  EXPECT_EQ(RowsOf(c), 1);
  {
    auto tx = Transaction::BeginCrashSafe(c);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(c.Exec("INSERT INTO t VALUES (2)").ok());
    // Destroyed without a commit: rolled back, and FULL again.
  }
  EXPECT_EQ(SynchronousOf(c), 2);
  EXPECT_EQ(RowsOf(c), 1);
  // Inside a session that already runs at NORMAL (a bulk write), it stays NORMAL.
  ASSERT_TRUE(c.SetSynchronous(Connection::Synchronous::kNormal).ok());
  {
    auto tx = Transaction::BeginCrashSafe(c);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(SynchronousOf(c), 1);
  // A durable transaction after a crash-safe one commits at FULL.
  ASSERT_TRUE(c.SetSynchronous(Connection::Synchronous::kFull).ok());
  {
    auto tx = Transaction::Begin(c);
    ASSERT_TRUE(tx.ok());
    EXPECT_EQ(SynchronousOf(c), 2);
    ASSERT_TRUE(tx->Commit().ok());
  }
}

TEST_F(SqliteDatabaseTest, MigrationFourKeepsMessagesAndAcceptsWebhooks) {
  const std::string path = PathOf("v3.db");
  {
    // A database as version 3 left it, with one message and its parents.
    auto c = Connection::Open(path, Connection::OpenMode::kCreate);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                           "name TEXT NOT NULL, applied_at_us INTEGER NOT NULL)")
                    .ok());
    for (const Migration& m : NamedQueries::Embedded().migrations()) {
      if (m.version > 3) break;
      ASSERT_TRUE((*c)->Exec(m.sql).ok()) << m.name;
      ASSERT_TRUE((*c)->Exec(StrCat("INSERT INTO schema_migrations VALUES (", m.version, ", '",
                                    m.name, "', 0)"))
                      .ok());
    }
    const Status rows = (*c)->Exec(
        "INSERT INTO status_transitions VALUES ('campaign', '', 'draft'), "
        "('enrollment', '', 'active'), ('message', '', 'planned');"
        "INSERT INTO workspaces (id, name, created_at_us) VALUES (1, 'Default', 0);"
        "INSERT INTO contacts (id, workspace_id, dedupe_key, created_at_us, updated_at_us) "
        "VALUES (7, 1, 'a@example.com', 0, 0);"
        "INSERT INTO campaigns (id, workspace_id, name, kind, status, settings, created_at_us, "
        "updated_at_us) VALUES (3, 1, 'c', 'sequence', 'draft', '{}', 0, 0);"
        "INSERT INTO enrollments (id, workspace_id, campaign_id, contact_id, version, status, "
        "step, step_started_at_us, enrolled_at_us, updated_at_us) "
        "VALUES (5, 1, 3, 7, 1, 'active', 'intro', 0, 0, 0);"
        "INSERT INTO messages (id, workspace_id, campaign_id, enrollment_id, contact_id, version, "
        "step, channel, status, due_at_us, planned_at_us, reasons, created_at_us, updated_at_us) "
        "VALUES (11, 1, 3, 5, 7, 1, 'intro', 'email', 'planned', 99, 99, 'why', 0, 0);");
    ASSERT_TRUE(rows.ok()) << rows;
    EXPECT_FALSE((*c)->Exec("INSERT INTO messages (workspace_id, campaign_id, enrollment_id, "
                            "contact_id, version, step, channel, status, due_at_us, "
                            "planned_at_us, created_at_us, updated_at_us) VALUES "
                            "(1, 3, 5, 7, 1, 'hook', 'webhook', 'planned', 1, 1, 0, 0)")
                     .ok())
        << "version 3 refuses the webhook channel";
  }
  ASSERT_TRUE(OpenSqliteDatabase({path}, clock_).ok());
  auto c = Connection::Open(path, Connection::OpenMode::kMustExist);
  ASSERT_TRUE(c.ok());
  auto kept = (*c)->Prepare("kept", "SELECT id, step, due_at_us, reasons FROM messages");
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE(*(*kept)->Step());
  EXPECT_EQ((*kept)->Int(0), 11);
  EXPECT_EQ((*kept)->Text(1), "intro");
  EXPECT_EQ((*kept)->Int(2), 99);
  EXPECT_EQ((*kept)->Text(3), "why");
  (*kept)->Reset();
  auto schema = (*c)->Prepare("schema",
                              "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
                              "WHERE tbl_name = 'messages' AND type IN ('index', 'trigger') "
                              "AND name NOT LIKE 'sqlite_%' ORDER BY name)");
  ASSERT_TRUE(schema.ok());
  ASSERT_TRUE(*(*schema)->Step());
  EXPECT_EQ((*schema)->Text(0),
            "messages_by_campaign,messages_by_sender_slot,messages_due,messages_leased,"
            "messages_status_insert,messages_status_update");
  (*schema)->Reset();
  EXPECT_TRUE((*c)->Exec("INSERT INTO messages (workspace_id, campaign_id, enrollment_id, "
                         "contact_id, version, step, channel, status, due_at_us, planned_at_us, "
                         "created_at_us, updated_at_us) VALUES "
                         "(1, 3, 5, 7, 1, 'hook', 'webhook', 'planned', 1, 1, 0, 0)")
                  .ok());
  EXPECT_FALSE((*c)->Exec("UPDATE messages SET status = 'sent' WHERE id = 11").ok())
      << "the update trigger came back: planned cannot become sent";
}

TEST_F(SqliteDatabaseTest, TemplateVersionsCannotBeChangedEvenBySql) {
  const std::string path = PathOf("templates.db");
  {
    auto db = OpenSqliteDatabase({path}, clock_);
    ASSERT_TRUE(db.ok());
    templating::TemplateSource source;
    source.subject = "Hi";
    source.html = "<p>v1</p>";
    ASSERT_TRUE((*db)->templates().Create(kDefaultWorkspace, "t", source, "").ok());
  }
  auto c = Connection::Open(path, Connection::OpenMode::kMustExist);
  ASSERT_TRUE(c.ok());
  Status update = (*c)->Exec("UPDATE template_versions SET html = 'changed'");
  EXPECT_FALSE(update.ok());
  EXPECT_THAT(update.message(), HasSubstr("immutable"));
  EXPECT_FALSE((*c)->Exec("DELETE FROM template_versions").ok());
  auto html = (*c)->Prepare("h", "SELECT html FROM template_versions");
  ASSERT_TRUE(html.ok());
  ASSERT_TRUE(*(*html)->Step());
  EXPECT_EQ((*html)->Text(0), "<p>v1</p>");
}

TEST(NamedQueriesTest, EveryEmbeddedQueryPreparesAgainstTheSchema) {
  FakeClock clock(FromUnixMicros(0));
  ASSERT_TRUE(OpenSqliteDatabase({":memory:"}, clock).ok());
  // Build the schema in a raw connection and prepare every query against it.
  auto c = Connection::Open(":memory:", Connection::OpenMode::kCreate);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
                         "NOT NULL, applied_at_us INTEGER NOT NULL)")
                  .ok());
  const NamedQueries& queries = NamedQueries::Embedded();
  for (const Migration& m : queries.migrations()) ASSERT_TRUE((*c)->Exec(m.sql).ok()) << m.name;
  int prepared = 0;
  for (const EmbeddedFile& file : EmbeddedSqlFiles()) {
    std::string_view text = file.contents;
    for (size_t pos = text.find("-- name:"); pos != std::string_view::npos;
         pos = text.find("-- name:", pos + 1)) {
      const size_t end = text.find('\n', pos);
      std::string name(text.substr(pos + 8, end - pos - 8));
      name.erase(0, name.find_first_not_of(' '));
      auto stmt = (*c)->Prepare(name, queries.Get(name));
      EXPECT_TRUE(stmt.ok()) << name << ": " << stmt.status();
      ++prepared;
    }
  }
  EXPECT_GT(prepared, 20);
}

TEST(NamedQueriesTest, RejectsDuplicatesAndMigrationGaps) {
  const EmbeddedFile duplicate[] = {{"a.sql", "-- name: q\nSELECT 1\n-- name: q\nSELECT 2\n"}};
  EXPECT_THAT(NamedQueries::Parse(duplicate).status().message(), HasSubstr("duplicate query 'q'"));
  const EmbeddedFile gap[] = {{"migration_0001_a.sql", "SELECT 1"},
                              {"migration_0003_c.sql", "SELECT 1"}};
  EXPECT_THAT(NamedQueries::Parse(gap).status().message(), HasSubstr("without gaps"));
  const EmbeddedFile badname[] = {{"migration_x_a.sql", "SELECT 1"}};
  EXPECT_FALSE(NamedQueries::Parse(badname).ok());
  const EmbeddedFile empty[] = {{"b.sql", "-- name: q\n\n"}};
  EXPECT_FALSE(NamedQueries::Parse(empty).ok());
  const EmbeddedFile good[] = {{"b.sql", "-- name: one\nSELECT 1\n\n-- name: two\nSELECT 2;\n"}};
  auto parsed = NamedQueries::Parse(good);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->Get("one"), "SELECT 1");
  EXPECT_EQ(parsed->Get("two"), "SELECT 2;");
}

}  // namespace
}  // namespace cadent::storage::sqlite
