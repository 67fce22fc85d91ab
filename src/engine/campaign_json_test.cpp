#include "engine/campaign_json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/common/strings.hpp"

namespace cadent {
namespace {

using sequence::CampaignKind;
using sequence::CampaignSettings;
using sequence::ConditionKind;
using sequence::Sequence;
using sequence::Step;
using sequence::StepKind;
using ::testing::HasSubstr;
using ::testing::Not;
using DelayUnit = calendar::DelayRule::Unit;

calendar::DelayRule Delay(std::string_view text) {
  Result<calendar::DelayRule> rule = calendar::DelayRule::Parse(text);
  EXPECT_TRUE(rule.ok()) << rule.status();
  return rule.ok() ? *rule : calendar::DelayRule{};
}

// Field by field: the model types have no operator== of their own.
void ExpectSameSettings(const CampaignSettings& a, const CampaignSettings& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.audience.lists, b.audience.lists);
  ASSERT_EQ(a.audience.filters.size(), b.audience.filters.size());
  for (size_t i = 0; i < a.audience.filters.size(); ++i) {
    SCOPED_TRACE(StrCat("filter ", i));
    EXPECT_EQ(a.audience.filters[i].field, b.audience.filters[i].field);
    EXPECT_EQ(a.audience.filters[i].op, b.audience.filters[i].op);
    EXPECT_EQ(a.audience.filters[i].value, b.audience.filters[i].value);
  }
  EXPECT_EQ(a.senders, b.senders);
  EXPECT_EQ(a.calendar.window, b.calendar.window);
  EXPECT_EQ(a.calendar.zone_choice, b.calendar.zone_choice);
  EXPECT_EQ(a.calendar.weekend, b.calendar.weekend);
  EXPECT_EQ(a.calendar.holidays, b.calendar.holidays);
  EXPECT_EQ(a.calendar.fixed_holiday_country, b.calendar.fixed_holiday_country);
  EXPECT_EQ(a.calendar.public_holidays_only, b.calendar.public_holidays_only);
  EXPECT_EQ(a.calendar.blackout_dates, b.calendar.blackout_dates);
  EXPECT_EQ(a.default_zone, b.default_zone);
  EXPECT_EQ(a.stop.on_reply, b.stop.on_reply);
  EXPECT_EQ(a.stop.on_company_reply, b.stop.on_company_reply);
  EXPECT_EQ(a.stop.on_conversion, b.stop.on_conversion);
  EXPECT_EQ(a.stop.on_accepted, b.stop.on_accepted);
  EXPECT_EQ(a.missing_data, b.missing_data);
  EXPECT_EQ(a.allow_in_other_campaigns, b.allow_in_other_campaigns);
  EXPECT_EQ(a.track_opens, b.track_opens);
  EXPECT_EQ(a.track_clicks, b.track_clicks);
  EXPECT_EQ(a.new_contacts_per_day, b.new_contacts_per_day);
  EXPECT_EQ(a.start_at, b.start_at);
}

void ExpectSameSequence(const Sequence& a, const Sequence& b) {
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (size_t i = 0; i < a.steps.size(); ++i) {
    SCOPED_TRACE(StrCat("steps[", i, "]"));
    const Step& x = a.steps[i];
    const Step& y = b.steps[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.next, y.next);
    switch (x.kind) {
      case StepKind::kSend:
        EXPECT_EQ(x.channel, y.channel);
        ASSERT_EQ(x.variants.size(), y.variants.size());
        for (size_t k = 0; k < x.variants.size(); ++k) {
          EXPECT_EQ(x.variants[k].name, y.variants[k].name);
          EXPECT_EQ(x.variants[k].template_name, y.variants[k].template_name);
          EXPECT_EQ(x.variants[k].template_id, y.variants[k].template_id);
          EXPECT_EQ(x.variants[k].template_version, y.variants[k].template_version);
          EXPECT_EQ(x.variants[k].weight, y.variants[k].weight);
        }
        EXPECT_EQ(x.message_field, y.message_field);
        EXPECT_EQ(x.subject_field, y.subject_field);
        EXPECT_EQ(x.same_thread, y.same_thread);
        EXPECT_EQ(x.on_failure, y.on_failure);
        EXPECT_EQ(x.delay, y.delay);
        break;
      case StepKind::kWait:
        EXPECT_EQ(x.delay, y.delay);
        break;
      case StepKind::kCondition:
        EXPECT_EQ(x.condition, y.condition);
        EXPECT_EQ(x.within, y.within);
        EXPECT_EQ(x.on_yes, y.on_yes);
        EXPECT_EQ(x.on_no, y.on_no);
        break;
      case StepKind::kWebhook:
        EXPECT_EQ(x.url, y.url);
        break;
      case StepKind::kEnd:
        break;
    }
  }
}

void ExpectSameDefinition(const CampaignDefinition& a, const CampaignDefinition& b) {
  EXPECT_EQ(a.name, b.name);
  ExpectSameSettings(a.settings, b.settings);
  ExpectSameSequence(a.sequence, b.sequence);
}

// Parses, then checks that the canonical JSON parses back to the same definition and is a
// fixed point.
CampaignDefinition ParseAndRoundTrip(std::string_view text) {
  Result<CampaignDefinition> parsed = ParseCampaignJson(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return {};
  for (bool pretty : {false, true}) {
    const std::string canonical = ToJson(*parsed, pretty);
    Result<CampaignDefinition> again = ParseCampaignJson(canonical);
    EXPECT_TRUE(again.ok()) << again.status() << "\n" << canonical;
    if (!again.ok()) return *parsed;
    ExpectSameDefinition(*parsed, *again);
    EXPECT_EQ(ToJson(*again, pretty), canonical);
  }
  return *parsed;
}

std::string ErrorOf(std::string_view text) {
  Result<CampaignDefinition> parsed = ParseCampaignJson(text);
  EXPECT_FALSE(parsed.ok()) << "parsed:\n" << text;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(ToStd(parsed.status().message()));
}

// The example of the format, in JSON.
constexpr std::string_view kFull = R"json({
  "name": "Q1 founders",
  "kind": "sequence",
  "audience": {"lists": ["leads"], "filter": [{"field": "country", "op": "eq", "value": "US"}]},
  "senders": ["alice", "bob"],
  "calendar": {
    "window": "Mon-Fri 09:00-17:00",
    "zone": "recipient",
    "default_zone": "America/New_York",
    "weekends": "country",
    "holidays": "recipient_country",
    "public_holidays_only": false,
    "blackout_dates": ["2026-12-24"]
  },
  "stop": {"on_reply": true, "on_company_reply": false, "on_conversion": true,
           "on_accepted": false},
  "missing_data": "skip",
  "allow_in_other_campaigns": false,
  "new_contacts_per_day": 50,
  "start_at": "2027-01-04T09:00:00Z",
  "steps": [
    {"send": "email", "template": "intro"},
    {"send": "email", "template": "follow-up", "after": "3 business days",
     "same_thread": true},
    {"id": "opened-check", "if": "opened", "within": "3 days", "then": "bump", "else": "end"},
    {"id": "bump", "wait": "2 days"},
    {"send": "linkedin_invite", "template": "invite", "on_failure": "continue"},
    {"webhook": "https://hooks.example.com/x"},
    "end"
  ]
})json";

