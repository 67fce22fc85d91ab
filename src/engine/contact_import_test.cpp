#include "engine/contact_import.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/contacts/normalize.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cadent {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Fails the Nth CommitBatch (after delegating nothing), as a crash or a busy database would.
class FlakyImportStore final : public ImportStore {
 public:
  FlakyImportStore(ImportStore& real, int fail_on_commit) : real_(real), fail_on_(fail_on_commit) {}
  Result<ImportRecord> Create(WorkspaceId w, const ImportSpec& s) override {
    return real_.Create(w, s);
  }
  Result<ImportRecord> Get(WorkspaceId w, ImportId id) override { return real_.Get(w, id); }
  Result<std::optional<ImportRecord>> FindByFingerprint(WorkspaceId w,
                                                        std::string_view f) override {
    return real_.FindByFingerprint(w, f);
  }
  Result<std::vector<ImportRecord>> List(WorkspaceId w, int limit) override {
    return real_.List(w, limit);
  }
  Result<std::vector<RowOutcome>> CommitBatch(WorkspaceId w, ImportId id,
                                              const ImportBatch& b) override {
    if (++commits_ == fail_on_) return absl::UnavailableError("injected: database went away");
    return real_.CommitBatch(w, id, b);
  }
  Status Finish(WorkspaceId w, ImportId id, ImportStatus s, std::string_view e) override {
    return real_.Finish(w, id, s, e);
  }

 private:
  ImportStore& real_;
  int fail_on_;
  int commits_ = 0;
};

class ContactImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cadent-import-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = Open();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Database> Open() {
    auto db = storage::sqlite::OpenSqliteDatabase({":memory:"}, clock_);
    EXPECT_TRUE(db.ok()) << db.status();
    return *std::move(db);
  }

  std::string Write(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  ImportOptions Options(const std::string& path) {
    ImportOptions options;
    options.path = path;
    options.report_dir = (dir_ / "reports").string();
    return options;
  }

  Result<ImportResult> Import(const ImportOptions& options, Database* db = nullptr) {
    db = db != nullptr ? db : db_.get();
    ContactImporter importer(db->imports(), db->lists(), db->suppression(), clock_);
    return importer.Run(kDefaultWorkspace, options);
  }

  Contact MustFind(const std::string& email, Database* db = nullptr) {
    db = db != nullptr ? db : db_.get();
    auto found = db->contacts().FindByKey(kDefaultWorkspace, email);
    EXPECT_TRUE(found.ok() && found->has_value()) << email;
    return found.ok() && found->has_value() ? **found : Contact{};
  }

  int64_t ContactCount(Database* db = nullptr) {
    db = db != nullptr ? db : db_.get();
    return *db->contacts().Count(kDefaultWorkspace, ContactQuery{});
  }

  fs::path dir_;
  FakeClock clock_{FromUnixMicros(1'795'000'000'000'000)};
  std::unique_ptr<Database> db_;
};

constexpr char kMixed[] =
    "E-mail,First Name,Last Name,Company Name,Phone,Country,Industry\n"
    "Jane.Doe@Example.com,  Jane ,Doe,Acme,(415) 555-0123,US,Software\n"
    "not-an-email,Bad,Row,X,,,\n"
    "JANE.DOE@example.com,Second,Jane,Acme,,,\n"
    "blocked@spam.example,Blo,Cked,Y,,,\n"
    "too,few\n"
    "zoë@bücher.de,Zoë,Ångström,Bücher,+49 30 1234567,DE,=HYPERLINK(\"x\")\n";

TEST_F(ContactImportTest, ImportsNormalizedContactsAndReportsEveryRejectedRow) {
  SuppressionEntry blocked;
  blocked.workspace = kDefaultWorkspace;
  blocked.kind = SuppressionKind::kDomain;
  blocked.value = "spam.example";
  ASSERT_TRUE(db_->suppression().Add(blocked).ok());

  ImportOptions options = Options(Write("mixed.csv", kMixed));
  options.list = "Q4";
  auto result = Import(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->start, ImportResult::Start::kNew);
  const ImportRecord& r = result->record;
  EXPECT_EQ(r.status, ImportStatus::kCompleted);
  EXPECT_EQ(r.counts, (ImportCounts{.total = 6,
                                    .imported = 2,
                                    .updated = 0,
                                    .duplicates = 1,
                                    .suppressed = 1,
                                    .rejected = 2}));

  const Contact jane = MustFind("jane.doe@example.com");
  EXPECT_EQ(jane.data.first_name, "Jane");
  EXPECT_EQ(jane.data.phone, "+14155550123");
  EXPECT_EQ(jane.data.custom_fields.at("Industry"), "Software");
  const Contact zoe = MustFind("zoë@xn--bcher-kva.de");
  EXPECT_EQ(zoe.data.email, "zoë@bücher.de");
  EXPECT_EQ(zoe.data.phone, "+49301234567");
  EXPECT_EQ(ContactCount(), 2);

  auto list = db_->lists().FindByName(kDefaultWorkspace, "Q4");
  ASSERT_TRUE(list.ok() && list->has_value());
  EXPECT_EQ((*list)->member_count, 2);

  const std::string report = ReadFile(r.spec.report_path);
  EXPECT_THAT(report, HasSubstr("line,reason,E-mail,First Name"));
  EXPECT_THAT(report, HasSubstr("3,line 3: email 'not-an-email'"));
  EXPECT_THAT(report, HasSubstr("5,suppressed (domain spam.example)"));
  EXPECT_THAT(report, HasSubstr("6,line 6 has 2 fields; the header has 7,too,few"));
  EXPECT_EQ(r.report_bytes, static_cast<int64_t>(report.size()));
}

TEST_F(ContactImportTest, SameFileTwiceChangesNothingUnlessAskedAgain) {
  const ImportOptions options = Options(Write("mixed.csv", kMixed));
  auto first = Import(options);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = Import(options);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->start, ImportResult::Start::kAlreadyImported);
  EXPECT_EQ(second->record.id, first->record.id);
  EXPECT_EQ(db_->imports().List(kDefaultWorkspace, 10)->size(), 1u);

  ImportOptions again = options;
  again.again = true;
  auto third = Import(again);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->start, ImportResult::Start::kNew);
  EXPECT_NE(third->record.id, first->record.id);
  EXPECT_EQ(third->record.counts.imported, 0);
  // Three contacts exist already, and the file repeats one of them.
  EXPECT_EQ(third->record.counts.duplicates, 4);
  EXPECT_EQ(ContactCount(), 3);
}

TEST_F(ContactImportTest, UpdatePolicyOverwritesWithNonEmptyFileValues) {
  ASSERT_TRUE(Import(Options(Write("a.csv", "email,first name,company\na@x.com,Ann,Old\n"))).ok());
  ImportOptions update = Options(Write("b.csv", "email,first name,company\na@x.com,,New\n"));
  update.policy = DuplicatePolicy::kUpdate;
  auto result = Import(update);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->record.counts.updated, 1);
  const Contact a = MustFind("a@x.com");
  EXPECT_EQ(a.data.first_name, "Ann");
  EXPECT_EQ(a.data.company, "New");
}

std::string ManyRows(int n) {
  std::string csv = "email,first_name,note\n";
  for (int i = 0; i < n; ++i) {
    if (i % 7 == 3) {
      csv += "bad-" + std::to_string(i) + ",x,y\n";
    } else {
      // Every fifth note spans two lines, so resuming must count lines right.
      csv += "p" + std::to_string(i) + "@x.com,P" + std::to_string(i) +
             (i % 5 == 0 ? ",\"two\nlines\"\n" : ",one\n");
    }
  }
  return csv;
}

