// File-driven cases: every testdata/*.tmpl holds a template, a contact and the expected
// output (the format is described in testdata/README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/templating/template.hpp"

namespace cadent::templating {
namespace {

namespace fs = std::filesystem;

fs::path TestDataDir() { return fs::path(CADENT_SOURCE_DIR) / "src/core/templating/testdata"; }

// Sections by name ("subject", "expected html", ...): the lines between "--- name" headers,
// without the last newline.
std::map<std::string, std::string> ReadSections(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string content = buffer.str();
  std::map<std::string, std::string> sections;
  std::string* current = nullptr;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    const std::string line = content.substr(start, end - start);
    if (line.starts_with("--- ")) {
      current = &sections[line.substr(4)];
    } else if (current != nullptr) {
      *current += line;
      *current += '\n';
    }
    start = end + 1;
  }
  for (auto& [name, text] : sections) {
    if (!text.empty()) text.pop_back();
  }
  return sections;
}

std::string Str(const nlohmann::json& object, const char* key) {
  return object.contains(key) ? object[key].get<std::string>() : std::string();
}

ContactData ParseContact(const std::string& text) {
  ContactData contact;
  if (text.empty()) return contact;
  const auto json = nlohmann::json::parse(text);
  contact.first_name = Str(json, "first_name");
  contact.last_name = Str(json, "last_name");
  contact.company = Str(json, "company");
  contact.title = Str(json, "title");
  contact.email = Str(json, "email");
  contact.phone = Str(json, "phone");
  contact.linkedin_url = Str(json, "linkedin_url");
  contact.country = Str(json, "country");
  contact.time_zone = Str(json, "time_zone");
  if (json.contains("custom")) {
    for (const auto& [key, value] : json["custom"].items()) {
      contact.custom_fields[key] = value.get<std::string>();
    }
  }
  return contact;
}

SenderFields ParseSender(const std::string& text) {
  SenderFields sender;
  if (text.empty()) return sender;
  const auto json = nlohmann::json::parse(text);
  sender.first_name = Str(json, "first_name");
  sender.last_name = Str(json, "last_name");
  sender.email = Str(json, "email");
  sender.signature = Str(json, "signature");
  sender.company = Str(json, "company");
  return sender;
}

std::vector<fs::path> Cases() {
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(TestDataDir())) {
    if (entry.path().extension() == ".tmpl") cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

void RunCase(const fs::path& path) {
  auto sections = ReadSections(path);
  auto section = [&](const std::string& name) -> const std::string* {
    const auto it = sections.find(name);
    return it == sections.end() ? nullptr : &it->second;
  };
  TemplateSource source;
  if (const auto* channel = section("channel")) {
    const auto parsed = ParseChannel(*channel);
    ASSERT_TRUE(parsed.has_value()) << "unknown channel " << *channel;
    source.channel = *parsed;
  }
  if (const auto* s = section("subject")) source.subject = *s;
  if (const auto* s = section("html")) source.html = *s;
  if (const auto* s = section("text")) source.text = *s;
  const ContactData contact = ParseContact(section("contact") ? *section("contact") : "");
  const SenderFields sender = ParseSender(section("sender") ? *section("sender") : "");
  Limits limits;
  RenderContext context;
  context.contact = &contact;
  context.sender = &sender;
  std::string unsubscribe_url;
  std::string day_of_week;
  if (const auto* s = section("context")) {
    const auto json = nlohmann::json::parse(*s);
    unsubscribe_url = Str(json, "unsubscribe_url");
    day_of_week = Str(json, "day_of_week");
    context.spin_seed =
        SpinSeed(json.value("contact_id", int64_t{1}), json.value("step_id", int64_t{1}));
    if (json.contains("linkedin_invite_chars")) {
      limits.linkedin_invite_chars = json["linkedin_invite_chars"].get<size_t>();
    }
    if (json.contains("sms_max_segments")) {
      limits.sms_max_segments = json["sms_max_segments"].get<int>();
    }
  } else {
    context.spin_seed = SpinSeed(1, 1);
  }
  context.unsubscribe_url = unsubscribe_url;
  context.day_of_week = day_of_week;

  const std::string* expected_error = section("expected error");
  auto compiled = Compile(source, limits);
  if (!compiled.ok()) {
    ASSERT_NE(expected_error, nullptr) << compiled.status();
    EXPECT_EQ(compiled.status().message(), *expected_error);
    return;
  }
  Rendered out;
  const Status status = Render(*compiled, context, out);
  if (expected_error != nullptr) {
    ASSERT_FALSE(status.ok()) << "expected error: " << *expected_error;
    EXPECT_EQ(status.message(), *expected_error);
    return;
  }
  ASSERT_TRUE(status.ok()) << status;
  int checked = 0;
  if (const auto* s = section("expected subject")) {
    EXPECT_EQ(out.subject, *s);
    ++checked;
  }
  if (const auto* s = section("expected html")) {
    EXPECT_EQ(out.html, *s);
    ++checked;
  }
  if (const auto* s = section("expected text")) {
    EXPECT_EQ(out.text, *s);
    ++checked;
  }
  if (const auto* s = section("expected links")) {
    std::string links;
    for (const Link& link : out.links) {
      links += link.url + " | " + link.text + "\n";
      EXPECT_EQ(out.html.substr(link.offset, link.length).find('"'), std::string::npos);
    }
    if (!links.empty()) links.pop_back();
    EXPECT_EQ(links, *s);
    ++checked;
  }
  if (const auto* s = section("expected empty")) {
    std::string empty;
    for (std::string_view name : out.empty_variables) empty += std::string(name) + "\n";
    if (!empty.empty()) empty.pop_back();
    EXPECT_EQ(empty, *s);
    ++checked;
  }
  if (const auto* s = section("expected characters")) {
    EXPECT_EQ(std::to_string(out.characters), *s);
    ++checked;
  }
  if (const auto* s = section("expected sms")) {
    const std::string sms = std::to_string(out.sms_segments) + " " +
                            (out.sms_encoding == Rendered::SmsEncoding::kGsm7 ? "gsm7" : "ucs2");
    EXPECT_EQ(sms, *s);
    ++checked;
  }
  EXPECT_GT(checked, 0) << "a case with nothing expected";
}

TEST(Golden, EveryCase) {
  const auto cases = Cases();
  ASSERT_GE(cases.size(), 20u);
  for (const fs::path& path : cases) {
    SCOPED_TRACE(path.filename().string());
    RunCase(path);
  }
}

}  // namespace
}  // namespace cadent::templating