TEST(CampaignJson, ParsesTheFullExample) {
  const CampaignDefinition d = ParseAndRoundTrip(kFull);
  EXPECT_EQ(d.name, "Q1 founders");
  const CampaignSettings& s = d.settings;
  EXPECT_EQ(s.kind, CampaignKind::kSequence);
  EXPECT_EQ(s.audience.lists, std::vector<std::string>{"leads"});
  ASSERT_EQ(s.audience.filters.size(), 1u);
  EXPECT_EQ(s.audience.filters[0].field, "country");
  EXPECT_EQ(s.audience.filters[0].op, sequence::FieldFilter::Op::kEquals);
  EXPECT_EQ(s.audience.filters[0].value, "US");
  EXPECT_EQ(s.senders, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(s.calendar.window, calendar::SendWindow::BusinessHours());
  EXPECT_EQ(s.default_zone, "America/New_York");
  ASSERT_EQ(s.calendar.blackout_dates.size(), 1u);
  EXPECT_EQ(s.calendar.blackout_dates[0], date::year(2026) / 12 / 24);
  EXPECT_EQ(s.new_contacts_per_day, 50);
  ASSERT_TRUE(s.start_at.has_value());
  EXPECT_EQ(FormatRfc3339(*s.start_at), "2027-01-04T09:00:00Z");

  const std::vector<Step>& steps = d.sequence.steps;
  ASSERT_EQ(steps.size(), 7u);
  EXPECT_EQ(steps[0].id, "step1");
  EXPECT_EQ(steps[0].kind, StepKind::kSend);
  EXPECT_EQ(steps[0].channel, templating::Channel::kEmail);
  ASSERT_EQ(steps[0].variants.size(), 1u);
  EXPECT_EQ(steps[0].variants[0].name, "A");
  EXPECT_EQ(steps[0].variants[0].template_name, "intro");
  EXPECT_EQ(steps[0].variants[0].weight, 1);
  EXPECT_EQ(steps[0].delay, calendar::DelayRule{});
  EXPECT_EQ(steps[1].id, "step2");
  EXPECT_EQ(steps[1].delay, Delay("3 business days"));
  EXPECT_TRUE(steps[1].same_thread);
  EXPECT_EQ(steps[2].id, "opened-check");
  EXPECT_EQ(steps[2].kind, StepKind::kCondition);
  EXPECT_EQ(steps[2].condition, ConditionKind::kOpened);
  EXPECT_EQ(steps[2].within, std::chrono::hours(72));
  EXPECT_EQ(steps[2].on_yes, "bump");
  EXPECT_EQ(steps[2].on_no, "");
  EXPECT_EQ(steps[3].kind, StepKind::kWait);
  EXPECT_EQ(steps[3].delay, Delay("2 days"));
  EXPECT_EQ(steps[4].id, "step5");
  EXPECT_EQ(steps[4].channel, templating::Channel::kLinkedInInvite);
  EXPECT_EQ(steps[4].on_failure, sequence::FailurePolicy::kContinue);
  EXPECT_EQ(steps[5].kind, StepKind::kWebhook);
  EXPECT_EQ(steps[5].url, "https://hooks.example.com/x");
  EXPECT_EQ(steps[5].on_failure, sequence::FailurePolicy::kContinue) << "a webhook's default";
  EXPECT_EQ(steps[6].kind, StepKind::kEnd);
  EXPECT_EQ(steps[6].id, "step7");
}

TEST(CampaignJson, AWebhookStepMayStopTheEnrollmentWhenItFails) {
  const CampaignDefinition d = ParseAndRoundTrip(R"({"name": "n", "steps": [
    {"send": "email", "template": "intro"},
    {"webhook": "https://hooks.example.com/x", "on_failure": "stop"}]})");
  ASSERT_EQ(d.sequence.steps.size(), 2u);
  EXPECT_EQ(d.sequence.steps[1].on_failure, sequence::FailurePolicy::kStop);
  const std::string json = SequenceToJson(d.sequence);
  EXPECT_THAT(json, HasSubstr(R"("on_failure":"stop")"));
}

TEST(CampaignJson, DefaultsOfAMinimalDefinition) {
  const CampaignDefinition d =
      ParseAndRoundTrip(R"({"name": "n", "steps": [{"send": "email", "template": "intro"}]})");
  const CampaignSettings defaults;
  ExpectSameSettings(d.settings, defaults);
  EXPECT_EQ(d.settings.kind, CampaignKind::kSequence);
  EXPECT_EQ(d.settings.default_zone, "UTC");
  EXPECT_EQ(d.settings.calendar.window, calendar::SendWindow::BusinessHours());
  EXPECT_EQ(d.settings.calendar.holidays, calendar::HolidayPolicy::kRecipientCountry);
  EXPECT_TRUE(d.settings.stop.on_reply);
  EXPECT_FALSE(d.settings.stop.on_company_reply);
  EXPECT_TRUE(d.settings.stop.on_conversion);
  EXPECT_FALSE(d.settings.stop.on_accepted);
  EXPECT_EQ(d.settings.missing_data, CampaignSettings::MissingData::kSkip);
  EXPECT_FALSE(d.settings.new_contacts_per_day.has_value());
  EXPECT_FALSE(d.settings.start_at.has_value());
  ASSERT_EQ(d.sequence.steps.size(), 1u);
  EXPECT_EQ(d.sequence.steps[0].id, "step1");
  EXPECT_EQ(d.sequence.steps[0].on_failure, sequence::FailurePolicy::kStop);
  EXPECT_FALSE(d.sequence.steps[0].same_thread);
}

