#include "channels/outbox/outbox_channel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "channels/email/eml.hpp"
#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"

namespace cadent::channels {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "cadent-outbox-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

void AppendFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
}

// The file's lines without their newlines; `whole` says whether the file ends with one.
std::vector<std::string> Lines(const fs::path& path, bool* whole = nullptr) {
  const std::string contents = ReadFile(path);
  if (whole != nullptr) *whole = contents.empty() || contents.back() == '\n';
  std::vector<std::string> lines;
  std::stringstream in(contents);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Instant At(std::chrono::sys_days day, std::chrono::seconds time) {
  return std::chrono::time_point_cast<Duration>(day + time);
}

constexpr std::string_view kSubject = "Zoë, a question about Ærøskøbing — ça va?";
constexpr std::string_view kText = "Hi Zoë,\n\nquick question = about Ærøskøbing.\n– Ana\n";
constexpr std::string_view kHtml = "<p>Hi Zoë,</p>\n<p>quick question = about Ærøskøbing.</p>\n";

OutgoingMessage Email(int64_t id) {
  using namespace std::chrono;
  OutgoingMessage message;
  message.id = MessageId(id);
  message.workspace = WorkspaceId(1);
  message.campaign = CampaignId(7);
  message.enrollment = EnrollmentId(70 + id);
  message.contact = ContactId(700 + id);
  message.step = "intro";
  message.variant = "b";
  message.channel = templating::Channel::kEmail;
  message.attempt = 2;
  message.sender = SenderId(3);
  message.sender_name = "ana-main";
  message.from_address = "ana@example.com";
  message.from_name = "Ana Müller";
  message.to_address = "zoe@example.org";
  message.to_name = "Zoë Šimić";
  message.subject = std::string(kSubject);
  message.html = std::string(kHtml);
  message.text = std::string(kText);
  message.headers = {{"List-Unsubscribe", "<mailto:unsubscribe@example.com?subject=u-42>"},
                     {"X-Campaign", "spring ☀ launch"}};
  message.planned_at = At(sys_days{2026y / March / 2}, hours(9) + minutes(15));
  message.attempt_at = At(sys_days{2026y / March / 2}, hours(9) + minutes(16) + seconds(5));
  return message;
}

OutgoingMessage Sms(int64_t id) {
  OutgoingMessage message = Email(id);
  message.channel = templating::Channel::kSms;
  message.subject.clear();
  message.html.clear();
  message.headers.clear();
  message.from_address = "+4915112345678";
  message.to_address = "+4917698765432";
  message.text = "Hi Zoë, quick question?";
  return message;
}

class OutboxTest : public ::testing::Test {
 protected:
  OutboxChannel::Options Options() const {
    OutboxChannel::Options options;
    options.dir = dir_.path() / "outbox";
    return options;
  }
  std::unique_ptr<OutboxChannel> OpenOutbox() { return OpenOutbox(Options()); }
  std::unique_ptr<OutboxChannel> OpenOutbox(const OutboxChannel::Options& options) {
    Result<std::unique_ptr<OutboxChannel>> outbox = OutboxChannel::Open(options);
    EXPECT_TRUE(outbox.ok()) << outbox.status();
    return outbox.ok() ? *std::move(outbox) : nullptr;
  }
  fs::path Jsonl() const { return dir_.path() / "outbox" / "messages.jsonl"; }
  fs::path Eml(int64_t id) const { return dir_.path() / "outbox" / "eml" / StrCat(id, ".eml"); }
  std::vector<fs::path> EmlFiles() const {
    std::vector<fs::path> files;
    const fs::path dir = dir_.path() / "outbox" / "eml";
    if (!fs::exists(dir)) return files;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    return files;
  }
  ParsedEml ParseFile(const fs::path& path) {
    Result<ParsedEml> parsed = ParseEml(ReadFile(path));
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return parsed.ok() ? *std::move(parsed) : ParsedEml{};
  }

  TempDir dir_;
};

const ParsedEml::Header* FindHeader(const ParsedEml& eml, std::string_view name) {
  for (const ParsedEml::Header& header : eml.headers) {
    if (absl::EqualsIgnoreCase(header.name, ToAbsl(name))) return &header;
  }
  return nullptr;
}

TEST_F(OutboxTest, SendAppendsOneLineWithEveryField) {
  auto outbox = OpenOutbox();
  ASSERT_NE(outbox, nullptr);
  Result<SendResult> sent = outbox->Send(Email(42));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->code, sequence::SendCode::kAccepted);
  EXPECT_EQ(sent->provider_id, "outbox-42");
  EXPECT_EQ(outbox->lines(), 1);

  bool whole = false;
  const std::vector<std::string> lines = Lines(Jsonl(), &whole);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(whole);
  const Json line = Json::parse(lines[0]);
  std::set<std::string> keys;
  for (const auto& item : line.items()) keys.insert(item.key());
  EXPECT_EQ(keys,
            (std::set<std::string>{"id",      "attempt",   "workspace", "campaign",   "enrollment",
                                   "contact", "step",      "variant",   "channel",    "sender",
                                   "from",    "from_name", "to",        "to_name",    "subject",
                                   "html",    "text",      "headers",   "planned_at", "sent_at"}));
  EXPECT_EQ(line["id"], 42);
  EXPECT_EQ(line["attempt"], 2);
  EXPECT_EQ(line["workspace"], 1);
  EXPECT_EQ(line["campaign"], 7);
  EXPECT_EQ(line["enrollment"], 112);
  EXPECT_EQ(line["contact"], 742);
  EXPECT_EQ(line["step"], "intro");
  EXPECT_EQ(line["variant"], "b");
  EXPECT_EQ(line["channel"], "email");
  EXPECT_EQ(line["sender"], 3);
  EXPECT_EQ(line["from"], "ana@example.com");
  EXPECT_EQ(line["from_name"], "Ana Müller");
  EXPECT_EQ(line["to"], "zoe@example.org");
  EXPECT_EQ(line["to_name"], "Zoë Šimić");
  EXPECT_EQ(line["subject"], kSubject);
  EXPECT_EQ(line["html"], kHtml);
  EXPECT_EQ(line["text"], kText);
  EXPECT_EQ(line["headers"],
            Json::parse(R"([["List-Unsubscribe", "<mailto:unsubscribe@example.com?subject=u-42>"],
                            ["X-Campaign", "spring ☀ launch"]])"));
  EXPECT_EQ(line["planned_at"], "2026-03-02T09:15:00Z");
  EXPECT_EQ(line["sent_at"], "2026-03-02T09:16:05Z");
}