TEST_F(ContactImportTest, InterruptedImportResumesWithoutApplyingAnythingTwice) {
  const std::string path = Write("many.csv", ManyRows(40));
  ImportOptions options = Options(path);
  options.batch_rows = 4;
  options.list = "L";

  // The reference: one clean import into another database.
  auto clean_db = Open();
  auto clean = Import(options, clean_db.get());
  ASSERT_TRUE(clean.ok()) << clean.status();
  const std::string clean_report = ReadFile(clean->record.spec.report_path);

  // The third batch fails: two are committed, the rest is not.
  FlakyImportStore flaky(db_->imports(), 3);
  ContactImporter importer(flaky, db_->lists(), db_->suppression(), clock_);
  auto interrupted = importer.Run(kDefaultWorkspace, options);
  EXPECT_EQ(interrupted.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(interrupted.status().message(), HasSubstr("run the same import again to resume"));
  auto records = db_->imports().List(kDefaultWorkspace, 10);
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].status, ImportStatus::kRunning);
  EXPECT_EQ((*records)[0].counts.total, 8);
  EXPECT_EQ(ContactCount(), 7);

  auto resumed = Import(options);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->start, ImportResult::Start::kResumed);
  EXPECT_EQ(resumed->record.counts, clean->record.counts);
  EXPECT_EQ(resumed->record.status, ImportStatus::kCompleted);
  EXPECT_EQ(ContactCount(), ContactCount(clean_db.get()));
  EXPECT_EQ(ReadFile(resumed->record.spec.report_path), clean_report)
      << "the report keeps exactly the committed batches' lines, each once";
  EXPECT_EQ(db_->lists().FindByName(kDefaultWorkspace, "L")->value().member_count,
            clean->record.counts.imported);
}

// Batches are built by parallel workers and committed in file order: tiny batches give the
// same contacts (in the same id order), list, counts and report as one big batch, with
// duplicates inside a batch, across batches and against an earlier import.
TEST_F(ContactImportTest, ManySmallBatchesMatchOneBigBatch) {
  std::string csv = "email,first_name,company\n";
  for (int i = 1; i <= 200; ++i) {
    if (i % 11 == 0) {
      csv += "broken-" + std::to_string(i) + ",Bad,X\n";
    } else if (i % 7 == 0) {
      csv += "p" + std::to_string(i - (i % 2 == 0 ? 1 : 6)) + "@firm.com,Dup,X\n";
    } else {
      csv += "p" + std::to_string(i) + "@firm.com,P" + std::to_string(i) + ",X\n";
    }
  }
  const std::string path = Write("batches.csv", csv);
  auto import_into = [&](Database* db, int batch_rows) {
    ContactData earlier;
    earlier.email = earlier.email_normalized = "p5@firm.com";
    earlier.email_domain = earlier.registrable_domain = "firm.com";
    EXPECT_TRUE(db->contacts().Create(kDefaultWorkspace, earlier).ok());
    ImportOptions options = Options(path);
    options.batch_rows = batch_rows;
    options.list = "L";
    options.policy = DuplicatePolicy::kFillEmpty;
    options.again = true;
    return Import(options, db);
  };
  auto big_db = Open();
  auto big = import_into(big_db.get(), 5000);
  ASSERT_TRUE(big.ok()) << big.status();
  auto small = import_into(db_.get(), 3);
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->record.counts, big->record.counts);
  EXPECT_EQ(big->record.counts.updated, 1);
  EXPECT_GT(big->record.counts.duplicates, 0);
  EXPECT_GT(big->record.counts.rejected, 0);
  EXPECT_EQ(ReadFile(small->record.spec.report_path), ReadFile(big->record.spec.report_path));
  auto emails = [](Database* db) {
    ContactQuery query;
    query.limit = 1000;
    auto contacts = db->contacts().List(kDefaultWorkspace, query);
    EXPECT_TRUE(contacts.ok()) << contacts.status();
    std::vector<std::string> out;
    if (!contacts.ok()) return out;
    for (const Contact& c : *contacts) {
      out.push_back(c.data.email + "/" + c.data.first_name);
    }
    return out;
  };
  EXPECT_EQ(emails(db_.get()), emails(big_db.get()));
  EXPECT_EQ(db_->lists().FindByName(kDefaultWorkspace, "L")->value().member_count,
            big->record.counts.imported + big->record.counts.updated);
  EXPECT_EQ(big_db->lists().FindByName(kDefaultWorkspace, "L")->value().member_count,
            big->record.counts.imported + big->record.counts.updated);
}