TEST(CampaignJson, CanonicalJsonIsStableAndExplicit) {
  Result<CampaignDefinition> d =
      ParseCampaignJson(R"({"name": "n", "steps": [{"send": "email", "template": "intro"}]})");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(ToJson(*d),
            R"({"name":"n","kind":"sequence","audience":{"lists":[],"filter":[]},"senders":[],)"
            R"("calendar":{"window":"Mon-Fri 09:00-17:00","zone":"recipient",)"
            R"("default_zone":"UTC","weekends":"country","holidays":"recipient_country",)"
            R"("public_holidays_only":false,"blackout_dates":[]},"stop":{"on_reply":true,)"
            R"("on_company_reply":false,"on_conversion":true,"on_accepted":false},)"
            R"("missing_data":"skip","allow_in_other_campaigns":false,)"
            R"("track_opens":true,"track_clicks":true,)"
            R"("new_contacts_per_day":null,"start_at":null,)"
            R"("steps":[{"id":"step1","send":"email","template":"intro"}]})");
  EXPECT_THAT(ToJson(*d, true), HasSubstr("{\n  \"name\": \"n\",\n  \"kind\": \"sequence\""));
}

// A definition built in code with every field away from its default.
CampaignDefinition Everything() {
  CampaignDefinition d;
  d.name = "Everything \"quoted\" ✓";
  CampaignSettings& s = d.settings;
  s.kind = CampaignKind::kSequence;
  s.audience.lists = {"leads", "Trade show 2026"};
  s.audience.filters = {{"country", sequence::FieldFilter::Op::kNotEquals, "DE"},
                        {"custom.industry", sequence::FieldFilter::Op::kContains, "SaaS"},
                        {"title", sequence::FieldFilter::Op::kNotEmpty, ""}};
  s.senders = {"alice@acme.com", "bob@acme.com"};
  s.calendar.window =
      *calendar::SendWindow::Parse("Mon-Thu 09:00-12:00,14:00-17:30; Fri 09:00-12:00");
  s.calendar.zone_choice = calendar::CalendarOptions::ZoneChoice::kSender;
  s.calendar.weekend = calendar::WeekendPolicy::kWindowOnly;
  s.calendar.holidays = calendar::HolidayPolicy::kFixedCountry;
  s.calendar.fixed_holiday_country = "DE";
  s.calendar.public_holidays_only = true;
  s.calendar.blackout_dates = {date::year(2026) / 12 / 24, date::year(2026) / 12 / 31};
  s.default_zone = "Europe/Berlin";
  s.stop = {false, true, false, true};
  s.missing_data = CampaignSettings::MissingData::kHold;
  s.allow_in_other_campaigns = true;
  s.track_opens = false;
  s.track_clicks = false;
  s.new_contacts_per_day = 25;
  s.start_at = FromUnixMicros(1'799'999'999'123'456);

  Step first;
  first.id = "first";
  first.channel = templating::Channel::kEmail;
  first.variants = {{"A", "intro-a", TemplateId(7), 3, 70}, {"B", "intro-b", TemplateId(), 0, 30}};
  first.on_failure = sequence::FailurePolicy::kContinue;
  first.delay = Delay("1 day at 08:30");
  Step check;
  check.id = "clicked";
  check.kind = StepKind::kCondition;
  check.condition = ConditionKind::kClicked;
  check.within = std::chrono::hours(36);
  check.on_yes = "hook";
  check.on_no = "second";
  Step second;
  second.id = "second";
  second.channel = templating::Channel::kEmail;
  second.variants = {{"only", "bump", TemplateId(), 0, 1}};
  second.same_thread = true;
  second.delay = Delay("90 minutes");
  second.next = "done";
  Step hook;
  hook.id = "hook";
  hook.kind = StepKind::kWebhook;
  hook.url = "https://hooks.example.com/x?a=1";
  Step wait;
  wait.id = "pause";
  wait.kind = StepKind::kWait;
  wait.delay = Delay("4h");
  Step sms;
  sms.id = "sms";
  sms.channel = templating::Channel::kSms;
  sms.variants = {{"A", "sms-1", TemplateId(), 0, 1}};
  Step done;
  done.id = "done";
  done.kind = StepKind::kEnd;
  d.sequence.steps = {first, check, second, hook, wait, sms, done};
  return d;
}

TEST(CampaignJson, RoundTripsEveryField) {
  const CampaignDefinition d = Everything();
  for (bool pretty : {false, true}) {
    const std::string text = ToJson(d, pretty);
    Result<CampaignDefinition> parsed = ParseCampaignJson(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
    ExpectSameDefinition(d, *parsed);
    EXPECT_EQ(ToJson(*parsed, pretty), text);
  }
  const std::string text = ToJson(d);
  EXPECT_THAT(text, HasSubstr(R"("start_at":"2027-01-15T07:59:59.123456Z")"));
  EXPECT_THAT(text, HasSubstr(R"("within":"36 hours")"));
  EXPECT_THAT(text, HasSubstr(R"({"name":"A","template":"intro-a","template_id":7,"version":3,)"
                              R"("weight":70})"));
  EXPECT_THAT(text, HasSubstr(R"("holiday_country":"DE")"));
  EXPECT_THAT(text, HasSubstr(R"({"id":"done","end":true})"));
}

TEST(CampaignJson, PartsRoundTripSeparately) {
  const CampaignDefinition d = Everything();
  const std::string settings_json = SettingsToJson(d.settings);
  EXPECT_THAT(settings_json, Not(HasSubstr("\"steps\"")));
  EXPECT_THAT(settings_json, Not(HasSubstr("\"name\"")));
  Result<CampaignSettings> settings = ParseSettingsJson(settings_json);
  ASSERT_TRUE(settings.ok()) << settings.status();
  ExpectSameSettings(d.settings, *settings);
  EXPECT_EQ(SettingsToJson(*settings), settings_json);

  const std::string sequence_json = SequenceToJson(d.sequence);
  EXPECT_EQ(sequence_json.front(), '[');
  Result<Sequence> sequence = ParseSequenceJson(sequence_json, CampaignKind::kSequence);
  ASSERT_TRUE(sequence.ok()) << sequence.status();
  ExpectSameSequence(d.sequence, *sequence);
  EXPECT_EQ(SequenceToJson(*sequence), sequence_json);

  // The parts refuse what belongs to the other part, and report paths relative to the part.
  EXPECT_THAT(ParseSettingsJson(R"({"name": "x"})").status().message(),
              HasSubstr("name: unknown key"));
  EXPECT_THAT(
      ParseSettingsJson(R"({"calendar": {"window": "Mon-Fir 09:00-17:00"}})").status().message(),
      HasSubstr("calendar.window: send window"));
  EXPECT_THAT(ParseSequenceJson(R"([{"send": "email", "template": "a", "after": 3}])",
                                CampaignKind::kSequence)
                  .status()
                  .message(),
              HasSubstr("steps[0].after: expected a string like \"3 days\", got a number"));
  EXPECT_THAT(ParseSequenceJson(R"({"steps": []})", CampaignKind::kSequence).status().message(),
              HasSubstr("steps: expected a list of steps"));
  // The sequence part is checked with the kind it is given.
  EXPECT_THAT(
      ParseSequenceJson(R"([{"send": "email", "template": "a"}])", CampaignKind::kNetworking)
          .status()
          .message(),
      HasSubstr("steps[0].template: a networking campaign"));
  EXPECT_THAT(
      ParseSequenceJson(R"([{"wait": "2 days"}])", CampaignKind::kSequence).status().message(),
      HasSubstr("steps: a sequence needs at least one send step"));
}

TEST(CampaignJson, VariantsAndNext) {
  const CampaignDefinition d = ParseAndRoundTrip(R"({"name": "ab", "steps": [
      {"send": "email", "variants": [{"template": "a", "weight": 70},
                                     {"template": "b", "weight": 30},
                                     {"name": "control", "template": "c"}]},
      {"send": "email", "template": "x", "next": "last"},
      {"send": "email", "template": "skipped"},
      {"id": "last", "send": "email", "template": "y", "after": "2 days at 9:00"}]})");
  const Step& ab = d.sequence.steps[0];
  ASSERT_EQ(ab.variants.size(), 3u);
  EXPECT_EQ(ab.variants[0].name, "A");
  EXPECT_EQ(ab.variants[0].weight, 70);
  EXPECT_EQ(ab.variants[1].name, "B");
  EXPECT_EQ(ab.variants[2].name, "control");
  EXPECT_EQ(ab.variants[2].weight, 1);
  EXPECT_EQ(d.sequence.steps[1].next, "last");
  EXPECT_EQ(d.sequence.steps[3].delay.at_local_time, std::chrono::minutes(9 * 60));
}