TEST_F(OutboxTest, EmlHasTheHeadersAndBothPartsInUtf8) {
  auto outbox = OpenOutbox();
  ASSERT_NE(outbox, nullptr);
  OutgoingMessage message = Email(42);
  // Long enough that only encoding and folding keep the lines short.
  message.subject = StrCat(kSubject, " ", std::string(300, 'x'), " ", kSubject);
  // The boundary itself inside a part must not split it.
  message.html = StrCat("<p>", std::string(3000, 'a'), "</p>\n--=_cadent_42_2\n", kHtml);
  ASSERT_TRUE(outbox->Send(message).ok());

  const std::string raw = ReadFile(Eml(42));
  const ParsedEml eml = ParseFile(Eml(42));
  ASSERT_EQ(eml.from.size(), 1u);
  EXPECT_EQ(eml.from[0].name, "Ana Müller");
  EXPECT_EQ(eml.from[0].address, "ana@example.com");
  ASSERT_EQ(eml.to.size(), 1u);
  EXPECT_EQ(eml.to[0].name, "Zoë Šimić");
  EXPECT_EQ(eml.to[0].address, "zoe@example.org");
  EXPECT_EQ(eml.subject, message.subject);

  std::vector<std::string> names;
  for (const ParsedEml::Header& header : eml.headers) names.push_back(header.name);
  EXPECT_THAT(names, ElementsAre("From", "To", "Subject", "Date", "Message-Id", "MIME-Version",
                                 "List-Unsubscribe", "X-Campaign"));
  EXPECT_EQ(FindHeader(eml, "Date")->value, "Mon, 02 Mar 2026 09:16:05 +0000");
  EXPECT_EQ(FindHeader(eml, "Message-ID")->value, "<42.2@outbox.cadent.invalid>");
  EXPECT_EQ(FindHeader(eml, "MIME-Version")->value, "1.0");
  EXPECT_EQ(FindHeader(eml, "List-Unsubscribe")->value,
            "<mailto:unsubscribe@example.com?subject=u-42>");
  EXPECT_EQ(FindHeader(eml, "X-Campaign")->value, "spring ☀ launch");

  // RFC 2047: the header section is ASCII, the subject travels as UTF-8 encoded words.
  const std::string header_section = raw.substr(0, raw.find("\r\n\r\n"));
  EXPECT_TRUE(std::all_of(header_section.begin(), header_section.end(),
                          [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
  EXPECT_THAT(FindHeader(eml, "Subject")->raw_value, HasSubstr("=?UTF-8?"));

  EXPECT_EQ(eml.content_type, "multipart/alternative");
  ASSERT_EQ(eml.parts.size(), 2u);
  EXPECT_EQ(eml.parts[0].content_type, "text/plain");
  EXPECT_EQ(eml.parts[1].content_type, "text/html");
  for (const ParsedEml::Part& part : eml.parts) {
    EXPECT_EQ(part.charset, "utf-8");
    EXPECT_EQ(part.transfer_encoding, "quoted-printable");
  }
  EXPECT_EQ(eml.parts[0].text, kText);
  EXPECT_EQ(eml.parts[1].text, message.html);

  // RFC 5322 2.1.1: CRLF line ends, no line over 998 octets.
  size_t start = 0;
  int lines = 0;
  while (start < raw.size()) {
    const size_t end = raw.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "the file ends without a line end";
    ASSERT_GT(end, start);
    EXPECT_EQ(raw[end - 1], '\r') << "line " << lines + 1;
    EXPECT_LE(end - 1 - start, 998u) << "line " << lines + 1;
    start = end + 1;
    ++lines;
  }
  EXPECT_GT(lines, 20);
}

TEST(RenderEml, SameMessageSameBytes) {
  const OutgoingMessage message = Email(3);
  EXPECT_EQ(RenderEml(message, "a.invalid"), RenderEml(message, "a.invalid"));
  OutgoingMessage retry = message;
  retry.attempt = 3;
  EXPECT_NE(RenderEml(message, "a.invalid"), RenderEml(retry, "a.invalid"));
}

TEST_F(OutboxTest, HostileNamesAndValuesCannotAddHeaders) {
  auto outbox = OpenOutbox();
  ASSERT_NE(outbox, nullptr);
  OutgoingMessage message = Email(5);
  message.to_name = "Zoë\r\nBcc: x@evil.example";
  message.from_name = "Ana\nBcc: y@evil.example";
  message.to_address = "zoe@example.org\r\nBcc: z@evil.example";
  message.subject = "Hello\r\nBcc: s@evil.example";
  message.headers = {{"X-Note", "fine\r\nBcc: h@evil.example"},
                     {"List-Unsubscribe", "<https://example.com/u>\r\n\r\n<p>body</p>"}};
  ASSERT_TRUE(outbox->Send(message).ok());

  const std::string raw = ReadFile(Eml(5));
  const ParsedEml eml = ParseFile(Eml(5));
  EXPECT_EQ(FindHeader(eml, "Bcc"), nullptr);
  std::stringstream in(raw.substr(0, raw.find("\r\n\r\n")));
  for (std::string line; std::getline(in, line);) {
    EXPECT_FALSE(absl::StartsWithIgnoreCase(line, "Bcc")) << line;
  }
  // The header section still ends where it should: the hostile blank line did not end it.
  EXPECT_EQ(eml.content_type, "multipart/alternative");
  ASSERT_EQ(eml.from.size(), 1u);
  EXPECT_EQ(eml.from[0].address, "ana@example.com");
  EXPECT_EQ(FindHeader(eml, "X-Note")->value, "fine  Bcc: h@evil.example");
  EXPECT_EQ(eml.subject, "Hello  Bcc: s@evil.example");
}

TEST_F(OutboxTest, BadExtraHeaderNamesAreRefusedBeforeAnythingIsWritten) {
  auto outbox = OpenOutbox();
  ASSERT_NE(outbox, nullptr);
  for (const char* name : {"X-A\r\nBcc", "X A", "X:A", "", "content-type", "Message-ID", "to"}) {
    OutgoingMessage message = Email(9);
    message.headers = {{name, "v"}};
    Result<SendResult> sent = outbox->Send(message);
    EXPECT_EQ(sent.status().code(), absl::StatusCode::kInvalidArgument) << name;
  }
  EXPECT_EQ(outbox->lines(), 0);
  EXPECT_TRUE(EmlFiles().empty());
}

TEST_F(OutboxTest, TextOnlyEmailIsOneTextPart) {
  auto outbox = OpenOutbox();
  ASSERT_NE(outbox, nullptr);
  OutgoingMessage message = Email(8);
  message.html.clear();
  ASSERT_TRUE(outbox->Send(message).ok());
  const ParsedEml eml = ParseFile(Eml(8));
  EXPECT_EQ(eml.content_type, "text/plain");
  ASSERT_EQ(eml.parts.size(), 1u);
  EXPECT_EQ(eml.parts[0].charset, "utf-8");
  EXPECT_EQ(eml.parts[0].transfer_encoding, "quoted-printable");
  EXPECT_EQ(eml.parts[0].text, kText);
}

TEST_F(OutboxTest, OtherChannelsWriteNoEml) {
  auto outbox = OpenOutbox();
  ASSERT_NE(outbox, nullptr);
  OutgoingMessage sms = Sms(1);
  OutgoingMessage invite = Sms(2);
  invite.channel = templating::Channel::kLinkedInInvite;
  OutgoingMessage linkedin = Sms(3);
  linkedin.channel = templating::Channel::kLinkedInMessage;
  for (const OutgoingMessage& message : {sms, invite, linkedin}) {
    ASSERT_TRUE(outbox->Send(message).ok());
  }
  EXPECT_TRUE(EmlFiles().empty());
  const std::vector<std::string> lines = Lines(Jsonl());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(Json::parse(lines[0])["channel"], "sms");
  EXPECT_EQ(Json::parse(lines[0])["to"], "+4917698765432");
  EXPECT_EQ(Json::parse(lines[1])["channel"], "linkedin_invite");
  EXPECT_EQ(Json::parse(lines[2])["channel"], "linkedin_message");
}

TEST_F(OutboxTest, WriteEmlOffWritesOnlyTheLine) {
  OutboxChannel::Options options = Options();
  options.write_eml = false;
  auto outbox = OpenOutbox(options);
  ASSERT_NE(outbox, nullptr);
  ASSERT_TRUE(outbox->Send(Email(1)).ok());
  EXPECT_EQ(outbox->lines(), 1);
  EXPECT_TRUE(EmlFiles().empty());
}

TEST_F(OutboxTest, EveryStringSurvivesTheLine) {
  auto outbox = OpenOutbox();
  ASSERT_NE(outbox, nullptr);
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  const std::vector<std::string> texts = {
      "quote \" backslash \\ slash / tab \t",
      controls + "\x7f",
      "2-byte é, 3-byte € \u2028 \u2029, 4-byte 😀 \U0010FFFF",
      "",
  };
  int64_t id = 0;
  for (const std::string& text : texts) {
    OutgoingMessage message = Sms(++id);
    message.text = text;
    message.step = text;
    ASSERT_TRUE(outbox->Send(message).ok());
  }
  const std::vector<std::string> lines = Lines(Jsonl());
  ASSERT_EQ(lines.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const Json line = Json::parse(lines[i]);
    EXPECT_EQ(line["text"], texts[i]) << i;
    EXPECT_EQ(line["step"], texts[i]) << i;
  }
}

// Each ill-formed piece becomes U+FFFD ("maximal subpart", as browsers decode), the rest
// survives, and the line stays valid JSON.
TEST_F(OutboxTest, InvalidUtf8BecomesReplacementCharacters) {
  auto outbox = OpenOutbox();
  ASSERT_NE(outbox, nullptr);
  const std::string r = "\xef\xbf\xbd";  // U+FFFD
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"caf\xc3 ok \xff", "caf" + r + " ok " + r},
      {"cut \xe2\x82", "cut " + r},                          // truncated 3-byte sequence
      {"\xed\xa0\x80", r + r + r},                           // a surrogate
      {"\xc0\xaf", r + r},                                   // overlong '/'
      {"\xf4\x90\x80\x80", r + r + r + r},                   // past U+10FFFF
      {"\xe2\x82\xac\x80", "\xe2\x82\xac" + r},              // a stray continuation after €
      {"\xf0\x9f\x98\x80\xf0\x9f", "\xf0\x9f\x98\x80" + r},  // 😀 then a cut one
  };
  int64_t id = 0;
  for (const auto& [input, expected] : cases) {
    OutgoingMessage message = Sms(++id);
    message.text = input;
    ASSERT_TRUE(outbox->Send(message).ok());
  }
  const std::vector<std::string> lines = Lines(Jsonl());
  ASSERT_EQ(lines.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    ASSERT_TRUE(Json::accept(lines[i])) << lines[i];
    EXPECT_EQ(Json::parse(lines[i])["text"], cases[i].second) << i;
  }
}

TEST_F(OutboxTest, MessageWithoutIdIsRefused) {
  auto outbox = OpenOutbox();
  ASSERT_NE(outbox, nullptr);
  EXPECT_EQ(outbox->Send(Email(0)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outbox->lines(), 0);
}

TEST_F(OutboxTest, ReconcileKnowsWhatWentOutAcrossReopen) {
  {
    auto outbox = OpenOutbox();
    ASSERT_NE(outbox, nullptr);
    for (int64_t id : {11, 12, 13}) ASSERT_TRUE(outbox->Send(Email(id)).ok());
    ASSERT_TRUE(outbox->Send(Sms(14)).ok());
    ASSERT_TRUE(outbox->Flush().ok());
    Result<ReconcileResult> known = outbox->Reconcile(Email(12));
    ASSERT_TRUE(known.ok());
    EXPECT_EQ(known->state, Reconciled::kSent);
  }
  auto outbox = OpenOutbox();
  ASSERT_NE(outbox, nullptr);
  EXPECT_EQ(outbox->lines(), 4);
  for (int64_t id : {11, 12, 13, 14}) {
    Result<ReconcileResult> known = outbox->Reconcile(Email(id));
    ASSERT_TRUE(known.ok());
    EXPECT_EQ(known->state, Reconciled::kSent) << id;
    EXPECT_EQ(known->provider_id, StrCat("outbox-", id));
  }
  for (int64_t id : {1, 15, 110}) {
    Result<ReconcileResult> unknown = outbox->Reconcile(Email(id));
    ASSERT_TRUE(unknown.ok());
    EXPECT_EQ(unknown->state, Reconciled::kNotSent) << id;
    EXPECT_EQ(unknown->provider_id, "");
  }
  // New sends land after the old lines.
  ASSERT_TRUE(outbox->Send(Email(15)).ok());
  EXPECT_EQ(outbox->lines(), 5);
  EXPECT_EQ(Lines(Jsonl()).size(), 5u);
}

TEST_F(OutboxTest, SecondOpenOfTheSameOutboxIsRefused) {
  auto outbox = OpenOutbox();
  ASSERT_NE(outbox, nullptr);
  Result<std::unique_ptr<OutboxChannel>> second = OutboxChannel::Open(Options());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  outbox.reset();
  EXPECT_TRUE(OutboxChannel::Open(Options()).ok());
}

// A crash mid-write leaves a torn last line; each case is what the file ends with.
TEST_F(OutboxTest, TornLastLineIsCutAndTheNextSendIsWhole) {
  const std::vector<std::string> torn_tails = {
      R"({"id": 99, "attempt": 1, "to": "zo)",  // no newline
      R"({"id": 99})",                          // whole JSON, no newline
      "{\"id\": 99, \"te\n",                    // a newline, but not JSON
      std::string(4, '\0'),                     // a file system's zero-filled tail
  };
  for (const std::string& torn : torn_tails) {
    SCOPED_TRACE(torn);
    fs::remove_all(Options().dir);
    {
      auto outbox = OpenOutbox();
      ASSERT_NE(outbox, nullptr);
      ASSERT_TRUE(outbox->Send(Email(1)).ok());
      ASSERT_TRUE(outbox->Send(Sms(2)).ok());
    }
    const std::string before = ReadFile(Jsonl());
    AppendFile(Jsonl(), torn);
    auto outbox = OpenOutbox();
    ASSERT_NE(outbox, nullptr);
    EXPECT_EQ(ReadFile(Jsonl()), before);
    EXPECT_EQ(outbox->lines(), 2);
    EXPECT_EQ(outbox->Reconcile(Email(99))->state, Reconciled::kNotSent);
    EXPECT_EQ(outbox->Reconcile(Email(2))->state, Reconciled::kSent);

    ASSERT_TRUE(outbox->Send(Email(3)).ok());
    bool whole = false;
    const std::vector<std::string> lines = Lines(Jsonl(), &whole);
    EXPECT_TRUE(whole);
    ASSERT_EQ(lines.size(), 3u);
    for (const std::string& line : lines) EXPECT_TRUE(Json::accept(line)) << line;
    EXPECT_EQ(Json::parse(lines[2])["id"], 3);
  }
}

TEST_F(OutboxTest, CorruptLineBeforeTheLastIsAnErrorNamingIt) {
  for (const char* bad : {"not json", "{\"id\": \"7\"}", "[1, 2]", "{\"ID\": 7}", "", "{\"id\": 0}",
                          "{\"id\": 7} trailing"}) {
    SCOPED_TRACE(bad);
    fs::remove_all(Options().dir);
    {
      auto outbox = OpenOutbox();
      ASSERT_NE(outbox, nullptr);
      ASSERT_TRUE(outbox->Send(Sms(1)).ok());
      ASSERT_TRUE(outbox->Send(Sms(2)).ok());
    }
    AppendFile(Jsonl(), StrCat(bad, "\n"));
    std::string tail = ReadFile(Jsonl()).substr(0, ReadFile(Jsonl()).find('\n') + 1);
    AppendFile(Jsonl(), tail);  // a whole, valid line after the bad one
    const std::string before = ReadFile(Jsonl());

    Result<std::unique_ptr<OutboxChannel>> outbox = OutboxChannel::Open(Options());
    EXPECT_EQ(outbox.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(outbox.status().message(), HasSubstr("line 3 "));
    EXPECT_EQ(ReadFile(Jsonl()), before) << "the file must be left alone";
  }
}

TEST_F(OutboxTest, CorruptLineFollowedOnlyByATornLineIsStillAnError) {
  {
    auto outbox = OpenOutbox();
    ASSERT_NE(outbox, nullptr);
    ASSERT_TRUE(outbox->Send(Sms(1)).ok());
  }
  AppendFile(Jsonl(), "garbage\n{\"id\": 2, \"tor");
  Result<std::unique_ptr<OutboxChannel>> outbox = OutboxChannel::Open(Options());
  EXPECT_EQ(outbox.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(outbox.status().message(), HasSubstr("line 2 "));
}

TEST_F(OutboxTest, LongLinesAcrossReadChunksAreIndexed) {
  OutboxChannel::Options options = Options();
  options.write_eml = false;
  {
    auto outbox = OpenOutbox(options);
    ASSERT_NE(outbox, nullptr);
    for (int64_t id = 1; id <= 5; ++id) {
      OutgoingMessage message = Sms(id);
      message.text = std::string(700 * 1024, static_cast<char>('a' + id));  // > half a chunk
      ASSERT_TRUE(outbox->Send(message).ok());
    }
  }
  auto outbox = OpenOutbox(options);
  ASSERT_NE(outbox, nullptr);
  EXPECT_EQ(outbox->lines(), 5);
  for (int64_t id = 1; id <= 5; ++id) {
    EXPECT_EQ(outbox->Reconcile(Sms(id))->state, Reconciled::kSent) << id;
  }
}

TEST_F(OutboxTest, ConcurrentSendsWriteWholeLines) {
  auto outbox = OpenOutbox();
  ASSERT_NE(outbox, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int64_t id = 1 + t * kPerThread + i;
        // Every other message is an SMS: lines of very different lengths interleave.
        const OutgoingMessage message = (i % 2 == 0) ? Email(id) : Sms(id);
        EXPECT_TRUE(outbox->Send(message).ok());
        if (i % 50 == 0) {
          EXPECT_TRUE(outbox->Flush().ok());
        }
        EXPECT_EQ(outbox->Reconcile(message)->state, Reconciled::kSent);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(outbox->Flush().ok());

  constexpr int kTotal = kThreads * kPerThread;
  EXPECT_EQ(outbox->lines(), kTotal);
  bool whole = false;
  const std::vector<std::string> lines = Lines(Jsonl(), &whole);
  EXPECT_TRUE(whole);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kTotal));
  std::set<int64_t> ids;
  for (const std::string& line : lines) {
    ASSERT_TRUE(Json::accept(line)) << line;
    ids.insert(Json::parse(line)["id"].get<int64_t>());
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kTotal));
  EXPECT_EQ(*ids.begin(), 1);
  EXPECT_EQ(*ids.rbegin(), kTotal);
  EXPECT_EQ(EmlFiles().size(), static_cast<size_t>(kTotal / 2));
}

TEST(OutboxCapabilities, CarriesEveryChannelAndReconciles) {
  TempDir dir;
  OutboxChannel::Options options;
  options.dir = dir.path();
  Result<std::unique_ptr<OutboxChannel>> outbox = OutboxChannel::Open(options);
  ASSERT_TRUE(outbox.ok()) << outbox.status();
  EXPECT_EQ((*outbox)->name(), "outbox");
  const Capabilities capabilities = (*outbox)->capabilities();
  EXPECT_THAT(capabilities.channels,
              ElementsAre(templating::Channel::kEmail, templating::Channel::kLinkedInInvite,
                          templating::Channel::kLinkedInMessage, templating::Channel::kSms));
  EXPECT_FALSE(capabilities.idempotency_keys);
  EXPECT_TRUE(capabilities.reconcile);
}

}  // namespace
}  // namespace cadent::channels
