#include "cli/campaign_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/common/strings.hpp"

namespace cadent::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ErrorOf(std::string_view text, std::string_view file = "campaign.yaml") {
  Result<CampaignDefinition> parsed = ParseCampaignFile(file, text);
  EXPECT_FALSE(parsed.ok()) << "parsed:\n" << text;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(ToStd(parsed.status().message()));
}

CampaignDefinition Parse(std::string_view text, std::string_view file = "campaign.yaml") {
  Result<CampaignDefinition> parsed = ParseCampaignFile(file, text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : CampaignDefinition{};
}

// The format's example, in YAML.
constexpr std::string_view kYaml = R"yaml(
name: Q1 founders
kind: sequence            # or networking
audience: {lists: [leads], filter: [{field: country, op: eq, value: US}]}
senders: [alice, bob]     # sender account names (the pool)
calendar:
  window: "Mon-Fri 09:00-17:00"
  zone: recipient
  default_zone: America/New_York
  weekends: country
  holidays: recipient_country
  public_holidays_only: false
  blackout_dates: [2026-12-24]
stop: {on_reply: true, on_company_reply: false, on_conversion: true, on_accepted: false}
missing_data: skip
allow_in_other_campaigns: false
new_contacts_per_day: 50
start_at: 2027-01-04T09:00:00Z
steps:
  - send: email
    template: intro
  - send: email
    template: follow-up
    after: 3 business days
    same_thread: true
  - id: opened-check
    if: opened
    within: 3 days
    then: bump
    else: end
  - id: bump
    wait: 2 days
  - send: linkedin_invite
    template: invite
    on_failure: continue
  - webhook: https://hooks.example.com/x
  - end
)yaml";

// The same, in JSON.
constexpr std::string_view kJson = R"json(
  {"name": "Q1 founders", "kind": "sequence",
   "audience": {"lists": ["leads"], "filter": [{"field": "country", "op": "eq", "value": "US"}]},
   "senders": ["alice", "bob"],
   "calendar": {"window": "Mon-Fri 09:00-17:00", "zone": "recipient",
                "default_zone": "America/New_York", "weekends": "country",
                "holidays": "recipient_country", "public_holidays_only": false,
                "blackout_dates": ["2026-12-24"]},
   "stop": {"on_reply": true, "on_company_reply": false, "on_conversion": true,
            "on_accepted": false},
   "missing_data": "skip", "allow_in_other_campaigns": false, "new_contacts_per_day": 50,
   "start_at": "2027-01-04T09:00:00Z",
   "steps": [
     {"send": "email", "template": "intro"},
     {"send": "email", "template": "follow-up", "after": "3 business days", "same_thread": true},
     {"id": "opened-check", "if": "opened", "within": "3 days", "then": "bump", "else": "end"},
     {"id": "bump", "wait": "2 days"},
     {"send": "linkedin_invite", "template": "invite", "on_failure": "continue"},
     {"webhook": "https://hooks.example.com/x"},
     "end"]})json";

TEST(CampaignFile, YamlAndJsonReadTheSame) {
  const CampaignDefinition from_yaml = Parse(kYaml);
  const CampaignDefinition from_json = Parse(kJson, "campaign.json");
  EXPECT_EQ(from_yaml.name, "Q1 founders");
  ASSERT_EQ(from_yaml.sequence.steps.size(), 7u);
  // The canonical JSON shows every field: equal text, equal definitions.
  EXPECT_EQ(ToJson(from_yaml), ToJson(from_json));
  // And the canonical JSON is itself a campaign file.
  EXPECT_EQ(ToJson(Parse(ToJson(from_yaml, true), "canonical.json")), ToJson(from_yaml));
}