TEST(CampaignJson, ConditionBranchLeftOutContinuesWithTheNextStep) {
  const CampaignDefinition d = ParseAndRoundTrip(R"({"name": "c", "steps": [
      {"send": "email", "template": "intro"},
      {"if": "replied", "within": "72 hours", "then": "end"},
      {"send": "email", "template": "bump"},
      {"if": "bounced", "within": "1 week", "else": "end"}]})");
  const Step& replied = d.sequence.steps[1];
  EXPECT_EQ(replied.on_yes, "");
  EXPECT_EQ(replied.on_no, "step3");
  EXPECT_EQ(replied.within, std::chrono::hours(72));
  const Step& bounced = d.sequence.steps[3];
  EXPECT_EQ(bounced.on_yes, "");  // the last step: continuing is the end
  EXPECT_EQ(bounced.on_no, "");
  EXPECT_EQ(bounced.within, std::chrono::hours(24 * 7));
  EXPECT_THAT(ToJson(d), HasSubstr(R"("within":"3 days","then":"end","else":"step3")"));
}

TEST(CampaignJson, ConnectorPreset) {
  const CampaignDefinition d = ParseAndRoundTrip(R"({"name": "li", "preset": {
      "name": "connector", "invite": "invite", "follow_ups": ["thanks", "case-study"],
      "accept_within": "10 days", "gap": "3 business days"}})");
  sequence::ConnectorPreset preset;
  preset.invite_template = "invite";
  preset.follow_up_templates = {"thanks", "case-study"};
  preset.accept_within = std::chrono::hours(240);
  preset.gap = Delay("3 business days");
  ExpectSameSequence(d.sequence, sequence::MakeConnector(preset));

  // Defaults: accept within 14 days, 2 business days between follow-ups.
  const CampaignDefinition defaults = ParseAndRoundTrip(
      R"({"name": "li", "preset": {"name": "connector", "invite": "i", "follow_ups": ["a", "b"]}})");
  preset = {};
  preset.invite_template = "i";
  preset.follow_up_templates = {"a", "b"};
  preset.gap = Delay("2 business days");
  ExpectSameSequence(defaults.sequence, sequence::MakeConnector(preset));
  EXPECT_EQ(defaults.sequence.steps[1].within, std::chrono::hours(24 * 14));
}

TEST(CampaignJson, MessengerPreset) {
  const CampaignDefinition d = ParseAndRoundTrip(
      R"({"name": "m", "preset": {"name": "messenger", "messages": ["m1", "m2", "m3"]}})");
  sequence::MessengerPreset preset;
  preset.message_templates = {"m1", "m2", "m3"};
  preset.gap = Delay("2 business days");
  ExpectSameSequence(d.sequence, sequence::MakeMessenger(preset));
}

TEST(CampaignJson, PresetErrors) {
  EXPECT_THAT(ErrorOf(R"({"name": "x", "preset": "connector"})"),
              HasSubstr("preset: expected an object like {name: connector"));
  EXPECT_THAT(ErrorOf(R"({"name": "x", "preset": {"invite": "i"}})"),
              HasSubstr("preset: a preset needs name: connector or messenger"));
  EXPECT_THAT(ErrorOf(R"({"name": "x", "preset": {"name": "spammer"}})"),
              HasSubstr("preset.name: expected connector or messenger, got \"spammer\""));
  EXPECT_THAT(ErrorOf(R"({"name": "x", "preset": {"name": "connector"}})"),
              HasSubstr("preset: the connector preset needs invite"));
  EXPECT_THAT(ErrorOf(R"({"name": "x", "preset": {"name": "messenger"}})"),
              HasSubstr("preset: the messenger preset needs messages"));
  EXPECT_THAT(ErrorOf(R"({"name": "x", "preset": {"name": "messenger", "messages": []}})"),
              HasSubstr("preset.messages: needs at least one template"));
  EXPECT_THAT(
      ErrorOf(
          R"({"name": "x", "preset": {"name": "messenger", "messages": ["a"], "invite": "i"}})"),
      HasSubstr("preset.invite: not a key of the messenger preset"));
  EXPECT_THAT(ErrorOf(R"({"name": "x", "preset": {"name": "connector", "invite": "i",
                          "gap": "0"}})"),
              HasSubstr("preset.gap: must be more than 0"));
  EXPECT_THAT(ErrorOf(R"({"name": "x", "preset": {"name": "connector", "invite": "i",
                          "accept_within": "forever"}})"),
              HasSubstr("preset.accept_within: expected a duration like"));
  EXPECT_THAT(ErrorOf(R"({"name": "x", "preset": {"name": "connector", "invte": "i"}})"),
              HasSubstr("preset.invte: unknown key (did you mean \"invite\"?)"));
  EXPECT_THAT(ErrorOf(R"({"name": "x", "kind": "networking",
                          "preset": {"name": "messenger", "messages": ["a"]}})"),
              HasSubstr("preset: presets send templates"));
  EXPECT_THAT(ErrorOf(R"({"name": "x", "steps": [], "preset": {"name": "messenger"}})"),
              HasSubstr("preset: use either steps or preset, not both"));
}

