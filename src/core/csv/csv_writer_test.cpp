#include "core/csv/csv_writer.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/csv/csv_reader.hpp"

namespace cadent::csv {
namespace {

using ::testing::ElementsAre;

std::string Format(std::vector<std::string_view> fields, WriterOptions options = {}) {
  std::string out;
  AppendRecord(fields, options, &out);
  return out;
}

TEST(WriterTest, PlainFieldsAreNotQuoted) {
  EXPECT_EQ(Format({"jane@example.com", "Jane", "", "Zoë 👩‍💻", "a b"}),
            "jane@example.com,Jane,,Zoë 👩‍💻,a b\n");
}

TEST(WriterTest, QuotesWhatNeedsQuoting) {
  EXPECT_EQ(Format({"a,b"}), "\"a,b\"\n");
  EXPECT_EQ(Format({"say \"hi\""}), "\"say \"\"hi\"\"\"\n");
  EXPECT_EQ(Format({"\""}), "\"\"\"\"\n");
  EXPECT_EQ(Format({"two\nlines"}), "\"two\nlines\"\n");
  EXPECT_EQ(Format({"cr\rhere"}), "\"cr\rhere\"\n");
  EXPECT_EQ(Format({" lead"}), "\" lead\"\n");
  EXPECT_EQ(Format({"trail "}), "\"trail \"\n");
  EXPECT_EQ(Format({"\ttab"}), "\"\ttab\"\n");
  EXPECT_EQ(Format({"\xEF\xBB\xBF"
                    "bom"}),
            "\"\xEF\xBB\xBF"
            "bom\"\n");
  // A quote inside is enough: readers would keep it literally, but only when unquoted.
  EXPECT_EQ(Format({"O\"Brien"}), "\"O\"\"Brien\"\n");
}

TEST(WriterTest, OtherDelimitersDecideTheQuoting) {
  WriterOptions options;
  options.delimiter = ';';
  EXPECT_EQ(Format({"a,b", "c;d", "e"}, options), "a,b;\"c;d\";e\n");
  options.delimiter = '\t';
  EXPECT_EQ(Format({"a b", "c\td"}, options), "a b\t\"c\td\"\n");
}

TEST(WriterTest, LineEndings) {
  WriterOptions options;
  options.line_ending = LineEnding::kCrLf;
  EXPECT_EQ(Format({"a", "b"}, options), "a,b\r\n");
  EXPECT_EQ(Format({"a", "b"}), "a,b\n");
}

TEST(WriterTest, LoneEmptyFieldIsQuotedSoItIsNotABlankLine) {
  EXPECT_EQ(Format({""}), "\"\"\n");
  EXPECT_EQ(Format({"", ""}), ",\n");
}

TEST(WriterTest, FormulaGuardNeutralizesFormulaStarts) {
  WriterOptions options;
  options.formula_guard = FormulaGuard::kNeutralize;
  EXPECT_EQ(Format({"=1+2", "+1 555", "-2", "@SUM(A1)"}, options), "'=1+2,'+1 555,'-2,'@SUM(A1)\n");
  // The prefix goes inside the quotes when the cell needs them.
  EXPECT_EQ(Format({"=HYPERLINK(\"http://x.test\",\"a,b\")"}, options),
            "\"'=HYPERLINK(\"\"http://x.test\"\",\"\"a,b\"\")\"\n");
  // TAB first: the guard's quote is now first, so no leading-space quoting is needed.
  EXPECT_EQ(Format({"\t=1"}, options), "'\t=1\n");
  EXPECT_EQ(Format({"\r=1"}, options), "\"'\r=1\"\n");
  // Only the first byte matters; ordinary cells are untouched.
  EXPECT_EQ(Format({"a=b", "jane@example.com", "", " =x"}, options),
            "a=b,jane@example.com,,\" =x\"\n");
}

TEST(WriterTest, FormulaGuardIsOffByDefault) { EXPECT_EQ(Format({"=1+2", "@x"}), "=1+2,@x\n"); }

// Whatever the writer writes, the reader reads back unchanged.
TEST(WriterTest, RoundTripsThroughTheReader) {
  const std::vector<std::vector<std::string_view>> records = {
      {"email", "name", "note"},
      {"a,b", "say \"hi\"", "x\r\ny"},
      {" lead", "trail ", "\"quoted\""},
      {""},
      {"", "", ""},
      {"\xEF\xBB\xBF"
       "bom",
       "cr\r", "lf\n"},
      {"O\"Brien", "5\" disk", "王"},
  };
  for (char delimiter : {',', ';', '\t', '|'}) {
    for (LineEnding ending : {LineEnding::kLf, LineEnding::kCrLf}) {
      WriterOptions options;
      options.delimiter = delimiter;
      options.line_ending = ending;
      std::string out;
      Writer writer = Writer::ToString(&out, options);
      for (const auto& record : records) ASSERT_TRUE(writer.WriteRecord(record).ok());

      ReaderOptions reader_options;
      reader_options.delimiter = delimiter;
      auto reader = Reader::Open(std::make_unique<StringSource>(out), reader_options);
      ASSERT_TRUE(reader.ok());
      Record record;
      for (const auto& expected : records) {
        ASSERT_TRUE(*(*reader)->Next(&record)) << out;
        EXPECT_FALSE(record.error.has_value());
        EXPECT_EQ(record.fields, expected) << out;
      }
      EXPECT_FALSE(*(*reader)->Next(&record));
    }
  }
}

TEST(WriterTest, WritesToAFileDescriptor) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("cadent-writer-" + std::to_string(getpid()) + ".csv"))
                               .string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  {
    Writer writer = Writer::ToFd(fd);
    ASSERT_TRUE(writer.WriteRecord({"email", "name"}).ok());
    // More than the 64 KiB buffer, so WriteRecord flushes on its own.
    const std::string long_note(100000, 'n');
    ASSERT_TRUE(writer.WriteRecord({"jane@example.com", long_note}).ok());
    ASSERT_TRUE(writer.WriteRecord({"john@example.com", "last"}).ok());
    ASSERT_TRUE(writer.Flush().ok());
  }
  ::close(fd);
  auto reader = Reader::OpenFile(path);
  ASSERT_TRUE(reader.ok());
  Record record;
  ASSERT_TRUE(*(*reader)->Next(&record));
  ASSERT_TRUE(*(*reader)->Next(&record));
  EXPECT_EQ(record.fields[1].size(), 100000u);
  ASSERT_TRUE(*(*reader)->Next(&record));
  EXPECT_THAT(record.fields, ElementsAre("john@example.com", "last"));
  std::filesystem::remove(path);
}