TEST_F(ContactImportTest, FileLevelProblemsFailBeforeAnythingIsWritten) {
  struct Case {
    std::string name;
    std::string content;
    std::vector<std::pair<std::string, std::string>> maps;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"noid.csv", "first_name,company\nA,B\n", {}, "email, LinkedIn URL or phone"},
      {"dup.csv", "email,name,name\na@x.com,a,b\n", {}, "name"},
      {"empty.csv", "", {}, "file is empty"},
      {"blank.csv", "\n\n\n", {}, "no header row"},
      {"map.csv", "email\na@x.com\n", {{"Nope", "first_name"}}, "Nope"},
  };
  for (const Case& c : cases) {
    ImportOptions options = Options(Write(c.name, c.content));
    options.mappings = c.maps;
    options.list = "never-created";
    auto result = Import(options);
    EXPECT_FALSE(result.ok()) << c.name;
    EXPECT_THAT(result.status().message(), HasSubstr(c.message)) << c.name;
  }
  EXPECT_TRUE(db_->imports().List(kDefaultWorkspace, 10)->empty());
  EXPECT_TRUE(db_->lists().List(kDefaultWorkspace)->empty());
  EXPECT_EQ(Import(Options((dir_ / "absent.csv").string())).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ContactImportTest, HeaderOnlyFileCompletesEmpty) {
  auto result = Import(Options(Write("h.csv", "email,first_name\n")));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->record.status, ImportStatus::kCompleted);
  EXPECT_EQ(result->record.counts, ImportCounts{});
}

TEST_F(ContactImportTest, HostileRowsAreRejectedAndTheRestImported) {
  std::string csv = "email,first_name\n";
  csv += "big@x.com," + std::string(10 << 20, 'a') + "\n";  // a 10 MB field
  csv += "ok@x.com,Ok\n";
  csv += "crlf@x.com,\"x\r\nBcc: evil@x.com\"\n";  // a header injection attempt in a name
  csv += std::string("nul@x.com,a\0b\n", 14);
  auto result = Import(Options(Write("hostile.csv", csv)));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->record.counts.rejected, 2);  // the 10 MB field and the NUL byte
  EXPECT_EQ(result->record.counts.imported, 2);
  EXPECT_EQ(MustFind("crlf@x.com").data.first_name, "x Bcc: evil@x.com")
      << "line breaks in names collapse to a space";
  const std::string report = ReadFile(result->record.spec.report_path);
  EXPECT_LT(report.size(), 2u << 20) << "the report keeps at most the reader's field limit";
}

TEST_F(ContactImportTest, HundredThousandColumnHeaderIsRefused) {
  std::string header = "email";
  for (int i = 0; i < 100000; ++i) header += ",c" + std::to_string(i);
  auto result = Import(Options(Write("wide.csv", header + "\na@x.com\n")));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("header row"));
}

// Every file of the shared CSV corpus imports without a crash: either a clear file-level
// error, or a completed import whose counts add up.
TEST_F(ContactImportTest, CorpusFilesImportOrFailClearly) {
  int completed = 0;
  for (const auto& entry : fs::directory_iterator(CADENT_SOURCE_DIR "/tests/data/csv")) {
    if (entry.path().extension() == ".md") continue;
    auto result = Import(Options(entry.path().string()));
    if (!result.ok()) {
      EXPECT_FALSE(result.status().message().empty()) << entry.path();
      continue;
    }
    const ImportCounts& c = result->record.counts;
    EXPECT_EQ(c.total, c.imported + c.updated + c.duplicates + c.suppressed + c.rejected)
        << entry.path();
    EXPECT_EQ(result->record.status, ImportStatus::kCompleted) << entry.path();
    ++completed;
  }
  EXPECT_GT(completed, 5);
}

}  // namespace
}  // namespace cadent