TEST(CampaignJson, NetworkingCampaign) {
  const CampaignDefinition d = ParseAndRoundTrip(R"({
    "name": "Conference intros", "kind": "networking",
    "audience": {"lists": ["websummit"]},
    "senders": ["carol"],
    "steps": [
      {"send": "linkedin_invite", "message_field": "invite_note"},
      {"if": "accepted", "within": "2 weeks", "else": "end"},
      {"send": "linkedin_message", "message_field": "intro_message", "after": "1 day"},
      {"send": "email", "message_field": "email_body", "subject_field": "email_subject",
       "after": "3 business days"}
    ]})");
  EXPECT_EQ(d.settings.kind, CampaignKind::kNetworking);
  const Step& invite = d.sequence.steps[0];
  EXPECT_TRUE(invite.variants.empty());
  EXPECT_EQ(invite.message_field, "invite_note");
  EXPECT_EQ(d.sequence.steps[1].on_yes, "step3");
  EXPECT_EQ(d.sequence.steps[3].subject_field, "email_subject");

  EXPECT_THAT(ErrorOf(R"({"name": "n", "kind": "networking", "steps": [
                          {"send": "email", "message_field": "body"}]})"),
              HasSubstr("steps[0]: a networking email step needs subject_field"));
  EXPECT_THAT(ErrorOf(R"({"name": "n", "kind": "networking", "steps": [
                          {"send": "sms"}]})"),
              HasSubstr("steps[0]: a networking send step needs message_field"));
  EXPECT_THAT(ErrorOf(R"({"name": "n", "kind": "networking", "steps": [
                          {"send": "sms", "message_field": "m", "variants": []}]})"),
              HasSubstr("steps[0].variants: a networking campaign sends each contact's own text"));
  EXPECT_THAT(ErrorOf(R"({"name": "n", "kind": "networking", "steps": [
                          {"send": "sms", "message_field": "m", "subject_field": "s"}]})"),
              HasSubstr("steps[0].subject_field: only for email steps"));
  EXPECT_THAT(ErrorOf(R"({"name": "n", "steps": [
                          {"send": "email", "template": "t", "message_field": "m"}]})"),
              HasSubstr("steps[0].message_field: only in networking campaigns"));
}

struct ErrorCase {
  const char* json;
  const char* message;
};

