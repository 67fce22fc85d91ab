#include "core/csv/csv_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cadent::csv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kCorpus = CADENT_SOURCE_DIR "/tests/data/csv/";

// A record copied out of the reader (its fields are only views).
struct Row {
  int64_t line = 0;
  std::vector<std::string> fields;
  std::optional<RecordErrorKind> error;
  int64_t begin_offset = 0;
  int64_t end_offset = 0;
  int64_t next_line = 0;
  std::optional<RecordError> error_detail;

  friend bool operator==(const Row& a, const Row& b) {
    return a.line == b.line && a.fields == b.fields && a.error == b.error &&
           a.begin_offset == b.begin_offset && a.end_offset == b.end_offset &&
           a.next_line == b.next_line &&
           (a.error_detail.has_value() ? a.error_detail->message : "") ==
               (b.error_detail.has_value() ? b.error_detail->message : "");
  }
  friend std::ostream& operator<<(std::ostream& out, const Row& row) {
    out << "{line " << row.line << " [" << row.begin_offset << "," << row.end_offset << ") [";
    for (const std::string& f : row.fields) out << '"' << f << "\" ";
    out << "]";
    if (row.error_detail) out << " error: " << row.error_detail->message;
    return out << "}";
  }
};

Row Expect(int64_t line, std::vector<std::string> fields,
           std::optional<RecordErrorKind> error = std::nullopt) {
  Row row;
  row.line = line;
  row.fields = std::move(fields);
  row.error = error;
  return row;
}

Result<std::vector<Row>> ReadAll(Reader& reader) {
  std::vector<Row> rows;
  Record record;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader.Next(&record));
    if (!more) break;
    Row row;
    row.line = record.line;
    row.fields.assign(record.fields.begin(), record.fields.end());
    row.begin_offset = record.begin_offset;
    row.end_offset = record.end_offset;
    row.next_line = record.next_line;
    if (record.error) row.error = record.error->kind;
    row.error_detail = record.error;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Row> ReadString(std::string data, ReaderOptions options = {}) {
  auto reader = Reader::Open(std::make_unique<StringSource>(std::move(data)), options);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return {};
  auto rows = ReadAll(**reader);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? *rows : std::vector<Row>{};
}

// Compares line, fields and error kind only (offsets are checked by their own tests).
void ExpectRows(const std::vector<Row>& actual, const std::vector<Row>& expected) {
  ASSERT_EQ(actual.size(), expected.size()) << ::testing::PrintToString(actual);
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].line, expected[i].line) << "record " << i << ": " << actual[i];
    EXPECT_EQ(actual[i].fields, expected[i].fields) << "record " << i << ": " << actual[i];
    EXPECT_EQ(actual[i].error, expected[i].error) << "record " << i << ": " << actual[i];
  }
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A temporary directory removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cadent-csv-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// ---------------------------------------------------------------------------------------
// The corpus in tests/data/csv (see its README.md).

struct CorpusCase {
  std::string file;
  char delimiter;
  bool had_bom;
  std::vector<Row> rows;
};

void PrintTo(const CorpusCase& c, std::ostream* out) { *out << c.file; }

class CorpusTest : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(CorpusTest, ReadsAsDocumented) {
  const CorpusCase& c = GetParam();
  auto reader = Reader::OpenFile(kCorpus + c.file);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->delimiter(), c.delimiter);
  EXPECT_EQ((*reader)->had_bom(), c.had_bom);
  auto rows = ReadAll(**reader);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ExpectRows(*rows, c.rows);
}

using K = RecordErrorKind;