TEST(WriterTest, WritesToAFileAndFlushesOnDestruction) {
  FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    Writer writer = Writer::ToFile(file, {.line_ending = LineEnding::kCrLf});
    ASSERT_TRUE(writer.WriteRecord({"a", "b c"}).ok());
  }
  std::rewind(file);
  char buf[16] = {};
  const size_t n = std::fread(buf, 1, sizeof(buf), file);
  EXPECT_EQ(std::string(buf, n), "a,b c\r\n");
  std::fclose(file);
}

TEST(WriterTest, MovedWriterKeepsWriting) {
  std::string out;
  Writer first = Writer::ToString(&out);
  ASSERT_TRUE(first.WriteRecord({"a"}).ok());
  Writer second = std::move(first);
  ASSERT_TRUE(second.WriteRecord({"b"}).ok());
  EXPECT_EQ(out, "a\nb\n");
}

TEST(WriterTest, WriteErrorsAreReported) {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // not writable
  ASSERT_GE(fd, 0);
  {
    Writer writer = Writer::ToFd(fd);
    ASSERT_TRUE(writer.WriteRecord({"a"}).ok());  // buffered
    const Status status = writer.Flush();
    EXPECT_FALSE(status.ok());
    EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("cannot write CSV"));
  }
  ::close(fd);
}

}  // namespace
}  // namespace cadent::csv