// One case per problem the parser reports (Check's own are below).
const ErrorCase kErrors[] = {
    // The document.
    {R"([])", "expected an object with name, steps and the campaign's settings, got a list"},
    {R"("campaign")", "got the string \"campaign\""},
    {R"({"steps": [{"send": "email", "template": "t"}]})", "name: required"},
    {R"({"name": ""})", "name: must not be empty"},
    {R"({"name": 7})", "name: expected the campaign's name, got a number"},
    {R"({"name": "n"})", "steps: required: the campaign's steps (or a preset)"},
    {R"({"name": "n", "nmae": "x"})", "nmae: unknown key (did you mean \"name\"?); expected name"},
    {R"({"name": "n", "name": "m"})", "name: duplicate key"},
    {R"({"name": "n", "calendar": {"zone": "sender", "zone": "sender"}})",
     "calendar.zone: duplicate key"},
    {R"({"name": "n", "steps": [{"send": "email", "template": "a"}, {"wait": "1 day",
        "wait": "2 days"}]})",
     "steps[1].wait: duplicate key"},
    {R"({"name": "n", "x\ny": 1})", "[\"x\\ny\"]: unknown key"},
    {R"({"name": "n",)", "invalid JSON at line 1, column 14"},
    {R"({"name": "n", "kind": "blast"})", "kind: expected sequence or networking, got \"blast\""},
    // Audience.
    {R"({"name": "n", "audience": ["leads"]})", "audience: expected an object like"},
    {R"({"name": "n", "audience": {"list": ["leads"]}})",
     "audience.list: unknown key (did you mean \"lists\"?)"},
    {R"({"name": "n", "audience": {"lists": "leads"}})",
     "audience.lists: expected a list of list names, got the string \"leads\""},
    {R"({"name": "n", "audience": {"lists": ["a", 3]}})",
     "audience.lists[1]: expected a list name, got a number"},
    {R"({"name": "n", "audience": {"lists": ["a", "a"]}})",
     "audience.lists[1]: duplicate \"a\" (also [0])"},
    {R"({"name": "n", "audience": {"filter": {"field": "country"}}})",
     "audience.filter: expected a list of conditions"},
    {R"({"name": "n", "audience": {"filter": [{"op": "eq", "value": "US"}]}})",
     "audience.filter[0]: a condition needs field"},
    {R"({"name": "n", "audience": {"filter": [{"field": "nation", "value": "US"}]}})",
     "audience.filter[0].field: unknown field \"nation\"; expected email, first_name"},
    {R"({"name": "n", "audience": {"filter": [{"field": "custom.", "value": "US"}]}})",
     "audience.filter[0].field: unknown field \"custom.\""},
    {R"({"name": "n", "audience": {"filter": [{"field": "country", "op": "=", "value": "US"}]}})",
     "audience.filter[0].op: expected eq, ne, contains, empty or not_empty, got \"=\""},
    {R"({"name": "n", "audience": {"filter": [{"field": "country"}]}})",
     "audience.filter[0]: op eq needs a value"},
    {R"({"name": "n", "audience": {"filter": [{"field": "country", "value": ""}]}})",
     "audience.filter[0].value: must not be empty; to match an empty field use op: empty"},
    {R"({"name": "n", "audience": {"filter": [{"field": "title", "op": "empty", "value": "x"}]}})",
     "audience.filter[0].value: op empty takes no value"},
    {R"({"name": "n", "audience": {"filter": [{"field": "custom.size", "value": 50}]}})",
     "audience.filter[0].value: expected a string like \"US\", got a number"},
    // Senders.
    {R"({"name": "n", "senders": "alice"})",
     "senders: expected a list of sender account names, got the string \"alice\""},
    {R"({"name": "n", "senders": [""]})", "senders[0]: must not be empty"},
    // Calendar.
    {R"({"name": "n", "calendar": "Mon-Fri 09:00-17:00"})",
     "calendar: expected an object like {window: \"Mon-Fri 09:00-17:00\"}, got the string"},
    {R"({"name": "n", "calendar": {"window": "Mon-Fir 09:00-17:00"}})",
     "calendar.window: send window \"Mon-Fir 09:00-17:00\" column 5"},
    {R"({"name": "n", "calendar": {"window": 9}})",
     "calendar.window: expected a string like \"Mon-Fri 09:00-17:00\", got a number"},
    {R"({"name": "n", "calendar": {"zone": "local"}})",
     "calendar.zone: expected recipient or sender, got \"local\""},
    {R"({"name": "n", "calendar": {"default_zone": "Mars/Olympus"}})",
     "calendar.default_zone: unknown time zone \"Mars/Olympus\""},
    {R"({"name": "n", "calendar": {"weekends": "none"}})",
     "calendar.weekends: expected country or window"},
    {R"({"name": "n", "calendar": {"holidays": "DE"}})",
     "calendar.holidays: expected recipient_country, fixed_country or none"},
    {R"({"name": "n", "calendar": {"holidays": "fixed_country"}})",
     "calendar.holidays: fixed_country needs holiday_country (e.g. DE)"},
    {R"({"name": "n", "calendar": {"holiday_country": "DE"}})",
     "calendar.holiday_country: only with holidays: fixed_country"},
    {R"({"name": "n", "calendar": {"holidays": "fixed_country", "holiday_country": "XX"}})",
     "calendar.holiday_country: no holiday data for \"XX\""},
    {R"({"name": "n", "calendar": {"public_holidays_only": "yes"}})",
     "calendar.public_holidays_only: expected true or false, got the string \"yes\""},
    {R"({"name": "n", "calendar": {"blackout_dates": "2026-12-24"}})",
     "calendar.blackout_dates: expected a list of dates like [\"2026-12-24\"]"},
    {R"({"name": "n", "calendar": {"blackout_dates": ["2026-02-30"]}})",
     "calendar.blackout_dates[0]: expected a date like \"2026-12-24\", got \"2026-02-30\""},
    {R"({"name": "n", "calendar": {"blackout_dates": ["24.12.2026"]}})",
     "calendar.blackout_dates[0]: expected a date like \"2026-12-24\", got \"24.12.2026\""},
    // Stop rules and the rest.
    {R"({"name": "n", "stop": true})", "stop: expected an object like {on_reply: true}, got true"},
    {R"({"name": "n", "stop": {"on_replies": true}})",
     "stop.on_replies: unknown key (did you mean \"on_reply\"?)"},
    {R"({"name": "n", "stop": {"on_reply": 1}})", "stop.on_reply: expected true or false"},
    {R"({"name": "n", "missing_data": "ignore"})",
     "missing_data: expected skip, send or hold, got \"ignore\""},
    {R"({"name": "n", "allow_in_other_campaigns": "false"})",
     "allow_in_other_campaigns: expected true or false, got the string \"false\""},
    {R"({"name": "n", "new_contacts_per_day": 0})",
     "new_contacts_per_day: expected a whole number from 1 to 1000000, got 0"},
    {R"({"name": "n", "new_contacts_per_day": 2.5})",
     "new_contacts_per_day: expected a whole number from 1 to 1000000, got 2.5"},
    {R"({"name": "n", "new_contacts_per_day": 18446744073709551615})",
     "new_contacts_per_day: expected a whole number from 1 to 1000000, got "
     "18446744073709551615"},
    {R"({"name": "n", "new_contacts_per_day": "50"})",
     "new_contacts_per_day: expected a whole number from 1 to 1000000, got the string \"50\""},
    {R"({"name": "n", "start_at": "2027-01-04 09:00"})",
     "start_at: expected an RFC 3339 time like \"2027-01-04T09:00:00Z\""},
    {R"({"name": "n", "start_at": "2027-01-04T09:00:00"})", "start_at: expected an RFC 3339"},
    {R"({"name": "n", "start_at": "2027-01-04T25:00:00Z"})", "start_at: expected an RFC 3339"},
    {R"({"name": "n", "start_at": "2027-01-04T09:00:00.1234567Z"})",
     "start_at: expected an RFC 3339"},
    {R"({"name": "n", "start_at": 1799999999})",
     "start_at: expected an RFC 3339 time like \"2027-01-04T09:00:00Z\", got a number"},
    // Steps.
    {R"({"name": "n", "steps": {"send": "email"}})", "steps: expected a list of steps"},
    {R"({"name": "n", "steps": [42]})",
     "steps[0]: expected a step (an object with send, wait, if or webhook) or \"end\", got a "
     "number"},
    {R"({"name": "n", "steps": ["stop"]})", "steps[0]: expected a step"},
    {R"({"name": "n", "steps": [{"template": "x"}]})",
     "steps[0]: a step needs one of send, wait, if, webhook or end"},
    {R"({"name": "n", "steps": [{"send": "email", "wait": "1 day"}]})",
     "steps[0]: one step cannot be both \"send\" and \"wait\"; make them two steps"},
    {R"({"name": "n", "steps": [{"send": "mail", "template": "t"}]})",
     "steps[0].send: expected email, linkedin_invite, linkedin_message or sms, got \"mail\""},
    {R"({"name": "n", "steps": [{"send": "email"}]})",
     "steps[0]: a send step needs template (or variants for an A/B test)"},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t", "variants": []}]})",
     "steps[0].variants: use either template or variants, not both"},
    {R"({"name": "n", "steps": [{"send": "email", "template": ""}]})",
     "steps[0].template: must not be empty"},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t", "after": 3}]})",
     "steps[0].after: expected a string like \"3 days\", got a number"},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t", "after": "3 dayz"}]})",
     "steps[0].after: delay \"3 dayz\" column 3: unknown unit \"dayz\""},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t", "afterr": "3 days"}]})",
     "steps[0].afterr: unknown key (did you mean \"after\"?); a send step has id, send"},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t", "within": "3 days"}]})",
     "steps[0].within: \"within\" goes with if steps, not send steps"},
    {R"({"name": "n", "steps": [{"send": "sms", "template": "t", "same_thread": true}]})",
     "steps[0].same_thread: only for email steps"},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t", "same_thread": "yes"}]})",
     "steps[0].same_thread: expected true or false"},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t", "on_failure": "retry"}]})",
     "steps[0].on_failure: expected stop or continue, got \"retry\""},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t", "next": "end"}]})",
     "steps[0].next: \"end\" is not a step id here"},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t", "next": 2}]})",
     "steps[0].next: expected a step id, got a number"},
    {R"({"name": "n", "steps": [{"id": "end", "send": "email", "template": "t"}]})",
     "steps[0].id: \"end\" is reserved"},
    {R"({"name": "n", "steps": [{"id": 1, "send": "email", "template": "t"}]})",
     "steps[0].id: expected a step id like \"follow-up\", got a number"},
    // Variants.
    {R"({"name": "n", "steps": [{"send": "email", "variants": {"A": "x"}}]})",
     "steps[0].variants: expected a list like [{name: A, template: intro-a, weight: 50}], got an "
     "object"},
    {R"({"name": "n", "steps": [{"send": "email", "variants": []}]})",
     "steps[0].variants: expected 1 to 26 variants, got 0"},
    {R"({"name": "n", "steps": [{"send": "email", "variants": ["a"]}]})",
     "steps[0].variants[0]: expected a variant like {name: A, template: intro-a}, got the string"},
    {R"({"name": "n", "steps": [{"send": "email", "variants": [{"weight": 2}]}]})",
     "steps[0].variants[0]: a variant needs template"},
    {R"({"name": "n", "steps": [{"send": "email", "variants": [{"template": "a", "weight": 0}]}]})",
     "steps[0].variants[0].weight: expected a whole number from 1 to 1000000, got 0"},
    {R"({"name": "n", "steps": [{"send": "email", "variants": [{"template": "a", "wieght": 2}]}]})",
     "steps[0].variants[0].wieght: unknown key (did you mean \"weight\"?)"},
    {R"({"name": "n", "steps": [{"send": "email", "variants": [{"name": "X", "template": "a"},
        {"name": "X", "template": "b"}]}]})",
     "steps[0].variants[1].name: duplicate variant name \"X\" (also variants[0])"},
    {R"({"name": "n", "steps": [{"send": "email", "variants": [{"template": "a",
        "template_id": 0}]}]})",
     "steps[0].variants[0].template_id: expected a whole number from 1 to"},
    {R"({"name": "n", "steps": [{"send": "email", "variants": [{"template": "a",
        "version": -1}]}]})",
     "steps[0].variants[0].version: expected a whole number from 0 to 2147483647, got -1"},
    // Wait, condition, webhook, end.
    {R"({"name": "n", "steps": [{"wait": 2}]})",
     "steps[0].wait: expected a string like \"3 days\", got a number"},
    {R"({"name": "n", "steps": [{"wait": "2 days", "after": "1 day"}]})",
     "steps[0].after: \"after\" goes with send steps, not wait steps"},
    {R"({"name": "n", "steps": [{"if": "read", "then": "end"}]})",
     "steps[0].if: expected opened, clicked, replied, accepted or bounced, got \"read\""},
    {R"({"name": "n", "steps": [{"if": "replied"}]})", "steps[0]: a condition needs then or else"},
    {R"({"name": "n", "steps": [{"if": "replied", "within": 3, "then": "end"}]})",
     "steps[0].within: expected a string like \"3 days\" or \"72 hours\", got a number"},
    {R"({"name": "n", "steps": [{"if": "replied", "within": "3 fortnights", "then": "end"}]})",
     "steps[0].within: expected a duration like \"3 days\" or \"72 hours\" (hours, days or "
     "weeks), got \"3 fortnights\""},
    {R"({"name": "n", "steps": [{"if": "replied", "within": "0 days", "then": "end"}]})",
     "steps[0].within: must be from 1 hour to 400 days, got \"0 days\""},
    {R"({"name": "n", "steps": [{"if": "replied", "within": "401 days", "then": "end"}]})",
     "steps[0].within: must be from 1 hour to 400 days"},
    {R"({"name": "n", "steps": [{"if": "replied", "then": ""}]})",
     "steps[0].then: must not be "
     "empty"},
    {R"({"name": "n", "steps": [{"if": "replied", "then": "end", "next": "x"}]})",
     "steps[0].next: \"next\" goes with send steps, not if steps"},
    {R"({"name": "n", "steps": [{"webhook": 5}]})",
     "steps[0].webhook: expected a URL like \"https://hooks.example.com/x\", got a number"},
    {R"({"name": "n", "steps": [{"end": false}]})", "steps[0].end: expected true"},
    {R"({"name": "n", "steps": [{"end": true, "next": "x"}]})",
     "steps[0].next: \"next\" goes with send steps, not end steps"},
};