INSTANTIATE_TEST_SUITE_P(
    Files, CorpusTest,
    ::testing::Values(
        CorpusCase{"lf.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "first_name", "last_name", "company"}),
                    Expect(2, {"jane@example.com", "Jane", "Doe", "Acme"}),
                    Expect(3, {"john@example.com", "John", "Smith", "Globex"})}},
        CorpusCase{"crlf.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "first_name", "note"}),
                    Expect(2, {"jane@example.com", "Jane", "two\r\nlines"}),
                    Expect(4, {"john@example.com", "John", "plain"})}},
        CorpusCase{"cr.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "first_name", "note"}),
                    Expect(2, {"jane@example.com", "Jane", "two\rlines"}),
                    Expect(4, {"john@example.com", "John", "plain"})}},
        CorpusCase{"quoted.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "name", "note"}),
                    Expect(2, {"jane@example.com", "Doe, Jane", "She said \"hi\""}),
                    Expect(3, {"john@example.com", "Smith\nJohn", "a,b;c|d"}),
                    Expect(5, {"quoted@example.com", "", ""})}},
        CorpusCase{"bom.csv",
                   ',',
                   true,
                   {Expect(1, {"email", "first_name"}), Expect(2, {"jane@example.com", "Jane"})}},
        CorpusCase{"semicolon.csv",
                   ';',
                   false,
                   {Expect(1, {"email", "first_name", "score"}),
                    Expect(2, {"jane@example.com", "Jane", "1,5"}),
                    Expect(3, {"john@example.com", "John", "2,25"})}},
        CorpusCase{"tab.tsv",
                   '\t',
                   false,
                   {Expect(1, {"email", "first_name", "company"}),
                    Expect(2, {"jane@example.com", "Jane", "Acme, Inc."}),
                    Expect(3, {"john@example.com", "John", "Globex"})}},
        CorpusCase{"pipe.csv",
                   '|',
                   false,
                   {Expect(1, {"email", "first_name", "company"}),
                    Expect(2, {"jane@example.com", "Jane", "Acme, Inc."}),
                    Expect(3, {"john@example.com", "John", "Globex"})}},
        CorpusCase{"invalid_utf8.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "first_name"}),
                    Expect(2, {"jose@example.com", "Jos\xE9"}, K::kInvalidUtf8),
                    Expect(3, {"zoe@example.com", "Zo\xC3\xAB"})}},
        CorpusCase{"field_counts.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "first_name", "last_name"}),
                    Expect(2, {"jane@example.com", "Jane"}),
                    Expect(3, {"john@example.com", "John", "Smith", "extra"}),
                    Expect(4, {"zoe@example.com", "Zoe", "Ng"})}},
        CorpusCase{"nul.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "first_name"}),
                    Expect(2, {"jane@example.com", std::string("Ja\0ne", 5)}, K::kNulByte),
                    Expect(3, {"john@example.com", "John"})}},
        CorpusCase{
            "header_only.csv", ',', false, {Expect(1, {"email", "first_name", "last_name"})}},
        CorpusCase{"duplicate_headers.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "name", "name", "Email"}),
                    Expect(2, {"jane@example.com", "Jane", "Doe", "jane@example.org"})}},
        CorpusCase{"unterminated_quote.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "note"}), Expect(2, {"jane@example.com", "ok"}),
                    Expect(3, {"john@example.com", "never closed\nzoe@example.com,lost\n"},
                           K::kUnterminatedQuote)}},
        CorpusCase{"text_after_quote.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "name"}),
                    Expect(2, {"jane@example.com", "Jane"}, K::kTextAfterQuote),
                    Expect(3, {"john@example.com", "John"})}},
        CorpusCase{"blank_lines.csv",
                   ',',
                   false,
                   {Expect(2, {"email", "first_name"}), Expect(4, {"jane@example.com", "Jane"}),
                    Expect(7, {"john@example.com", "John"})}},
        CorpusCase{"no_final_newline.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "first_name"}), Expect(2, {"jane@example.com", "Jane"})}},
        CorpusCase{"utf8_names.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "first_name", "last_name"}),
                    Expect(2, {"rene@example.com", "René", "Müller-Lüdenscheidt"}),
                    Expect(3, {"wang@example.com", "伟", "王"}),
                    Expect(4, {"sakura@example.jp", "さくら", "山田"}),
                    Expect(5, {"emoji@example.com", "Zoë 👩‍💻", "O’Brien 🎉"}),
                    Expect(6, {"zaid@example.com", "زيد", "الحسن"})}},
        CorpusCase{"bare_quote.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "name", "note"}),
                    Expect(2, {"jane@example.com", "Jane O\"Brien", "5\" floppy"}),
                    Expect(3, {"john@example.com", " \"John\" ", "x"})}},
        CorpusCase{"formula_cells.csv",
                   ',',
                   false,
                   {Expect(1, {"email", "first_name", "note"}),
                    Expect(2, {"jane@example.com", "=HYPERLINK(\"http://x.test\")", "+1 555"}),
                    Expect(3, {"john@example.com", "@SUM(A1)", "-2"})}}),
    [](const ::testing::TestParamInfo<CorpusCase>& param) {
      std::string name = param.param.file;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(CorpusErrors, EmptyFileAndBomOnlyAreEmpty) {
  for (const char* file : {"empty.csv", "bom_only.csv"}) {
    auto reader = Reader::OpenFile(kCorpus + file);
    ASSERT_FALSE(reader.ok()) << file;
    EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(reader.status().message(), "file is empty");
  }
}

TEST(CorpusErrors, Utf16IsRefusedWithAHint) {
  auto reader = Reader::OpenFile(kCorpus + "utf16.csv");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reader.status().message(), HasSubstr("UTF-16"));
}