TEST(CampaignFile, YamlScalarsKeepTheirType) {
  // Quoted text stays text, plain true/false are booleans, plain integers numbers, dates and
  // times text, block scalars text.
  // A value that looks like a number, a boolean or null must be quoted to be text.
  const std::string error = ErrorOf(R"yaml(
name: true
new_contacts_per_day: "50"
allow_in_other_campaigns: yes
steps:
  - send: email
    template: 2026
    after: 3
)yaml");
  EXPECT_THAT(error, HasSubstr("campaign.yaml:2: name: expected the campaign's name, got true"));
  EXPECT_THAT(error, HasSubstr("campaign.yaml:3: new_contacts_per_day: expected a whole number "
                               "from 1 to 1000000, got the string \"50\""));
  EXPECT_THAT(error, HasSubstr("campaign.yaml:4: allow_in_other_campaigns: expected true or "
                               "false, got the string \"yes\""));
  EXPECT_THAT(error, HasSubstr("campaign.yaml:7: steps[0].template: expected a template name like "
                               "\"intro\", got a number"));
  EXPECT_THAT(error, HasSubstr("campaign.yaml:8: steps[0].after: expected a string like \"3 "
                               "days\", got a number"));

  const CampaignDefinition ok = Parse(R"yaml(
name: "true"
senders: ["123", '007', 2026-01-01, 12abc]
calendar:
  public_holidays_only: true
  blackout_dates: [2026-12-24, "2026-12-25"]
new_contacts_per_day: 0050
start_at: 2027-01-04T09:00:00+01:00
audience:
  filter:
    - {field: custom.size, value: "50"}
    - field: custom.note
      value: |
        multi
        line
steps:
  - send: email
    template: "2026"
)yaml");
  EXPECT_EQ(ok.name, "true");
  EXPECT_EQ(ok.settings.senders, (std::vector<std::string>{"123", "007", "2026-01-01", "12abc"}));
  EXPECT_TRUE(ok.settings.calendar.public_holidays_only);
  EXPECT_EQ(ok.settings.calendar.blackout_dates.size(), 2u);
  EXPECT_EQ(ok.settings.new_contacts_per_day, 50);
  ASSERT_TRUE(ok.settings.start_at.has_value());
  EXPECT_EQ(FormatRfc3339(*ok.settings.start_at), "2027-01-04T08:00:00Z");
  ASSERT_EQ(ok.settings.audience.filters.size(), 2u);
  EXPECT_EQ(ok.settings.audience.filters[0].value, "50");
  EXPECT_EQ(ok.settings.audience.filters[1].value, "multi\nline\n");
  EXPECT_EQ(ok.sequence.steps[0].variants[0].template_name, "2026");
}

TEST(CampaignFile, NullAndFloatScalars) {
  const CampaignDefinition d = Parse(R"yaml(
name: n
new_contacts_per_day: ~
start_at:
steps: [{send: email, template: t}]
)yaml");
  EXPECT_FALSE(d.settings.new_contacts_per_day.has_value());
  EXPECT_FALSE(d.settings.start_at.has_value());
  EXPECT_THAT(ErrorOf("name: n\nnew_contacts_per_day: 2.5\nsteps: [{send: email, template: t}]"),
              HasSubstr("campaign.yaml:2: new_contacts_per_day: expected a whole number from 1 "
                        "to 1000000, got 2.5"));
  EXPECT_THAT(ErrorOf("name: n\nnew_contacts_per_day: 1e3\nsteps: [{send: email, template: t}]"),
              HasSubstr("got 1000.0"));
  EXPECT_THAT(ErrorOf("name: n\nnew_contacts_per_day: 0x10\nsteps: [{send: email, template: t}]"),
              HasSubstr("got the string \"0x10\""));
  EXPECT_THAT(ErrorOf("name: n\nnew_contacts_per_day: 99999999999999999999999\n"
                      "steps: [{send: email, template: t}]"),
              HasSubstr("got the string \"99999999999999999999999\""));
  EXPECT_THAT(ErrorOf("name: n\nnew_contacts_per_day: null\nsteps:\n"),
              HasSubstr("campaign.yaml:3: steps: expected a list of steps"));
}