TEST(CampaignJson, EveryParseErrorHasAPath) {
  for (const ErrorCase& c : kErrors) {
    SCOPED_TRACE(c.json);
    EXPECT_THAT(ErrorOf(c.json), HasSubstr(c.message));
  }
}

// Check's findings, under the file's key names.
const ErrorCase kCheckErrors[] = {
    {R"({"name": "n", "steps": [{"send": "email", "template": "t"},
        {"if": "opened", "then": "nowhere"}]})",
     "steps[1].then: no step has the id \"nowhere\""},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t"},
        {"if": "opened", "else": "nowhere"}]})",
     "steps[1].else: no step has the id \"nowhere\""},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t", "next": "nowhere"}]})",
     "steps[0].next: no step has the id \"nowhere\""},
    {R"({"name": "n", "steps": [{"send": "linkedin_invite", "template": "t"},
        {"if": "opened", "then": "end"}]})",
     "steps[1].if: \"opened\" needs an email send step before it on every path"},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t"}, {"wait": "0"}]})",
     "steps[1].wait: a wait step needs a positive delay"},
    {R"({"name": "n", "steps": [{"send": "email", "template": "t"},
        {"webhook": "ftp://example.com"}]})",
     "steps[1].webhook: must be an http:// or https:// URL"},
    {R"({"name": "n", "steps": [{"id": "a", "send": "email", "template": "t"},
        {"id": "a", "send": "email", "template": "u"}]})",
     "steps[1].id: duplicate id \"a\" (also steps[0])"},
    {R"({"name": "n", "steps": [{"id": "Intro", "send": "email", "template": "t"}]})",
     "steps[0].id: \"Intro\" is not a valid id"},
    {R"({"name": "n", "steps": [{"id": "a", "send": "email", "template": "t"},
        {"send": "email", "template": "u", "next": "a"}]})",
     "steps[1].next: goes back to \"a\" (a -> step2 -> a)"},
    {R"({"name": "n", "steps": ["end"]})", "steps: a sequence needs at least one send step"},
    {R"({"name": "n", "steps": []})", "steps: a sequence needs at least one step"},
};