TEST(CorpusErrors, ErrorsNameLineFieldAndOffset) {
  auto reader = Reader::OpenFile(kCorpus + "invalid_utf8.csv");
  ASSERT_TRUE(reader.ok());
  auto rows = ReadAll(**reader);
  ASSERT_TRUE(rows.ok());
  const RecordError& error = *(*rows)[1].error_detail;
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.field, 2u);
  EXPECT_EQ(error.offset, 37);  // "email,first_name\n" (17) + "jose@example.com," (17) + "Jos"
  EXPECT_EQ(error.message,
            "line 2, field 2: invalid UTF-8 (byte 0xE9 at offset 37); save the file as CSV UTF-8");

  reader = Reader::OpenFile(kCorpus + "unterminated_quote.csv");
  ASSERT_TRUE(reader.ok());
  rows = ReadAll(**reader);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[2].error_detail->message,
            "line 3, field 2: the quoted field never closes (end of file reached)");

  reader = Reader::OpenFile(kCorpus + "nul.csv");
  ASSERT_TRUE(reader.ok());
  rows = ReadAll(**reader);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[1].error_detail->message, "line 2, field 2: NUL byte at offset 36");
}

// Every corpus file reads the same whatever the buffer size and however short the source's
// reads: each byte of each file lands on a buffer boundary at some size.
TEST(CorpusBuffers, SameRecordsForEveryBufferSize) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpus)) {
    const std::string path = entry.path().string();
    auto reference_reader = Reader::OpenFile(path);
    if (!reference_reader.ok()) continue;  // empty, BOM only, UTF-16
    ++files;
    auto reference = ReadAll(**reference_reader);
    ASSERT_TRUE(reference.ok());
    for (size_t buffer_bytes : {1, 2, 3, 4, 5, 7, 16}) {
      ReaderOptions options;
      options.buffer_bytes = buffer_bytes;
      auto reader = Reader::Open(std::make_unique<StringSource>(ReadFileBytes(path)), options);
      ASSERT_TRUE(reader.ok());
      auto rows = ReadAll(**reader);
      ASSERT_TRUE(rows.ok());
      EXPECT_EQ(*rows, *reference) << path << " buffer " << buffer_bytes;
    }
  }
  EXPECT_GE(files, 20);
}