TEST(CampaignFile, ErrorsNameTheLine) {
  const std::string error = ErrorOf(R"yaml(name: Q1
calendar:
  window: "Mon-Fir 09:00-17:00"
  holidays: fixed_country
steps:
  - send: email
    template: intro
  - send: email
    template: follow-up
    aftr: 3 days
  - if: opened
    then: nowhere
)yaml");
  EXPECT_THAT(error, HasSubstr("campaign.yaml:3: calendar.window: send window \"Mon-Fir"));
  EXPECT_THAT(error, HasSubstr("campaign.yaml:4: calendar.holidays: fixed_country needs "
                               "holiday_country"));
  EXPECT_THAT(error, HasSubstr("campaign.yaml:10: steps[1].aftr: unknown key (did you mean "
                               "\"after\"?)"));
  // Every line carries the file name.
  std::stringstream lines(error);
  for (std::string line; std::getline(lines, line);) EXPECT_THAT(line, StartsWith("campaign.yaml"));

  // Check's problems too, once the steps read cleanly; a path the file does not have (a
  // default) is reported at its nearest ancestor.
  const std::string check = ErrorOf(R"yaml(name: Q1
steps:
  - send: email
    template: intro
  - if: opened
    then: nowhere
  - id: x
    send: email
    template: a
    next: x
)yaml");
  EXPECT_THAT(check, HasSubstr("campaign.yaml:6: steps[1].then: no step has the id \"nowhere\""));
  EXPECT_THAT(check, HasSubstr("campaign.yaml:10: steps[2].next: goes back to \"x\""));
  EXPECT_THAT(ErrorOf("name: n\nsteps:\n  - send: email\n"),
              HasSubstr("campaign.yaml:3: steps[0]: a send step needs template"));
  EXPECT_THAT(ErrorOf("name: n\n"), HasSubstr("campaign.yaml: steps: required"));
}

TEST(CampaignFile, YamlSyntaxErrors) {
  EXPECT_THAT(ErrorOf("name: n\nsteps:\n  - send: email\n template: x\n"),
              StartsWith("campaign.yaml:4:"));
  EXPECT_THAT(ErrorOf("name: [unclosed\n"), StartsWith("campaign.yaml:2:"));
  EXPECT_THAT(ErrorOf("name: \"open\n"), StartsWith("campaign.yaml:"));
  EXPECT_THAT(ErrorOf("name: n\nname: m\nsteps: [{send: email, template: t}]\n"),
              HasSubstr("campaign.yaml:2: duplicate key \"name\""));
  EXPECT_THAT(ErrorOf("name: n\n---\nname: m\n"),
              HasSubstr("campaign.yaml:3: a second YAML document"));
  EXPECT_THAT(ErrorOf("? [a, b]\n: c\n"), HasSubstr("campaign.yaml:1: a key must be plain text"));
  EXPECT_THAT(ErrorOf("- name: n\n"), HasSubstr("campaign.yaml: expected an object with name"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("campaign.yaml: the file is empty"));
  EXPECT_THAT(ErrorOf("# only a comment\n"), HasSubstr("the file is empty"));
  EXPECT_THAT(ErrorOf("just text"), HasSubstr("expected an object with name"));
}

TEST(CampaignFile, JsonFiles) {
  EXPECT_EQ(Parse(" \n\t{\"name\": \"n\", \"steps\": [{\"send\": \"email\", \"template\": "
                  "\"t\"}]}",
                  "c.json")
                .name,
            "n");
  const std::string error = ErrorOf(R"({"name": "n", "steps": [{"send": "email"}],
                                       "kind": "x"})",
                                    "c.json");
  EXPECT_THAT(error, HasSubstr("c.json: kind: expected sequence or networking"));
  EXPECT_THAT(error, HasSubstr("\nc.json: steps[0]: a send step needs template"));
  EXPECT_THAT(ErrorOf("{\"name\": ", "c.json"), StartsWith("c.json: invalid JSON at line 1"));
  // A .json name with YAML inside is read as YAML (only a leading `{` means JSON).
  EXPECT_EQ(Parse("name: n\nsteps: [{send: email, template: t}]", "c.json").name, "n");
}