TEST(CampaignJson, CheckProblemsUseTheFileKeys) {
  for (const ErrorCase& c : kCheckErrors) {
    SCOPED_TRACE(c.json);
    EXPECT_THAT(ErrorOf(c.json), HasSubstr(c.message));
  }
}

TEST(CampaignJson, ReportsEveryProblemOneALine) {
  const std::string error = ErrorOf(R"({"name": "", "kind": "x", "senders": 3,
      "calendar": {"window": "never"}, "steps": [{"send": "email", "template": "t", "after": 3},
      {"wait": true}]})");
  EXPECT_THAT(error, HasSubstr("name: must not be empty"));
  EXPECT_THAT(error, HasSubstr("\nkind: expected sequence or networking"));
  EXPECT_THAT(error, HasSubstr("\nsenders: expected a list"));
  EXPECT_THAT(error, HasSubstr("\ncalendar.window: send window \"never\""));
  EXPECT_THAT(error, HasSubstr("\nsteps[0].after: expected a string"));
  EXPECT_THAT(error, HasSubstr("\nsteps[1].wait: expected a string"));
}

TEST(CampaignJson, SettingsProblemsDoNotHideCheckProblems) {
  const std::string error = ErrorOf(R"({"name": "n", "missing_data": "x", "steps": [
      {"send": "email", "template": "t", "next": "nowhere"}]})");
  EXPECT_THAT(error, HasSubstr("missing_data: expected skip"));
  EXPECT_THAT(error, HasSubstr("steps[0].next: no step has the id \"nowhere\""));
}

TEST(CampaignJson, AcceptsTheVariousSpellings) {
  const CampaignDefinition d = ParseAndRoundTrip(R"({"name": "n",
      "calendar": {"holidays": "fixed_country", "holiday_country": "de",
                   "blackout_dates": ["2026-12-31", "2026-12-24", "2026-12-31"]},
      "start_at": "2027-01-04T10:30:00.5+01:30",
      "steps": [{"send": "email", "template": "t"},
                {"if": "replied", "within": "36h", "then": "end"},
                {"send": "email", "template": "u", "after": "2bd"}]})");
  EXPECT_EQ(d.settings.calendar.fixed_holiday_country, "DE");
  EXPECT_EQ(
      d.settings.calendar.blackout_dates,
      (std::vector<date::year_month_day>{date::year(2026) / 12 / 24, date::year(2026) / 12 / 31}));
  EXPECT_EQ(FormatRfc3339(*d.settings.start_at), "2027-01-04T09:00:00.500000Z");
  EXPECT_EQ(d.sequence.steps[1].within, std::chrono::hours(36));
  EXPECT_EQ(d.sequence.steps[2].delay, Delay("2 business days"));
  // Null means "not set" for the optional settings.
  const CampaignDefinition nulls = ParseAndRoundTrip(
      R"({"name": "n", "new_contacts_per_day": null, "start_at": null,
          "steps": [{"send": "email", "template": "t"}]})");
  EXPECT_FALSE(nulls.settings.new_contacts_per_day.has_value());
  EXPECT_FALSE(nulls.settings.start_at.has_value());
}

TEST(CampaignJson, HostileInputGetsClearErrors) {
  // Deep nesting is refused before a tree is built.
  const std::string deep =
      StrCat("{\"name\": ", std::string(100000, '['), std::string(100000, ']'), "}");
  EXPECT_THAT(ErrorOf(deep), HasSubstr("nested deeper than 32 levels"));
  // Brackets inside strings do not count.
  const std::string brackets = StrCat(R"({"name": ")", std::string(100, '['),
                                      R"(", "steps": [{"send": "email", "template": "t"}]})");
  EXPECT_TRUE(ParseCampaignJson(brackets).ok());

  // Too many steps, variants, dates.
  std::string steps = R"({"name": "n", "steps": [)";
  for (int i = 0; i < 201; ++i)
    StrAppend(&steps, i ? "," : "", R"({"send":"email","template":"t"})");
  steps += "]}";
  EXPECT_THAT(ErrorOf(steps), HasSubstr("steps: at most 200 steps, got 201"));
  std::string variants = R"({"name": "n", "steps": [{"send": "email", "variants": [)";
  for (int i = 0; i < 27; ++i) StrAppend(&variants, i ? "," : "", R"({"template":"t"})");
  variants += "]}]}";
  EXPECT_THAT(ErrorOf(variants), HasSubstr("steps[0].variants: expected 1 to 26 variants, got 27"));
  std::string dates = R"({"name": "n", "calendar": {"blackout_dates": [)";
  for (int i = 0; i < 1001; ++i) StrAppend(&dates, i ? "," : "", "\"2026-12-24\"");
  dates += "]}}";
  EXPECT_THAT(ErrorOf(dates), HasSubstr("calendar.blackout_dates: at most 1000 dates, got 1001"));

  // Not an object, not JSON, not UTF-8, too big, empty.
  EXPECT_THAT(ErrorOf("42"), HasSubstr("expected an object"));
  EXPECT_THAT(ErrorOf("null"), HasSubstr("got null"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("invalid JSON"));
  EXPECT_THAT(ErrorOf("{\"name\": \"caf\xC3\"}"), HasSubstr("invalid JSON"));
  EXPECT_THAT(ErrorOf("{\"name\": \"n\"} trailing"), HasSubstr("invalid JSON"));
  EXPECT_THAT(ErrorOf(std::string(1024 * 1024 + 1, ' ')),
              HasSubstr("the definition is 1048577 bytes; at most 1048576"));
  EXPECT_THAT(ErrorOf(std::string("{\"name\": \"a\0b\"}", 15)), HasSubstr("invalid JSON"));

  // A long value is cut in messages; control characters are escaped.
  const std::string long_kind = StrCat(R"({"name": "n", "kind": ")", std::string(500, 'k'), "\"}");
  const std::string error = ErrorOf(long_kind);
  EXPECT_THAT(error, HasSubstr("kkk...\""));
  EXPECT_LT(error.size(), 400u);
  EXPECT_THAT(ErrorOf(R"({"name": "n", "kind": "a\nb"})"), HasSubstr(R"("a\nb")"));
  EXPECT_THAT(ErrorOf(StrCat(R"({"name": ")", std::string(201, 'n'), "\"}")),
              HasSubstr("name: at most 200 bytes, got 201"));
}

TEST(CampaignJson, ToJsonNeverThrowsOnBadUtf8) {
  CampaignDefinition d;
  d.name = "bad \xFF name";
  const std::string text = ToJson(d);
  EXPECT_THAT(text, HasSubstr("bad \xEF\xBF\xBD name"));
}

}  // namespace
}  // namespace cadent