// Resuming from any record boundary yields the records that followed it.
TEST(CorpusResume, ResumeFromEveryBoundary) {
  for (const char* file : {"crlf.csv", "cr.csv", "quoted.csv", "bom.csv", "blank_lines.csv",
                           "invalid_utf8.csv", "utf8_names.csv"}) {
    auto reader = Reader::OpenFile(kCorpus + file);
    ASSERT_TRUE(reader.ok());
    auto all = ReadAll(**reader);
    ASSERT_TRUE(all.ok());
    for (size_t k = 0; k < all->size(); ++k) {
      auto resumed = Reader::OpenFile(kCorpus + file);
      ASSERT_TRUE(resumed.ok());
      ASSERT_TRUE((*resumed)->Resume((*all)[k].end_offset, (*all)[k].next_line).ok());
      auto rest = ReadAll(**resumed);
      ASSERT_TRUE(rest.ok());
      EXPECT_EQ(*rest, std::vector<Row>(all->begin() + static_cast<ptrdiff_t>(k) + 1, all->end()))
          << file << " after record " << k;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Rules, one at a time.

TEST(ReaderTest, QuotedFieldsHoldDelimitersQuotesAndNewlines) {
  ExpectRows(ReadString("a,\"b,c\",\"say \"\"hi\"\"\",\"x\r\ny\",\"p\rq\",\"m\nn\"\n"),
             {Expect(1, {"a", "b,c", "say \"hi\"", "x\r\ny", "p\rq", "m\nn"})});
  ExpectRows(ReadString("\"\",\"\"\"\"\n"), {Expect(1, {"", "\""})});
}

TEST(ReaderTest, EmptyFieldsAndTrailingDelimiter) {
  ExpectRows(ReadString(",a,,\n,\n"), {Expect(1, {"", "a", "", ""}), Expect(2, {"", ""})});
  ExpectRows(ReadString("a,b,"), {Expect(1, {"a", "b", ""})});
}

TEST(ReaderTest, LineNumbersCountCrLfLfAndLoneCr) {
  ExpectRows(ReadString("a\r\nb\nc\rd\r\n\"e\r\nf\ng\rh\"\ni"),
             {Expect(1, {"a"}), Expect(2, {"b"}), Expect(3, {"c"}), Expect(4, {"d"}),
              Expect(5, {"e\r\nf\ng\rh"}), Expect(9, {"i"})});
}

TEST(ReaderTest, OffsetsCoverEachRecordAndItsTerminator) {
  const auto rows = ReadString(
      "\xEF\xBB\xBF"
      "a,b\r\n\nc\r\"d\"\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].begin_offset, 3);
  EXPECT_EQ(rows[0].end_offset, 8);
  EXPECT_EQ(rows[0].next_line, 2);
  EXPECT_EQ(rows[1].begin_offset, 9);  // after the blank line
  EXPECT_EQ(rows[1].end_offset, 11);
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_EQ(rows[2].begin_offset, 11);
  EXPECT_EQ(rows[2].end_offset, 15);
  EXPECT_EQ(rows[2].next_line, 5);
}

TEST(ReaderTest, BlankLinesAreSkippedButSpacesAreARecord) {
  ExpectRows(ReadString("\n\r\n\ra\n\n \n\r\r\nb\n\n"),
             {Expect(4, {"a"}), Expect(6, {" "}), Expect(9, {"b"})});
}

TEST(ReaderTest, OnlyBlankLinesGiveNoRecords) { EXPECT_THAT(ReadString("\n\r\n\r"), IsEmpty()); }

TEST(ReaderTest, FinalRecordWithoutNewline) {
  ExpectRows(ReadString("a,b\nc,d"), {Expect(1, {"a", "b"}), Expect(2, {"c", "d"})});
  ExpectRows(ReadString("a,\"b\""), {Expect(1, {"a", "b"})});
}

TEST(ReaderTest, BareQuoteInUnquotedFieldIsLiteral) {
  ExpectRows(ReadString("O\"Brien,5\" disk,a\"\"b, \"x\"\n"),
             {Expect(1, {"O\"Brien", "5\" disk", "a\"\"b", " \"x\""})});
}

TEST(ReaderTest, TextAfterClosingQuoteIsAnErrorAndReaderStaysInSync) {
  const auto rows = ReadString("\"abc\"x,d\n\"ok\",e\n\"abc\" \n");
  ExpectRows(rows, {Expect(1, {"abc", "d"}, K::kTextAfterQuote), Expect(2, {"ok", "e"}),
                    Expect(3, {"abc"}, K::kTextAfterQuote)});
  EXPECT_EQ(rows[0].error_detail->offset, 5);
  EXPECT_EQ(rows[0].error_detail->field, 1u);
  EXPECT_THAT(rows[0].error_detail->message, HasSubstr("line 1, field 1: unexpected text"));
}

TEST(ReaderTest, UnterminatedQuoteReportsTheLineItOpened) {
  const auto rows = ReadString("a,b\nc,\"d\ne\nf\n");
  ExpectRows(rows, {Expect(1, {"a", "b"}), Expect(2, {"c", "d\ne\nf\n"}, K::kUnterminatedQuote)});
  EXPECT_EQ(rows[1].error_detail->line, 2);
  EXPECT_EQ(rows[1].error_detail->offset, 6);
  EXPECT_EQ(rows[1].end_offset, 13);
}

TEST(ReaderTest, NulByteInAnyField) {
  const auto rows = ReadString(std::string("a,b\0c\n\"q\0\",d\nok\n", 16));
  ExpectRows(rows, {Expect(1, {"a", std::string("b\0c", 3)}, K::kNulByte),
                    Expect(2, {std::string("q\0", 2), "d"}, K::kNulByte), Expect(3, {"ok"})});
  EXPECT_EQ(rows[0].error_detail->offset, 3);
  EXPECT_EQ(rows[1].error_detail->offset, 8);
}

TEST(ReaderTest, InvalidUtf8ReportsFieldLineAndFileOffset) {
  // In a quoted field the offset counts the opening quote and each doubled quote, and the
  // line counts the newlines before the bad byte.
  const auto rows = ReadString("ok,\"a\"\"b\nc\xC3\x28\"\n");
  ExpectRows(rows, {Expect(1, {"ok", "a\"b\nc\xC3\x28"}, K::kInvalidUtf8)});
  const RecordError& error = *rows[0].error_detail;
  EXPECT_EQ(error.field, 2u);
  EXPECT_EQ(error.offset, 10);
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.message,
            "line 2, field 2: invalid UTF-8 (byte 0xC3 at offset 10); save the file as CSV UTF-8");
}

TEST(ReaderTest, FirstErrorByOffsetWins) {
  // The NUL in field 2 comes after the bad UTF-8 in field 1.
  auto rows = ReadString(std::string("\xFF,\0\n", 4));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].error, K::kInvalidUtf8);
  rows = ReadString(std::string("\0,\xFF\n", 4));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].error, K::kNulByte);
}