TEST(CampaignFile, HostileFiles) {
  EXPECT_THAT(ErrorOf(std::string(kMaxCampaignFileBytes + 1, '#')),
              HasSubstr("campaign.yaml: 1048577 bytes; a campaign file is at most 1048576"));
  EXPECT_THAT(ErrorOf("name: ok\nsteps:\n  - send: email\n    template: caf\xC3\n"),
              HasSubstr("campaign.yaml:4: not valid UTF-8"));
  EXPECT_THAT(ErrorOf(std::string("name: a\0b\n", 10)), HasSubstr("NUL byte"));
  // A byte order mark is skipped.
  EXPECT_EQ(Parse("\xEF\xBB\xBFname: n\nsteps: [{send: email, template: t}]").name, "n");

  // Deep nesting, flow and block.
  EXPECT_THAT(ErrorOf(StrCat("name: ", std::string(5000, '['), std::string(5000, ']'))),
              AllOf(StartsWith("campaign.yaml:1:"), HasSubstr("nested deeper than 32 levels")));
  std::string block = "name: n\nx:\n";
  for (int i = 1; i < 40; ++i) StrAppend(&block, std::string(i * 2, ' '), "k:\n");
  EXPECT_THAT(ErrorOf(block), HasSubstr("nested deeper than 32 levels"));

  // "Billion laughs": anchors that expand to far more values than the file holds.
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char previous = 'a';
  for (char c = 'b'; c <= 'h'; ++c) {
    StrAppend(&laughs, std::string(1, c), ": &", std::string(1, c), " [");
    for (int i = 0; i < 10; ++i) StrAppend(&laughs, i ? ", " : "", "*", std::string(1, previous));
    laughs += "]\n";
    previous = c;
  }
  EXPECT_THAT(ErrorOf(laughs), HasSubstr("more than 50000 values"));
  // An anchor used normally is fine.
  const CampaignDefinition aliased = Parse(R"yaml(
name: n
senders: &pool [alice, bob]
audience: {lists: *pool}
steps: [{send: email, template: t}]
)yaml");
  EXPECT_EQ(aliased.settings.audience.lists, aliased.settings.senders);
}

TEST(CampaignFile, EveryExampleParses) {
  const fs::path dir = fs::path(CADENT_SOURCE_DIR) / "examples/campaigns";
  int count = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    SCOPED_TRACE(entry.path().string());
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    Result<CampaignDefinition> parsed =
        ParseCampaignFile(entry.path().filename().string(), text.str());
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_FALSE(parsed->name.empty());
    // Its canonical JSON reads back the same.
    Result<CampaignDefinition> again = ParseCampaignFile("canonical.json", ToJson(*parsed, true));
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(ToJson(*again), ToJson(*parsed));
    ++count;
  }
  EXPECT_GE(count, 3);
}

TEST(CampaignFile, ExamplesSayWhatTheDocsSay) {
  auto read = [](std::string_view name) {
    std::ifstream in(fs::path(CADENT_SOURCE_DIR) / "examples/campaigns" / name, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return Parse(text.str(), name);
  };
  const CampaignDefinition email = read("email-3-step.yaml");
  ASSERT_EQ(email.sequence.steps.size(), 5u);
  EXPECT_EQ(email.sequence.steps[0].variants.size(), 2u);
  EXPECT_EQ(email.sequence.steps[1].kind, sequence::StepKind::kCondition);
  EXPECT_EQ(email.sequence.steps[2].next, "last-note");

  const CampaignDefinition connector = read("linkedin-connector.yaml");
  ASSERT_EQ(connector.sequence.steps.size(), 5u);  // invite, accepted?, 3 follow-ups
  EXPECT_EQ(connector.sequence.steps[0].channel, templating::Channel::kLinkedInInvite);

  const CampaignDefinition networking = read("networking.yaml");
  EXPECT_EQ(networking.settings.kind, sequence::CampaignKind::kNetworking);
  EXPECT_EQ(networking.sequence.steps[0].subject_field, "followup_subject");
  EXPECT_EQ(networking.settings.calendar.fixed_holiday_country, "PT");
}

}  // namespace
}  // namespace cadent::cli