TEST(ReaderTest, InvalidUtf8Sequences) {
  for (const char* bad : {"\x80", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80",
                          "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xC3", "\xE2\x82", "\xFF"}) {
    const auto rows = ReadString(std::string("x,") + bad + "\n");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].error, K::kInvalidUtf8) << ::testing::PrintToString(std::string(bad));
  }
  for (const char* good : {"\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEF\xBF\xBF",
                           "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"}) {
    const auto rows = ReadString(std::string("x,") + good + "\n");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].error, std::nullopt) << ::testing::PrintToString(std::string(good));
  }
}

TEST(ReaderTest, FieldOverTheLimitIsReportedAndSkipped) {
  ReaderOptions options;
  options.max_field_bytes = 4;
  const auto rows = ReadString("abcd,\"ab\"\"c\"\nabcde,x\n\"abc\"\"de\",y\nok,z\n", options);
  ExpectRows(rows, {Expect(1, {"abcd", "ab\"c"}), Expect(2, {"abcd", "x"}, K::kFieldTooLong),
                    Expect(3, {"abc\"", "y"}, K::kFieldTooLong), Expect(4, {"ok", "z"})});
  EXPECT_EQ(rows[1].error_detail->message, "line 2, field 1: the field is longer than 4 bytes");
}

TEST(ReaderTest, TooManyFieldsIsReportedAndSkipped) {
  ReaderOptions options;
  options.max_fields = 3;
  const auto rows = ReadString("a,b,c\na,b,c,d,e\na\n", options);
  ExpectRows(rows, {Expect(1, {"a", "b", "c"}), Expect(2, {"a", "b", "c"}, K::kTooManyFields),
                    Expect(3, {"a"})});
  EXPECT_EQ(rows[1].error_detail->message, "line 2, field 4: the record has more than 3 fields");
}

TEST(ReaderTest, RecordOverTheLimitIsReportedAndSkipped) {
  ReaderOptions options;
  options.max_record_bytes = 6;
  options.max_field_bytes = 4;
  const auto rows = ReadString("abc,def,g\nab,cd\n", options);
  ExpectRows(rows, {Expect(1, {"abc", "def", ""}, K::kRecordTooLong), Expect(2, {"ab", "cd"})});
  EXPECT_EQ(rows[0].error_detail->field, 3u);  // abc + def fill the 6 bytes
}

TEST(ReaderTest, HugeFieldIsSkippedWithoutBufferingIt) {
  TempDir dir;
  const std::string path = dir.File("huge_field.csv");
  {
    std::ofstream out(path, std::ios::binary);
    out << "email,note\n";
    out << "big@example.com,\"";
    const std::string block(1 << 16, 'x');
    for (int i = 0; i < 160; ++i) out << block;  // 10 MiB
    out << "\"\nnext@example.com,ok\n";
  }
  auto reader = Reader::OpenFile(path);
  ASSERT_TRUE(reader.ok());
  Record record;
  ASSERT_TRUE(*(*reader)->Next(&record));
  ASSERT_TRUE(*(*reader)->Next(&record));
  ASSERT_TRUE(record.error.has_value());
  EXPECT_EQ(record.error->kind, K::kFieldTooLong);
  EXPECT_EQ(record.error->message, "line 2, field 2: the field is longer than 1048576 bytes");
  EXPECT_EQ(record.fields[1].size(), size_t{1} << 20);
  // The 1 MiB read buffer plus at most the 1 MiB kept of the field, with string growth.
  EXPECT_LT((*reader)->MemoryBytes(), size_t{4} << 20);
  ASSERT_TRUE(*(*reader)->Next(&record));
  EXPECT_FALSE(record.error.has_value());
  EXPECT_THAT(record.fields, ElementsAre("next@example.com", "ok"));
  EXPECT_EQ(record.line, 3);
  EXPECT_FALSE(*(*reader)->Next(&record));
}

TEST(ReaderTest, HugeHeaderIsRejectedWithBoundedMemory) {
  TempDir dir;
  const std::string path = dir.File("wide.csv");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 1; i <= 100000; ++i) out << (i > 1 ? "," : "") << "column_" << i;
    out << "\na,b\n";
  }
  auto reader = Reader::OpenFile(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->delimiter(), ',');
  Record record;
  ASSERT_TRUE(*(*reader)->Next(&record));
  ASSERT_TRUE(record.error.has_value());
  EXPECT_EQ(record.error->kind, K::kTooManyFields);
  EXPECT_EQ(record.error->message, "line 1, field 1001: the record has more than 1000 fields");
  EXPECT_EQ(record.fields.size(), 1000u);
  EXPECT_LT((*reader)->MemoryBytes(), size_t{2} << 20);
  ASSERT_TRUE(*(*reader)->Next(&record));
  EXPECT_THAT(record.fields, ElementsAre("a", "b"));
  EXPECT_EQ(record.line, 2);
}

TEST(ReaderTest, ExplicitDelimiterIsUsed) {
  ReaderOptions options;
  options.delimiter = ';';
  ExpectRows(ReadString("a,b;c\n", options), {Expect(1, {"a,b", "c"})});
  options.delimiter = ' ';
  ExpectRows(ReadString("a b  c\n", options), {Expect(1, {"a", "b", "", "c"})});
}

TEST(ReaderTest, InvalidOptionsAreRefused) {
  for (char delimiter : {'"', '\r', '\n', '\xE9'}) {
    ReaderOptions options;
    options.delimiter = delimiter;
    auto reader = Reader::Open(std::make_unique<StringSource>("a"), options);
    EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
  }
  ReaderOptions options;
  options.max_fields = 0;
  EXPECT_FALSE(Reader::Open(std::make_unique<StringSource>("a"), options).ok());
  EXPECT_FALSE(Reader::Open(nullptr).ok());
}

TEST(ReaderTest, BomIsSkippedOnlyAtTheStart) {
  const auto rows = ReadString(
      "\xEF\xBB\xBF"
      "a\n\xEF\xBB\xBF"
      "b\n");
  ExpectRows(rows, {Expect(1, {"a"}), Expect(2, {"\xEF\xBB\xBF"
                                                 "b"})});
}

TEST(ReaderTest, MissingFileIsNotFound) {
  auto reader = Reader::OpenFile(kCorpus + "no_such_file.csv");
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kNotFound);
}

// A source that gives one byte per Read, then fails after `fail_after` bytes.
class TrickleSource : public ByteSource {
 public:
  TrickleSource(std::string data, size_t fail_after)
      : data_(std::move(data)), fail_after_(fail_after) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ >= fail_after_) return absl::UnavailableError("disk went away");
    if (pos_ == data_.size() || n == 0) return 0;
    buf[0] = data_[pos_++];
    return 1;
  }
  Status Seek(int64_t offset) override {
    pos_ = static_cast<size_t>(offset);
    return OkStatus();
  }

 private:
  std::string data_;
  size_t pos_ = 0;
  size_t fail_after_;
};

TEST(ReaderTest, ShortReadsGiveTheSameRecords) {
  const std::string data = "a;b\r\n\"c;\r\nd\";e\n\nf;g";
  auto reader = Reader::Open(std::make_unique<TrickleSource>(data, data.size() + 1));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->delimiter(), ';');
  auto rows = ReadAll(**reader);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, ReadString(data));
}

TEST(ReaderTest, SourceErrorsAreResults) {
  auto reader = Reader::Open(std::make_unique<TrickleSource>("a,b\n", 2));
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kUnavailable);

  ReaderOptions options;
  options.buffer_bytes = 4;
  std::string big(size_t{70} << 10, 'x');  // longer than the 64 KiB read by Open
  big += "\nlast\n";
  reader = Reader::Open(std::make_unique<TrickleSource>(big, (size_t{64} << 10) + 10), options);
  ASSERT_TRUE(reader.ok());
  Record record;
  auto next = (*reader)->Next(&record);
  EXPECT_EQ(next.status().code(), absl::StatusCode::kUnavailable);
}

TEST(ReaderTest, ResumeRejectsBadPositions) {
  auto reader = Reader::Open(std::make_unique<StringSource>("a\nb\n"));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->Resume(-1, 1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*reader)->Resume(0, 0).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE((*reader)->Resume(2, 2).ok());
  auto rows = ReadAll(**reader);
  ASSERT_TRUE(rows.ok());
  ExpectRows(*rows, {Expect(2, {"b"})});
}

TEST(ReaderTest, ResumeAtTheEndGivesNothing) {
  auto reader = Reader::Open(std::make_unique<StringSource>("a\nb\n"));
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Resume(4, 3).ok());
  Record record;
  EXPECT_FALSE(*(*reader)->Next(&record));
}

// ---------------------------------------------------------------------------------------
// Delimiter detection.

TEST(DetectDelimiterTest, PicksTheConsistentAndMostFrequent) {
  EXPECT_EQ(DetectDelimiter("a,b,c\nd,e,f\n", true), ',');
  EXPECT_EQ(DetectDelimiter("a;b;c\nd;e;f\n", true), ';');
  EXPECT_EQ(DetectDelimiter("a\tb\nd\te\n", true), '\t');
  EXPECT_EQ(DetectDelimiter("a|b\nd|e\n", true), '|');
  // Commas in values (decimal commas, company names) are not consistent.
  EXPECT_EQ(DetectDelimiter("name;score\nJane;1,5\nJohn;2\n", true), ';');
  // Both consistent: the more frequent wins.
  EXPECT_EQ(DetectDelimiter("a;b;c,d\ne;f;g,h\n", true), ';');
}

TEST(DetectDelimiterTest, TiesGoToComma) {
  EXPECT_EQ(DetectDelimiter("a;b,c\nd;e,f\n", true), ',');
  EXPECT_EQ(DetectDelimiter("a|b\tc\n", true), '\t');
}

TEST(DetectDelimiterTest, SingleColumnIsComma) {
  EXPECT_EQ(DetectDelimiter("email\na@example.com\n", true), ',');
  EXPECT_EQ(DetectDelimiter("", true), ',');
}

TEST(DetectDelimiterTest, QuotedDelimitersAndNewlinesDoNotCount) {
  EXPECT_EQ(DetectDelimiter("a;b\n\"x,y,z\";\"1\n,2,\"\nc;d\n", true), ';');
  EXPECT_EQ(DetectDelimiter("a;b\nO\"Brien;x,\n", true), ';');
}

TEST(DetectDelimiterTest, RaggedRowsUseTheMostCommonCount) {
  EXPECT_EQ(DetectDelimiter("a;b;c\nd;e\nf;g;h\ni;j;k\n", true), ';');
}

TEST(DetectDelimiterTest, IncompleteLastLineIsIgnoredUnlessComplete) {
  EXPECT_EQ(DetectDelimiter("a;b\nc,d,e", false), ';');
  EXPECT_EQ(DetectDelimiter("a;b\nc;d", true), ';');
  EXPECT_EQ(DetectDelimiter("a,b,c", true), ',');
}

TEST(DetectDelimiterTest, LooksAtTheFirstTwentyLinesOnly) {
  std::string sample;
  for (int i = 0; i < 20; ++i) sample += "a;b\n";
  sample += "c,d,e,f\n";
  EXPECT_EQ(DetectDelimiter(sample, true), ';');
}

}  // namespace
}  // namespace cadent::csv
