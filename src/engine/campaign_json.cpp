// Campaign definitions as JSON (docs/CAMPAIGNS.md). Parsing is two-layered: the text becomes
// a nlohmann tree (size, nesting and duplicate keys checked on the way), then the tree is
// read into the model, every problem collected with its path. sequence::Check runs on the
// steps once they read cleanly (before that its findings would mostly echo the parse
// problems), and its paths are translated to the file's key names.
#include "engine/campaign_json.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"

namespace cadent {
namespace {

using nlohmann::json;
using OrderedJson = nlohmann::ordered_json;
using sequence::CampaignKind;
using sequence::CampaignSettings;
using sequence::Problem;
using sequence::Sequence;
using sequence::Step;
using sequence::StepKind;
using sequence::Variant;
using Problems = std::vector<Problem>;
using Keys = std::span<const std::string_view>;

// Limits: a definition is written by a person or a program, and nothing a person writes
// comes near these; a program that does gets a clear error instead of a slow engine.
constexpr size_t kMaxJsonBytes = size_t{1024} * 1024;
constexpr int kMaxDepth = 32;
constexpr size_t kMaxSteps = 200;
constexpr size_t kMaxVariants = 26;  // named A..Z by default
constexpr size_t kMaxLists = 100;
constexpr size_t kMaxFilters = 50;
constexpr size_t kMaxSenders = 500;
constexpr size_t kMaxBlackoutDates = 1000;
constexpr size_t kMaxPresetTemplates = 20;
constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxStringBytes = 2048;
constexpr int64_t kMaxWeight = 1'000'000;
constexpr int64_t kMaxNewContactsPerDay = 1'000'000;
constexpr int64_t kMaxWithinHours = int64_t{400} * 24;
constexpr std::string_view kEnd = "end";

// ---------------------------------------------------------------------------------------
// Names of the enums in the file

constexpr std::array<std::string_view, 4> kChannelNames = {"email", "linkedin_invite",
                                                           "linkedin_message", "sms"};
constexpr std::array<std::string_view, 2> kKindNames = {"sequence", "networking"};
constexpr std::array<std::string_view, 5> kConditionNames = {"opened", "clicked", "replied",
                                                             "accepted", "bounced"};
constexpr std::array<std::string_view, 2> kFailureNames = {"stop", "continue"};
constexpr std::array<std::string_view, 5> kFilterOpNames = {"eq", "ne", "contains", "empty",
                                                            "not_empty"};
constexpr std::array<std::string_view, 3> kMissingDataNames = {"skip", "send", "hold"};
constexpr std::array<std::string_view, 2> kZoneNames = {"recipient", "sender"};
constexpr std::array<std::string_view, 2> kWeekendNames = {"country", "window"};
constexpr std::array<std::string_view, 3> kHolidayNames = {"recipient_country", "fixed_country",
                                                           "none"};
constexpr std::array<std::string_view, 2> kPresetNames = {"connector", "messenger"};
// Contact fields an audience filter may name (besides custom.<name>).
constexpr std::array<std::string_view, 9> kFilterFields = {"email", "first_name",   "company",
                                                           "title", "country",      "time_zone",
                                                           "phone", "linkedin_url", "status"};

// Keys of each object. The settings keys are those of the whole definition but name, steps
// and preset.
constexpr std::array<std::string_view, 14> kDefinitionKeys = {"name",
                                                              "kind",
                                                              "audience",
                                                              "senders",
                                                              "calendar",
                                                              "stop",
                                                              "missing_data",
                                                              "allow_in_other_campaigns",
                                                              "track_opens",
                                                              "track_clicks",
                                                              "new_contacts_per_day",
                                                              "start_at",
                                                              "steps",
                                                              "preset"};
constexpr std::array<std::string_view, 11> kSettingsKeys = {"kind",
                                                            "audience",
                                                            "senders",
                                                            "calendar",
                                                            "stop",
                                                            "missing_data",
                                                            "allow_in_other_campaigns",
                                                            "track_opens",
                                                            "track_clicks",
                                                            "new_contacts_per_day",
                                                            "start_at"};
constexpr std::array<std::string_view, 2> kAudienceKeys = {"lists", "filter"};
constexpr std::array<std::string_view, 3> kFilterKeys = {"field", "op", "value"};
constexpr std::array<std::string_view, 8> kCalendarKeys = {"window",
                                                           "zone",
                                                           "default_zone",
                                                           "weekends",
                                                           "holidays",
                                                           "holiday_country",
                                                           "public_holidays_only",
                                                           "blackout_dates"};
constexpr std::array<std::string_view, 4> kStopKeys = {"on_reply", "on_company_reply",
                                                       "on_conversion", "on_accepted"};
constexpr std::array<std::string_view, 5> kVariantKeys = {"name", "template", "template_id",
                                                          "version", "weight"};
constexpr std::array<std::string_view, 6> kPresetKeys = {"name",          "invite", "follow_ups",
                                                         "accept_within", "gap",    "messages"};
constexpr std::array<std::string_view, 5> kConnectorKeys = {"name", "invite", "follow_ups",
                                                            "accept_within", "gap"};
constexpr std::array<std::string_view, 3> kMessengerKeys = {"name", "messages", "gap"};

// Steps: the action key says what a step is; each kind has its own keys.
constexpr std::array<std::string_view, 5> kActions = {"send", "wait", "if", "webhook", "end"};
constexpr std::array<std::string_view, 10> kSendKeys = {
    "id",    "send",        "template",   "variants", "message_field", "subject_field",
    "after", "same_thread", "on_failure", "next"};
constexpr std::array<std::string_view, 3> kWaitKeys = {"id", "wait", "next"};
constexpr std::array<std::string_view, 5> kIfKeys = {"id", "if", "within", "then", "else"};
constexpr std::array<std::string_view, 4> kWebhookKeys = {"id", "webhook", "on_failure", "next"};
constexpr std::array<std::string_view, 2> kEndKeys = {"id", "end"};
constexpr std::array<Keys, 5> kStepKeys = {Keys(kSendKeys), Keys(kWaitKeys), Keys(kIfKeys),
                                           Keys(kWebhookKeys), Keys(kEndKeys)};
constexpr std::array<StepKind, 5> kActionKinds = {
    StepKind::kSend, StepKind::kWait, StepKind::kCondition, StepKind::kWebhook, StepKind::kEnd};

template <size_t N>
std::string_view NameOf(const std::array<std::string_view, N>& names, size_t index) {
  return index < N ? names[index] : std::string_view("invalid");
}

bool Contains(Keys keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string JoinNames(Keys names, std::string_view last_separator = ", ") {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? std::string(last_separator) : std::string(", ");
    out += names[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Paths and quoting

// A JSON string literal of user text, cut to 80 bytes: a message never carries raw control
// characters or invalid UTF-8, whatever the input.
std::string Quote(std::string_view text) {
  constexpr size_t kMax = 80;
  std::string cut(text.substr(0, kMax));
  std::string out = json(cut).dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > kMax) out.insert(out.size() - 1, "...");
  return out;
}

bool PlainKey(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string Join(std::string_view path, std::string_view key) {
  if (!PlainKey(key)) return StrCat(path, "[", Quote(key), "]");
  if (path.empty()) return std::string(key);
  return StrCat(path, ".", key);
}

std::string Index(std::string_view path, size_t index) { return StrCat(path, "[", index, "]"); }

void Add(Problems& out, std::string where, std::string message) {
  out.push_back(Problem{std::move(where), std::move(message)});
}

std::string TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::string:
      return StrCat("the string ", Quote(value.get_ref<const std::string&>()));
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

// The edit distance of two short strings (for "did you mean").
size_t Distance(std::string_view a, std::string_view b) {
  if (a.size() > 64 || b.size() > 64) return std::max(a.size(), b.size());
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string UnknownKey(std::string_view key, Keys keys) {
  std::string_view best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (std::string_view candidate : keys) {
    const size_t d = Distance(key, candidate);
    // Close enough to be a typo: two edits, three in a long word ("on_replies").
    const bool close = d <= 2 || (d == 3 && std::min(key.size(), candidate.size()) >= 8);
    if (close && d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  std::string out = "unknown key";
  if (!best.empty()) StrAppend(&out, " (did you mean \"", best, "\"?)");
  StrAppend(&out, "; expected ", JoinNames(keys, " or "));
  return out;
}

// ---------------------------------------------------------------------------------------
// Typed reads. Each reports its own problem and returns nullopt on a wrong value.

const json* Member(const json& object, std::string_view key) {
  const auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

// `value` is an object whose keys are all in `keys` (each other key is reported).
bool ExpectObject(const json& value, const std::string& path, Keys keys, std::string_view what,
                  Problems& out) {
  if (!value.is_object()) {
    Add(out, path, StrCat("expected ", what, ", got ", TypeName(value)));
    return false;
  }
  for (const auto& [key, member] : value.items()) {
    if (!Contains(keys, key)) Add(out, Join(path, key), UnknownKey(key, keys));
  }
  return true;
}

std::optional<std::string> ReadString(const json& value, const std::string& path,
                                      std::string_view what, Problems& out,
                                      size_t max_bytes = kMaxStringBytes) {
  if (!value.is_string()) {
    Add(out, path, StrCat("expected ", what, ", got ", TypeName(value)));
    return std::nullopt;
  }
  const std::string& text = value.get_ref<const std::string&>();
  if (text.size() > max_bytes) {
    Add(out, path, StrCat("at most ", max_bytes, " bytes, got ", text.size()));
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> ReadNonEmpty(const json& value, const std::string& path,
                                        std::string_view what, Problems& out,
                                        size_t max_bytes = kMaxStringBytes) {
  std::optional<std::string> text = ReadString(value, path, what, out, max_bytes);
  if (text && text->find_first_not_of(" \t\r\n") == std::string::npos) {
    Add(out, path, StrCat("must not be empty: expected ", what));
    return std::nullopt;
  }
  return text;
}

std::optional<bool> ReadBool(const json& value, const std::string& path, Problems& out) {
  if (!value.is_boolean()) {
    Add(out, path, StrCat("expected true or false, got ", TypeName(value)));
    return std::nullopt;
  }
  return value.get<bool>();
}

std::optional<int64_t> ReadInteger(const json& value, const std::string& path, int64_t min,
                                   int64_t max, Problems& out) {
  const std::string expected = StrCat("expected a whole number from ", min, " to ", max);
  if (value.is_number_unsigned()) {
    const uint64_t n = value.get<uint64_t>();
    if (n > static_cast<uint64_t>(max)) {
      Add(out, path, StrCat(expected, ", got ", n));
      return std::nullopt;
    }
    if (static_cast<int64_t>(n) < min) {
      Add(out, path, StrCat(expected, ", got ", n));
      return std::nullopt;
    }
    return static_cast<int64_t>(n);
  }
  if (value.is_number_integer()) {
    const int64_t n = value.get<int64_t>();
    if (n < min || n > max) {
      Add(out, path, StrCat(expected, ", got ", n));
      return std::nullopt;
    }
    return n;
  }
  if (value.is_number_float()) {
    Add(out, path, StrCat(expected, ", got ", value.dump()));
    return std::nullopt;
  }
  Add(out, path, StrCat(expected, ", got ", TypeName(value)));
  return std::nullopt;
}

// One of `names`; the index into it.
template <size_t N>
std::optional<size_t> ReadName(const json& value, const std::string& path,
                               const std::array<std::string_view, N>& names, Problems& out) {
  const std::string expected = StrCat("expected ", JoinNames(Keys(names), " or "));
  if (!value.is_string()) {
    Add(out, path, StrCat(expected, ", got ", TypeName(value)));
    return std::nullopt;
  }
  const std::string& text = value.get_ref<const std::string&>();
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return i;
  }
  Add(out, path, StrCat(expected, ", got ", Quote(text)));
  return std::nullopt;
}

std::optional<std::vector<std::string>> ReadStringList(const json& value, const std::string& path,
                                                       std::string_view what,
                                                       std::string_view item_what, size_t max_items,
                                                       Problems& out) {
  if (!value.is_array()) {
    Add(out, path, StrCat("expected a list of ", what, ", got ", TypeName(value)));
    return std::nullopt;
  }
  if (value.size() > max_items) {
    Add(out, path, StrCat("at most ", max_items, " items, got ", value.size()));
    return std::nullopt;
  }
  std::vector<std::string> items;
  bool ok = true;
  for (size_t i = 0; i < value.size(); ++i) {
    std::optional<std::string> item = ReadNonEmpty(value[i], Index(path, i), item_what, out);
    if (!item) {
      ok = false;
      continue;
    }
    for (size_t j = 0; j < items.size(); ++j) {
      if (items[j] == *item) {
        Add(out, Index(path, i), StrCat("duplicate ", Quote(*item), " (also [", j, "])"));
        ok = false;
        break;
      }
    }
    items.push_back(std::move(*item));
  }
  if (!ok) return std::nullopt;
  return items;
}

std::optional<calendar::DelayRule> ReadDelay(const json& value, const std::string& path,
                                             Problems& out) {
  std::optional<std::string> text =
      ReadString(value, path, "a string like \"3 days\"", out, kMaxNameBytes);
  if (!text) return std::nullopt;
  Result<calendar::DelayRule> rule = calendar::DelayRule::Parse(*text);
  if (!rule.ok()) {
    Add(out, path, std::string(ToStd(rule.status().message())));
    return std::nullopt;
  }
  return *rule;
}

// A span of whole hours: "3 days", "72 hours", "2 weeks", "36h", "3d".
std::optional<std::chrono::hours> ReadHours(const json& value, const std::string& path,
                                            Problems& out) {
  std::optional<std::string> text =
      ReadString(value, path, "a string like \"3 days\" or \"72 hours\"", out, kMaxNameBytes);
  if (!text) return std::nullopt;
  std::string lower;
  for (char c : *text) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  std::string_view rest(lower);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  int64_t amount = 0;
  const bool number_ok =
      digits > 0 && digits <= 6 &&
      std::from_chars(rest.data(), rest.data() + digits, amount).ec == std::errc();
  std::string_view unit = rest.substr(digits);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  int64_t hours_per_unit = 0;
  if (unit == "h" || unit == "hr" || unit == "hrs" || unit == "hour" || unit == "hours") {
    hours_per_unit = 1;
  } else if (unit == "d" || unit == "day" || unit == "days") {
    hours_per_unit = 24;
  } else if (unit == "w" || unit == "week" || unit == "weeks") {
    hours_per_unit = int64_t{24} * 7;
  }
  if (!number_ok || hours_per_unit == 0) {
    Add(out, path,
        StrCat("expected a duration like \"3 days\" or \"72 hours\" (hours, days or weeks), got ",
               Quote(*text)));
    return std::nullopt;
  }
  const int64_t hours = amount * hours_per_unit;
  if (hours < 1 || hours > kMaxWithinHours) {
    Add(out, path, StrCat("must be from 1 hour to 400 days, got ", Quote(*text)));
    return std::nullopt;
  }
  return std::chrono::hours(hours);
}

std::string FormatHours(std::chrono::hours hours) {
  const int64_t n = hours.count();
  if (n != 0 && n % 24 == 0) return StrCat(n / 24, n == 24 ? " day" : " days");
  return StrCat(n, n == 1 ? " hour" : " hours");
}

// ---------------------------------------------------------------------------------------
// Dates and instants

bool Digits(std::string_view text, size_t at, size_t count, int* value) {
  if (at + count > text.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  *value = v;
  return true;
}

// "2026-12-24".
std::optional<date::year_month_day> ParseDate(std::string_view text) {
  int y = 0;
  int m = 0;
  int d = 0;
  if (text.size() != 10 || !Digits(text, 0, 4, &y) || text[4] != '-' || !Digits(text, 5, 2, &m) ||
      text[7] != '-' || !Digits(text, 8, 2, &d)) {
    return std::nullopt;
  }
  const date::year_month_day day{date::year(y), date::month(static_cast<unsigned>(m)),
                                 date::day(static_cast<unsigned>(d))};
  if (!day.ok()) return std::nullopt;
  return day;
}

std::string FormatDate(date::year_month_day day) {
  return absl::StrFormat("%04d-%02u-%02u", static_cast<int>(day.year()),
                         static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

// RFC 3339: "2027-01-04T09:00:00Z", "2027-01-04T10:00:00+01:00", "...:00.25Z" (at most
// microseconds).
std::optional<Instant> ParseRfc3339(std::string_view text) {
  if (text.size() < 20) return std::nullopt;
  const std::optional<date::year_month_day> day = ParseDate(text.substr(0, 10));
  if (!day || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) return std::nullopt;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!Digits(text, 11, 2, &hour) || text[13] != ':' || !Digits(text, 14, 2, &minute) ||
      text[16] != ':' || !Digits(text, 17, 2, &second) || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t count = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++count > 6) return std::nullopt;
      micros = micros * 10 + (text[pos] - '0');
      ++pos;
    }
    if (count == 0) return std::nullopt;
    for (; count < 6; ++count) micros *= 10;
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh = 0;
    int om = 0;
    if (!Digits(text, pos + 1, 2, &oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !Digits(text, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (text[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const int year = static_cast<int>(day->year());
  if (year < 1970 || year > 9999) return std::nullopt;
  return Instant(date::sys_days(*day).time_since_epoch()) + std::chrono::hours(hour) +
         std::chrono::minutes(minute - offset_minutes) + std::chrono::seconds(second) +
         std::chrono::microseconds(micros);
}

// ---------------------------------------------------------------------------------------
// Settings

void ReadAudience(const json& value, const std::string& path, sequence::Audience& audience,
                  Problems& out) {
  if (!ExpectObject(value, path, kAudienceKeys, "an object like {lists: [leads]}", out)) return;
  if (const json* lists = Member(value, "lists")) {
    if (auto names = ReadStringList(*lists, Join(path, "lists"), "list names", "a list name",
                                    kMaxLists, out)) {
      audience.lists = std::move(*names);
    }
  }
  const json* filters = Member(value, "filter");
  if (filters == nullptr) return;
  const std::string filter_path = Join(path, "filter");
  if (!filters->is_array()) {
    Add(out, filter_path,
        StrCat("expected a list of conditions like [{field: country, op: eq, value: US}], got ",
               TypeName(*filters)));
    return;
  }
  if (filters->size() > kMaxFilters) {
    Add(out, filter_path, StrCat("at most ", kMaxFilters, " conditions, got ", filters->size()));
    return;
  }
  for (size_t i = 0; i < filters->size(); ++i) {
    const json& item = (*filters)[i];
    const std::string at = Index(filter_path, i);
    if (!ExpectObject(item, at, kFilterKeys, "a condition like {field: country, op: eq, value: US}",
                      out)) {
      continue;
    }
    sequence::FieldFilter filter;
    bool ok = true;
    if (const json* field = Member(item, "field")) {
      std::optional<std::string> name =
          ReadNonEmpty(*field, Join(at, "field"), "a contact field like \"country\"", out, 200);
      if (!name) {
        ok = false;
      } else if (!Contains(kFilterFields, *name) &&
                 !(name->starts_with("custom.") && name->size() > 7)) {
        Add(out, Join(at, "field"),
            StrCat("unknown field ", Quote(*name), "; expected ", JoinNames(kFilterFields),
                   " or custom.<name>"));
        ok = false;
      } else {
        filter.field = std::move(*name);
      }
    } else {
      Add(out, at, "a condition needs field (e.g. country)");
      ok = false;
    }
    if (const json* op = Member(item, "op")) {
      if (std::optional<size_t> index = ReadName(*op, Join(at, "op"), kFilterOpNames, out)) {
        filter.op = static_cast<sequence::FieldFilter::Op>(*index);
      } else {
        ok = false;
      }
    }
    const bool needs_value = filter.op == sequence::FieldFilter::Op::kEquals ||
                             filter.op == sequence::FieldFilter::Op::kNotEquals ||
                             filter.op == sequence::FieldFilter::Op::kContains;
    if (const json* v = Member(item, "value")) {
      if (!needs_value) {
        Add(out, Join(at, "value"),
            StrCat("op ", sequence::ToString(filter.op), " takes no value"));
        ok = false;
      } else if (std::optional<std::string> text =
                     ReadString(*v, Join(at, "value"), "a string like \"US\"", out)) {
        if (text->empty()) {
          Add(out, Join(at, "value"), "must not be empty; to match an empty field use op: empty");
          ok = false;
        } else {
          filter.value = std::move(*text);
        }
      } else {
        ok = false;
      }
    } else if (needs_value) {
      Add(out, at, StrCat("op ", sequence::ToString(filter.op), " needs a value"));
      ok = false;
    }
    if (ok) audience.filters.push_back(std::move(filter));
  }
}

void ReadCalendar(const json& value, const std::string& path, CampaignSettings& settings,
                  Problems& out) {
  if (!ExpectObject(value, path, kCalendarKeys, "an object like {window: \"Mon-Fri 09:00-17:00\"}",
                    out)) {
    return;
  }
  calendar::CalendarOptions& options = settings.calendar;
  if (const json* window = Member(value, "window")) {
    const std::string at = Join(path, "window");
    if (std::optional<std::string> text =
            ReadString(*window, at, "a string like \"Mon-Fri 09:00-17:00\"", out)) {
      Result<calendar::SendWindow> parsed = calendar::SendWindow::Parse(*text);
      if (parsed.ok()) {
        options.window = *std::move(parsed);
      } else {
        Add(out, at, std::string(ToStd(parsed.status().message())));
      }
    }
  }
  if (const json* zone = Member(value, "zone")) {
    if (std::optional<size_t> index = ReadName(*zone, Join(path, "zone"), kZoneNames, out)) {
      options.zone_choice = static_cast<calendar::CalendarOptions::ZoneChoice>(*index);
    }
  }
  if (const json* zone = Member(value, "default_zone")) {
    const std::string at = Join(path, "default_zone");
    if (std::optional<std::string> name =
            ReadNonEmpty(*zone, at, "an IANA zone like \"America/New_York\"", out, 100)) {
      if (calendar::ResolveZone("", "", "", *name).ok()) {
        settings.default_zone = std::move(*name);
      } else {
        Add(out, at,
            StrCat("unknown time zone ", Quote(*name),
                   "; expected an IANA zone like "
                   "\"America/New_York\" or \"UTC\""));
      }
    }
  }
  if (const json* weekends = Member(value, "weekends")) {
    if (std::optional<size_t> index =
            ReadName(*weekends, Join(path, "weekends"), kWeekendNames, out)) {
      options.weekend = static_cast<calendar::WeekendPolicy>(*index);
    }
  }
  bool holidays_ok = true;
  if (const json* holidays = Member(value, "holidays")) {
    if (std::optional<size_t> index =
            ReadName(*holidays, Join(path, "holidays"), kHolidayNames, out)) {
      options.holidays = static_cast<calendar::HolidayPolicy>(*index);
    } else {
      holidays_ok = false;
    }
  }
  const json* country = Member(value, "holiday_country");
  if (country != nullptr) {
    const std::string at = Join(path, "holiday_country");
    if (std::optional<std::string> code =
            ReadNonEmpty(*country, at, "a country code like \"DE\"", out, 8)) {
      std::string upper;
      for (char c : *code) upper += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      if (holidays_ok && options.holidays != calendar::HolidayPolicy::kFixedCountry) {
        Add(out, at, "only with holidays: fixed_country");
      } else if (upper.size() != 2 || !calendar::HolidayData::Builtin().Covers(upper)) {
        Add(out, at,
            StrCat("no holiday data for ", Quote(*code),
                   "; expected the two-letter code of a covered country (",
                   calendar::HolidayData::Builtin().Countries().size(),
                   " are, listed in docs/CALENDAR.md)"));
      } else {
        options.fixed_holiday_country = std::move(upper);
      }
    }
  } else if (holidays_ok && options.holidays == calendar::HolidayPolicy::kFixedCountry) {
    Add(out, Join(path, "holidays"), "fixed_country needs holiday_country (e.g. DE)");
  }
  if (const json* only = Member(value, "public_holidays_only")) {
    if (std::optional<bool> b = ReadBool(*only, Join(path, "public_holidays_only"), out)) {
      options.public_holidays_only = *b;
    }
  }
  if (const json* dates = Member(value, "blackout_dates")) {
    const std::string at = Join(path, "blackout_dates");
    if (!dates->is_array()) {
      Add(out, at,
          StrCat("expected a list of dates like [\"2026-12-24\"], got ", TypeName(*dates)));
    } else if (dates->size() > kMaxBlackoutDates) {
      Add(out, at, StrCat("at most ", kMaxBlackoutDates, " dates, got ", dates->size()));
    } else {
      std::vector<date::year_month_day> days;
      for (size_t i = 0; i < dates->size(); ++i) {
        std::optional<std::string> text =
            ReadString((*dates)[i], Index(at, i), "a date like \"2026-12-24\"", out, 64);
        if (!text) continue;
        if (std::optional<date::year_month_day> day = ParseDate(*text)) {
          days.push_back(*day);
        } else {
          Add(out, Index(at, i), StrCat("expected a date like \"2026-12-24\", got ", Quote(*text)));
        }
      }
      std::sort(days.begin(), days.end());
      days.erase(std::unique(days.begin(), days.end()), days.end());
      options.blackout_dates = std::move(days);
    }
  }
}

void ReadStop(const json& value, const std::string& path, sequence::StopRules& stop,
              Problems& out) {
  if (!ExpectObject(value, path, kStopKeys, "an object like {on_reply: true}", out)) return;
  const std::array<std::pair<std::string_view, bool*>, 4> fields = {{
      {"on_reply", &stop.on_reply},
      {"on_company_reply", &stop.on_company_reply},
      {"on_conversion", &stop.on_conversion},
      {"on_accepted", &stop.on_accepted},
  }};
  for (const auto& [key, target] : fields) {
    if (const json* v = Member(value, key)) {
      if (std::optional<bool> b = ReadBool(*v, Join(path, key), out)) *target = *b;
    }
  }
}

// The settings keys of `root` (an object; its unknown keys are the caller's business).
void ReadSettings(const json& root, CampaignSettings& settings, bool* kind_ok, Problems& out) {
  *kind_ok = true;
  if (const json* kind = Member(root, "kind")) {
    if (std::optional<size_t> index = ReadName(*kind, "kind", kKindNames, out)) {
      settings.kind = static_cast<CampaignKind>(*index);
    } else {
      *kind_ok = false;
    }
  }
  if (const json* audience = Member(root, "audience")) {
    ReadAudience(*audience, "audience", settings.audience, out);
  }
  if (const json* senders = Member(root, "senders")) {
    if (auto names = ReadStringList(*senders, "senders", "sender account names",
                                    "a sender account name", kMaxSenders, out)) {
      settings.senders = std::move(*names);
    }
  }
  if (const json* cal = Member(root, "calendar")) ReadCalendar(*cal, "calendar", settings, out);
  if (const json* stop = Member(root, "stop")) ReadStop(*stop, "stop", settings.stop, out);
  if (const json* missing = Member(root, "missing_data")) {
    if (std::optional<size_t> index = ReadName(*missing, "missing_data", kMissingDataNames, out)) {
      settings.missing_data = static_cast<CampaignSettings::MissingData>(*index);
    }
  }
  if (const json* allow = Member(root, "allow_in_other_campaigns")) {
    if (std::optional<bool> b = ReadBool(*allow, "allow_in_other_campaigns", out)) {
      settings.allow_in_other_campaigns = *b;
    }
  }
  if (const json* opens = Member(root, "track_opens")) {
    if (std::optional<bool> b = ReadBool(*opens, "track_opens", out)) settings.track_opens = *b;
  }
  if (const json* clicks = Member(root, "track_clicks")) {
    if (std::optional<bool> b = ReadBool(*clicks, "track_clicks", out)) settings.track_clicks = *b;
  }
  if (const json* cap = Member(root, "new_contacts_per_day"); cap != nullptr && !cap->is_null()) {
    if (std::optional<int64_t> n =
            ReadInteger(*cap, "new_contacts_per_day", 1, kMaxNewContactsPerDay, out)) {
      settings.new_contacts_per_day = static_cast<int32_t>(*n);
    }
  }
  if (const json* start = Member(root, "start_at"); start != nullptr && !start->is_null()) {
    if (std::optional<std::string> text = ReadString(
            *start, "start_at", "an RFC 3339 time like \"2027-01-04T09:00:00Z\"", out, 64)) {
      if (std::optional<Instant> at = ParseRfc3339(*text)) {
        settings.start_at = *at;
      } else {
        Add(out, "start_at",
            StrCat("expected an RFC 3339 time like \"2027-01-04T09:00:00Z\" or "
                   "\"2027-01-04T10:00:00+01:00\", got ",
                   Quote(*text)));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Steps

// What the reader learned about a step beyond the model: how the file wrote it, so that
// Check's problems can be reported under the file's keys.
struct StepInfo {
  bool template_shorthand = false;  // `template:` rather than `variants:`
  bool has_then = false;
  bool has_else = false;
};

// A step id given where the graph continues: `next`, `then`, `else`. "end" means the end
// where that is possible (allow_end); it is never a step's id.
std::optional<std::string> ReadTarget(const json& value, const std::string& path, bool allow_end,
                                      Problems& out) {
  std::optional<std::string> id =
      ReadNonEmpty(value, path, allow_end ? "a step id or \"end\"" : "a step id", out, 64);
  if (!id) return std::nullopt;
  if (*id == kEnd) {
    if (allow_end) return std::string();
    Add(out, path,
        "\"end\" is not a step id here; to end after this step, follow it with an `end` step "
        "(or point next to one)");
    return std::nullopt;
  }
  return id;
}

void ReadVariants(const json& value, const std::string& path, Step& step, Problems& out) {
  if (!value.is_array()) {
    Add(out, path,
        StrCat("expected a list like [{name: A, template: intro-a, weight: 50}], got ",
               TypeName(value)));
    return;
  }
  if (value.empty() || value.size() > kMaxVariants) {
    Add(out, path, StrCat("expected 1 to ", kMaxVariants, " variants, got ", value.size()));
    return;
  }
  for (size_t k = 0; k < value.size(); ++k) {
    const json& item = value[k];
    const std::string at = Index(path, k);
    if (!ExpectObject(item, at, kVariantKeys, "a variant like {name: A, template: intro-a}", out)) {
      continue;
    }
    Variant variant;
    variant.name = std::string(1, static_cast<char>('A' + k));
    if (const json* name = Member(item, "name")) {
      if (std::optional<std::string> text =
              ReadNonEmpty(*name, Join(at, "name"), "a variant name like \"A\"", out, 64)) {
        variant.name = std::move(*text);
      }
    }
    if (const json* tmpl = Member(item, "template")) {
      if (std::optional<std::string> text = ReadNonEmpty(
              *tmpl, Join(at, "template"), "a template name like \"intro\"", out, kMaxNameBytes)) {
        variant.template_name = std::move(*text);
      }
    }
    if (const json* id = Member(item, "template_id")) {
      if (std::optional<int64_t> n = ReadInteger(*id, Join(at, "template_id"), 1,
                                                 std::numeric_limits<int64_t>::max(), out)) {
        variant.template_id = TemplateId(*n);
      }
    }
    if (const json* version = Member(item, "version")) {
      if (std::optional<int64_t> n = ReadInteger(*version, Join(at, "version"), 0,
                                                 std::numeric_limits<int32_t>::max(), out)) {
        variant.template_version = static_cast<int>(*n);
      }
    }
    if (const json* weight = Member(item, "weight")) {
      if (std::optional<int64_t> n = ReadInteger(*weight, Join(at, "weight"), 1, kMaxWeight, out)) {
        variant.weight = static_cast<int>(*n);
      }
    }
    if (Member(item, "template") == nullptr && Member(item, "template_id") == nullptr) {
      Add(out, at, "a variant needs template (a template name)");
    }
    for (size_t j = 0; j < step.variants.size(); ++j) {
      if (step.variants[j].name == variant.name) {
        Add(out, Join(at, "name"),
            StrCat("duplicate variant name ", Quote(variant.name), " (also variants[", j, "])"));
        break;
      }
    }
    step.variants.push_back(std::move(variant));
  }
}

void ReadSend(const json& item, const std::string& at, CampaignKind kind, Step& step,
              StepInfo& info, Problems& out) {
  if (std::optional<size_t> channel =
          ReadName(item.at("send"), Join(at, "send"), kChannelNames, out)) {
    step.channel = static_cast<templating::Channel>(*channel);
  }
  const bool email = step.channel == templating::Channel::kEmail;
  const json* tmpl = Member(item, "template");
  const json* variants = Member(item, "variants");
  const json* message_field = Member(item, "message_field");
  const json* subject_field = Member(item, "subject_field");
  if (kind == CampaignKind::kNetworking) {
    for (const char* key : {"template", "variants"}) {
      if (Member(item, key) != nullptr) {
        Add(out, Join(at, key),
            "a networking campaign sends each contact's own text: use message_field (the custom "
            "field that holds it) instead of templates");
      }
    }
    if (message_field == nullptr) {
      Add(out, at, "a networking send step needs message_field (the custom field with the text)");
    }
    if (email && subject_field == nullptr) {
      Add(out, at,
          "a networking email step needs subject_field (the custom field with the "
          "subject)");
    }
  } else {
    for (const char* key : {"message_field", "subject_field"}) {
      if (Member(item, key) != nullptr) {
        Add(out, Join(at, key), "only in networking campaigns (kind: networking)");
      }
    }
    if (tmpl != nullptr && variants != nullptr) {
      Add(out, Join(at, "variants"), "use either template or variants, not both");
    } else if (tmpl == nullptr && variants == nullptr) {
      Add(out, at, "a send step needs template (or variants for an A/B test)");
    }
  }
  if (kind == CampaignKind::kNetworking) {
    tmpl = nullptr;  // reported above
    variants = nullptr;
  }
  if (tmpl != nullptr) {
    if (std::optional<std::string> name = ReadNonEmpty(
            *tmpl, Join(at, "template"), "a template name like \"intro\"", out, kMaxNameBytes)) {
      Variant variant;
      variant.name = "A";
      variant.template_name = std::move(*name);
      step.variants.push_back(std::move(variant));
      info.template_shorthand = true;
    }
  }
  if (variants != nullptr) ReadVariants(*variants, Join(at, "variants"), step, out);
  if (message_field != nullptr) {
    if (std::optional<std::string> field =
            ReadNonEmpty(*message_field, Join(at, "message_field"),
                         "a custom field name like \"intro_message\"", out, kMaxNameBytes)) {
      step.message_field = std::move(*field);
    }
  }
  if (subject_field != nullptr) {
    if (!email) {
      Add(out, Join(at, "subject_field"), "only for email steps");
    } else if (std::optional<std::string> field =
                   ReadNonEmpty(*subject_field, Join(at, "subject_field"),
                                "a custom field name like \"intro_subject\"", out, kMaxNameBytes)) {
      step.subject_field = std::move(*field);
    }
  }
  if (const json* after = Member(item, "after")) {
    if (std::optional<calendar::DelayRule> rule = ReadDelay(*after, Join(at, "after"), out)) {
      step.delay = *rule;
    }
  }
  if (const json* same = Member(item, "same_thread")) {
    if (std::optional<bool> b = ReadBool(*same, Join(at, "same_thread"), out)) {
      if (*b && !email) {
        Add(out, Join(at, "same_thread"), "only for email steps");
      } else {
        step.same_thread = *b;
      }
    }
  }
  if (const json* failure = Member(item, "on_failure")) {
    if (std::optional<size_t> index =
            ReadName(*failure, Join(at, "on_failure"), kFailureNames, out)) {
      step.on_failure = static_cast<sequence::FailurePolicy>(*index);
    }
  }
}

void ReadStep(const json& item, size_t index, CampaignKind kind, Step& step, StepInfo& info,
              Problems& out) {
  const std::string at = Index("steps", index);
  step.id = StrCat("step", index + 1);
  if (item.is_string() && item.get_ref<const std::string&>() == kEnd) {
    step.kind = StepKind::kEnd;
    return;
  }
  const std::string expected = "a step (an object with send, wait, if or webhook) or \"end\"";
  if (!item.is_object()) {
    Add(out, at, StrCat("expected ", expected, ", got ", TypeName(item)));
    return;
  }
  std::vector<size_t> actions;
  for (size_t a = 0; a < kActions.size(); ++a) {
    if (Member(item, kActions[a]) != nullptr) actions.push_back(a);
  }
  if (actions.empty()) {
    Add(out, at, "a step needs one of send, wait, if, webhook or end");
    return;
  }
  if (actions.size() > 1) {
    Add(out, at,
        StrCat("one step cannot be both \"", kActions[actions[0]], "\" and \"",
               kActions[actions[1]], "\"; make them two steps"));
    return;
  }
  const size_t action = actions[0];
  step.kind = kActionKinds[action];
  const Keys keys = kStepKeys[action];
  for (const auto& [key, member] : item.items()) {
    if (Contains(keys, key)) continue;
    std::string_view owner;
    for (size_t a = 0; a < kActions.size() && owner.empty(); ++a) {
      if (Contains(kStepKeys[a], key)) owner = kActions[a];
    }
    if (!owner.empty()) {
      Add(out, Join(at, key),
          StrCat("\"", key, "\" goes with ", owner, " steps, not ", kActions[action], " steps"));
    } else {
      std::vector<std::string_view> all;
      for (Keys k : kStepKeys) all.insert(all.end(), k.begin(), k.end());
      std::sort(all.begin(), all.end());
      all.erase(std::unique(all.begin(), all.end()), all.end());
      std::string message = UnknownKey(key, all);
      // The full list of every kind's keys would be long; name this kind's.
      message = message.substr(0, message.find("; expected"));
      StrAppend(&message, "; a ", kActions[action], " step has ", JoinNames(keys, " and "));
      Add(out, Join(at, key), std::move(message));
    }
  }
  if (const json* id = Member(item, "id")) {
    if (std::optional<std::string> text =
            ReadNonEmpty(*id, Join(at, "id"), "a step id like \"follow-up\"", out, 64)) {
      if (*text == kEnd) {
        Add(out, Join(at, "id"), "\"end\" is reserved (then: end / else: end mean the end)");
      } else {
        step.id = std::move(*text);
      }
    }
  }
  switch (step.kind) {
    case StepKind::kSend:
      ReadSend(item, at, kind, step, info, out);
      break;
    case StepKind::kWait:
      if (std::optional<calendar::DelayRule> rule =
              ReadDelay(item.at("wait"), Join(at, "wait"), out)) {
        step.delay = *rule;
      }
      break;
    case StepKind::kCondition: {
      if (std::optional<size_t> condition =
              ReadName(item.at("if"), Join(at, "if"), kConditionNames, out)) {
        step.condition = static_cast<sequence::ConditionKind>(*condition);
      }
      if (const json* within = Member(item, "within")) {
        if (std::optional<std::chrono::hours> hours = ReadHours(*within, Join(at, "within"), out)) {
          step.within = *hours;
        }
      }
      const json* then_target = Member(item, "then");
      const json* else_target = Member(item, "else");
      info.has_then = then_target != nullptr;
      info.has_else = else_target != nullptr;
      if (then_target != nullptr) {
        if (auto id = ReadTarget(*then_target, Join(at, "then"), true, out)) step.on_yes = *id;
      }
      if (else_target != nullptr) {
        if (auto id = ReadTarget(*else_target, Join(at, "else"), true, out)) step.on_no = *id;
      }
      if (!info.has_then && !info.has_else) {
        Add(out, at,
            "a condition needs then or else (a step id, or \"end\"); the one left out "
            "continues with the next step");
      }
      break;
    }
    case StepKind::kWebhook:
      if (std::optional<std::string> url =
              ReadNonEmpty(item.at("webhook"), Join(at, "webhook"),
                           "a URL like \"https://hooks.example.com/x\"", out)) {
        step.url = std::move(*url);
      }
      // A failed integration does not stop the outreach, unless the user says so.
      step.on_failure = sequence::FailurePolicy::kContinue;
      if (const json* failure = Member(item, "on_failure")) {
        if (std::optional<size_t> policy =
                ReadName(*failure, Join(at, "on_failure"), kFailureNames, out)) {
          step.on_failure = static_cast<sequence::FailurePolicy>(*policy);
        }
      }
      break;
    case StepKind::kEnd: {
      const json& flag = item.at("end");
      if (!flag.is_boolean() || !flag.get<bool>()) {
        Add(out, Join(at, "end"),
            StrCat("expected true (an end step is `end` or {id: ..., end: true}), got ",
                   TypeName(flag)));
      }
      break;
    }
  }
  if (const json* next = Member(item, "next"); next != nullptr && Contains(keys, "next")) {
    if (auto id = ReadTarget(*next, Join(at, "next"), false, out)) step.next = *id;
  }
}

// Check names the model's fields; the file has its own names for some of them.
std::string FileWhere(std::string_view where, const Sequence& sequence,
                      const std::vector<StepInfo>& info) {
  if (!where.starts_with("steps[")) return std::string(where);
  const size_t close = where.find(']');
  if (close == std::string_view::npos) return std::string(where);
  size_t index = 0;
  const std::string_view digits = where.substr(6, close - 6);
  if (std::from_chars(digits.data(), digits.data() + digits.size(), index).ec != std::errc() ||
      index >= sequence.steps.size() || index >= info.size()) {
    return std::string(where);
  }
  const std::string_view head = where.substr(0, close + 1);
  const std::string_view rest = where.substr(close + 1);
  const Step& step = sequence.steps[index];
  std::string_view renamed = rest;
  if (rest == ".delay") {
    renamed = step.kind == StepKind::kWait ? ".wait" : ".after";
  } else if (rest == ".on_yes") {
    renamed = ".then";
  } else if (rest == ".on_no") {
    renamed = ".else";
  } else if (rest == ".condition") {
    renamed = ".if";
  } else if (rest == ".url") {
    renamed = ".webhook";
  } else if (info[index].template_shorthand &&
             (rest == ".variants" || rest.starts_with(".variants[0]"))) {
    renamed = ".template";
  } else if (rest.starts_with(".variants[") && rest.ends_with(".template_name")) {
    return StrCat(head, rest.substr(0, rest.size() - 5));  // ".template"
  }
  return StrCat(head, renamed);
}

// The `steps` array. Returns false when it had problems (then Check is not run).
bool ReadSteps(const json& value, CampaignKind kind, Sequence& sequence,
               std::vector<StepInfo>& info, Problems& out) {
  if (!value.is_array()) {
    Add(out, "steps",
        StrCat("expected a list of steps like [{send: email, template: intro}], got ",
               TypeName(value)));
    return false;
  }
  if (value.size() > kMaxSteps) {
    Add(out, "steps", StrCat("at most ", kMaxSteps, " steps, got ", value.size()));
    return false;
  }
  const size_t before = out.size();
  sequence.steps.resize(value.size());
  info.assign(value.size(), StepInfo{});
  for (size_t i = 0; i < value.size(); ++i) {
    ReadStep(value[i], i, kind, sequence.steps[i], info[i], out);
  }
  // A condition's branch left out continues with the next step in list order.
  for (size_t i = 0; i < sequence.steps.size(); ++i) {
    Step& step = sequence.steps[i];
    if (step.kind != StepKind::kCondition) continue;
    const std::string following = i + 1 < sequence.steps.size() ? sequence.steps[i + 1].id : "";
    if (!info[i].has_then) step.on_yes = following;
    if (!info[i].has_else) step.on_no = following;
  }
  return out.size() == before;
}

void ReadPreset(const json& value, CampaignKind kind, Sequence& sequence, Problems& out) {
  const std::string path = "preset";
  if (!ExpectObject(value, path, kPresetKeys,
                    "an object like {name: connector, invite: invite, follow_ups: [thanks]}",
                    out)) {
    return;
  }
  if (kind == CampaignKind::kNetworking) {
    Add(out, path,
        "presets send templates; a networking campaign writes its steps with message_field");
    return;
  }
  const json* name = Member(value, "name");
  if (name == nullptr) {
    Add(out, path, "a preset needs name: connector or messenger");
    return;
  }
  const std::optional<size_t> which = ReadName(*name, Join(path, "name"), kPresetNames, out);
  if (!which) return;
  const Keys keys = *which == 0 ? Keys(kConnectorKeys) : Keys(kMessengerKeys);
  const size_t before = out.size();
  for (const auto& [key, member] : value.items()) {
    if (Contains(kPresetKeys, key) && !Contains(keys, key)) {
      Add(out, Join(path, key),
          StrCat("not a key of the ", kPresetNames[*which], " preset; it has ",
                 JoinNames(keys, " and ")));
    }
  }
  calendar::DelayRule gap;
  gap.amount = 2;
  gap.unit = calendar::DelayRule::Unit::kBusinessDays;
  if (const json* g = Member(value, "gap")) {
    if (std::optional<calendar::DelayRule> rule = ReadDelay(*g, Join(path, "gap"), out)) {
      if (rule->amount == 0) {
        Add(out, Join(path, "gap"), "must be more than 0 (e.g. \"2 business days\")");
      } else {
        gap = *rule;
      }
    }
  }
  if (*which == 0) {
    sequence::ConnectorPreset preset;
    preset.gap = gap;
    if (const json* invite = Member(value, "invite")) {
      if (std::optional<std::string> text =
              ReadNonEmpty(*invite, Join(path, "invite"), "a template name like \"invite\"", out,
                           kMaxNameBytes)) {
        preset.invite_template = std::move(*text);
      }
    } else {
      Add(out, path, "the connector preset needs invite (the invitation's template)");
    }
    if (const json* follow_ups = Member(value, "follow_ups")) {
      if (auto names = ReadStringList(*follow_ups, Join(path, "follow_ups"), "template names",
                                      "a template name", kMaxPresetTemplates, out)) {
        preset.follow_up_templates = std::move(*names);
      }
    }
    if (const json* within = Member(value, "accept_within")) {
      if (auto hours = ReadHours(*within, Join(path, "accept_within"), out)) {
        preset.accept_within = *hours;
      }
    }
    if (out.size() == before) sequence = sequence::MakeConnector(preset);
  } else {
    sequence::MessengerPreset preset;
    preset.gap = gap;
    if (const json* messages = Member(value, "messages")) {
      if (auto names = ReadStringList(*messages, Join(path, "messages"), "template names",
                                      "a template name", kMaxPresetTemplates, out)) {
        if (names->empty()) {
          Add(out, Join(path, "messages"), "needs at least one template");
        } else {
          preset.message_templates = std::move(*names);
        }
      }
    } else {
      Add(out, path, "the messenger preset needs messages (template names, in order)");
    }
    if (out.size() == before) sequence = sequence::MakeMessenger(preset);
  }
}

void RunCheck(const Sequence& sequence, CampaignKind kind, const std::vector<StepInfo>& info,
              Problems& out) {
  for (Problem& problem : sequence::Check(sequence, kind)) {
    problem.where = FileWhere(problem.where, sequence, info);
    out.push_back(std::move(problem));
  }
}

// ---------------------------------------------------------------------------------------
// Text to tree

// The deepest nesting of arrays and objects, counted without parsing (so a hostile input
// is refused before a tree is built for it).
int MaxDepth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// Parses JSON text; duplicate keys (which nlohmann would resolve silently, last one wins)
// are reported as problems with their path. `root` prefixes the paths ("steps" for the
// sequence part, which is an array).
Result<json> ParseTree(std::string_view text, std::string_view root, Problems& out) {
  if (text.size() > kMaxJsonBytes) {
    return absl::InvalidArgumentError(StrCat("the definition is ", text.size(), " bytes; at most ",
                                             kMaxJsonBytes, " are accepted"));
  }
  if (MaxDepth(text) > kMaxDepth) {
    return absl::InvalidArgumentError(
        StrCat("nested deeper than ", kMaxDepth, " levels; a campaign definition is not"));
  }
  struct Frame {
    bool object = false;
    std::string key;
    size_t index = 0;
    absl::flat_hash_set<std::string> keys;
  };
  std::vector<Frame> stack;
  auto path = [&] {
    std::string p(root);
    for (const Frame& frame : stack) p = frame.object ? Join(p, frame.key) : Index(p, frame.index);
    return p;
  };
  auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        stack.emplace_back().object = true;
        break;
      case json::parse_event_t::array_start:
        stack.emplace_back().object = false;
        break;
      case json::parse_event_t::key: {
        Frame& frame = stack.back();
        frame.key = parsed.get<std::string>();
        if (!frame.keys.insert(frame.key).second) {
          Add(out, path(), "duplicate key (each key may appear once)");
        }
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        stack.pop_back();
        if (!stack.empty() && !stack.back().object) ++stack.back().index;
        break;
      case json::parse_event_t::value:
        if (!stack.empty() && !stack.back().object) ++stack.back().index;
        break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), callback);
  } catch (const json::exception& e) {
    std::string_view what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    if (const size_t bracket = what.find("] "); bracket != std::string_view::npos) {
      what.remove_prefix(bracket + 2);
    }
    if (what.starts_with("parse error ")) what.remove_prefix(12);
    return absl::InvalidArgumentError(StrCat("invalid JSON ", what));
  }
}

Status ToStatus(const Problems& problems) {
  std::string message;
  for (const Problem& problem : problems) {
    if (!message.empty()) message += "\n";
    message += problem.ToString();
  }
  return absl::InvalidArgumentError(message);
}

// ---------------------------------------------------------------------------------------
// Model to JSON

OrderedJson SettingsTree(const CampaignSettings& settings) {
  OrderedJson out = OrderedJson::object();
  out["kind"] = sequence::ToString(settings.kind);
  OrderedJson filters = OrderedJson::array();
  for (const sequence::FieldFilter& filter : settings.audience.filters) {
    OrderedJson f = OrderedJson::object();
    f["field"] = filter.field;
    f["op"] = sequence::ToString(filter.op);
    if (filter.op == sequence::FieldFilter::Op::kEquals ||
        filter.op == sequence::FieldFilter::Op::kNotEquals ||
        filter.op == sequence::FieldFilter::Op::kContains) {
      f["value"] = filter.value;
    }
    filters.push_back(std::move(f));
  }
  out["audience"] = {{"lists", settings.audience.lists}, {"filter", std::move(filters)}};
  out["senders"] = settings.senders;
  const calendar::CalendarOptions& options = settings.calendar;
  OrderedJson cal = OrderedJson::object();
  cal["window"] = options.window.ToString();
  cal["zone"] = NameOf(kZoneNames, static_cast<size_t>(options.zone_choice));
  cal["default_zone"] = settings.default_zone;
  cal["weekends"] = NameOf(kWeekendNames, static_cast<size_t>(options.weekend));
  cal["holidays"] = NameOf(kHolidayNames, static_cast<size_t>(options.holidays));
  if (options.holidays == calendar::HolidayPolicy::kFixedCountry) {
    cal["holiday_country"] = options.fixed_holiday_country;
  }
  cal["public_holidays_only"] = options.public_holidays_only;
  OrderedJson dates = OrderedJson::array();
  for (const date::year_month_day& day : options.blackout_dates) dates.push_back(FormatDate(day));
  cal["blackout_dates"] = std::move(dates);
  out["calendar"] = std::move(cal);
  out["stop"] = {{"on_reply", settings.stop.on_reply},
                 {"on_company_reply", settings.stop.on_company_reply},
                 {"on_conversion", settings.stop.on_conversion},
                 {"on_accepted", settings.stop.on_accepted}};
  out["missing_data"] = NameOf(kMissingDataNames, static_cast<size_t>(settings.missing_data));
  out["allow_in_other_campaigns"] = settings.allow_in_other_campaigns;
  out["track_opens"] = settings.track_opens;
  out["track_clicks"] = settings.track_clicks;
  out["new_contacts_per_day"] = settings.new_contacts_per_day
                                    ? OrderedJson(*settings.new_contacts_per_day)
                                    : OrderedJson(nullptr);
  out["start_at"] =
      settings.start_at ? OrderedJson(FormatRfc3339(*settings.start_at)) : OrderedJson(nullptr);
  return out;
}

std::string TargetOf(const std::string& id) { return id.empty() ? std::string(kEnd) : id; }

OrderedJson StepTree(const Step& step) {
  OrderedJson out = OrderedJson::object();
  out["id"] = step.id;
  switch (step.kind) {
    case StepKind::kSend: {
      out["send"] = templating::ToString(step.channel);
      const bool shorthand =
          step.variants.size() == 1 && step.variants[0].name == "A" &&
          !step.variants[0].template_name.empty() && step.variants[0].weight == 1 &&
          step.variants[0].template_id.value() == 0 && step.variants[0].template_version == 0;
      if (shorthand) {
        out["template"] = step.variants[0].template_name;
      } else if (!step.variants.empty()) {
        OrderedJson variants = OrderedJson::array();
        for (const Variant& variant : step.variants) {
          OrderedJson v = OrderedJson::object();
          v["name"] = variant.name;
          if (!variant.template_name.empty()) v["template"] = variant.template_name;
          if (variant.template_id.value() != 0) v["template_id"] = variant.template_id.value();
          if (variant.template_version != 0) v["version"] = variant.template_version;
          v["weight"] = variant.weight;
          variants.push_back(std::move(v));
        }
        out["variants"] = std::move(variants);
      }
      if (!step.message_field.empty()) out["message_field"] = step.message_field;
      if (!step.subject_field.empty()) out["subject_field"] = step.subject_field;
      if (step.delay != calendar::DelayRule{}) out["after"] = step.delay.ToString();
      if (step.same_thread) out["same_thread"] = true;
      if (step.on_failure != sequence::FailurePolicy::kStop) {
        out["on_failure"] = sequence::ToString(step.on_failure);
      }
      break;
    }
    case StepKind::kWait:
      out["wait"] = step.delay.ToString();
      break;
    case StepKind::kCondition:
      out["if"] = sequence::ToString(step.condition);
      out["within"] = FormatHours(step.within);
      out["then"] = TargetOf(step.on_yes);
      out["else"] = TargetOf(step.on_no);
      break;
    case StepKind::kWebhook:
      out["webhook"] = step.url;
      if (step.on_failure != sequence::FailurePolicy::kContinue) {
        out["on_failure"] = sequence::ToString(step.on_failure);
      }
      break;
    case StepKind::kEnd:
      out["end"] = true;
      break;
  }
  if (!step.next.empty() && step.kind != StepKind::kCondition && step.kind != StepKind::kEnd) {
    out["next"] = step.next;
  }
  return out;
}

OrderedJson StepsTree(const Sequence& sequence) {
  OrderedJson steps = OrderedJson::array();
  for (const Step& step : sequence.steps) steps.push_back(StepTree(step));
  return steps;
}

std::string Dump(const OrderedJson& tree, bool pretty) {
  // Invalid UTF-8 (only possible in a definition built in code) becomes U+FFFD rather than
  // an exception.
  return tree.dump(pretty ? 2 : -1, ' ', false, OrderedJson::error_handler_t::replace);
}

}  // namespace

Result<CampaignDefinition> ParseCampaignJson(std::string_view json_text) {
  Problems problems;
  ASSIGN_OR_RETURN(const json root, ParseTree(json_text, "", problems));
  if (!ExpectObject(root, "", kDefinitionKeys,
                    "an object with name, steps and the campaign's settings", problems)) {
    return ToStatus(problems);
  }
  CampaignDefinition definition;
  if (const json* name = Member(root, "name")) {
    if (std::optional<std::string> text =
            ReadNonEmpty(*name, "name", "the campaign's name", problems, kMaxNameBytes)) {
      definition.name = std::move(*text);
    }
  } else {
    Add(problems, "name", "required: the campaign's name");
  }
  bool kind_ok = true;
  ReadSettings(root, definition.settings, &kind_ok, problems);
  const CampaignKind kind = definition.settings.kind;
  const json* steps = Member(root, "steps");
  const json* preset = Member(root, "preset");
  if (steps != nullptr && preset != nullptr) {
    Add(problems, "preset", "use either steps or preset, not both");
  } else if (steps != nullptr) {
    std::vector<StepInfo> info;
    if (ReadSteps(*steps, kind, definition.sequence, info, problems) && kind_ok) {
      RunCheck(definition.sequence, kind, info, problems);
    }
  } else if (preset != nullptr) {
    const size_t before = problems.size();
    ReadPreset(*preset, kind, definition.sequence, problems);
    if (problems.size() == before && kind_ok) {
      RunCheck(definition.sequence, kind, {}, problems);
    }
  } else {
    Add(problems, "steps", "required: the campaign's steps (or a preset)");
  }
  if (!problems.empty()) return ToStatus(problems);
  return definition;
}

std::string ToJson(const CampaignDefinition& definition, bool pretty) {
  OrderedJson out = OrderedJson::object();
  out["name"] = definition.name;
  OrderedJson settings = SettingsTree(definition.settings);
  for (auto& [key, value] : settings.items()) out[key] = std::move(value);
  out["steps"] = StepsTree(definition.sequence);
  return Dump(out, pretty);
}

std::string SettingsToJson(const sequence::CampaignSettings& settings) {
  return Dump(SettingsTree(settings), false);
}

Result<sequence::CampaignSettings> ParseSettingsJson(std::string_view json_text) {
  Problems problems;
  ASSIGN_OR_RETURN(const json root, ParseTree(json_text, "", problems));
  if (!ExpectObject(root, "", kSettingsKeys, "an object with the campaign's settings", problems)) {
    return ToStatus(problems);
  }
  CampaignSettings settings;
  bool kind_ok = true;
  ReadSettings(root, settings, &kind_ok, problems);
  if (!problems.empty()) return ToStatus(problems);
  return settings;
}

std::string SequenceToJson(const sequence::Sequence& sequence) {
  return Dump(StepsTree(sequence), false);
}

Result<sequence::Sequence> ParseSequenceJson(std::string_view json_text,
                                             sequence::CampaignKind kind) {
  Problems problems;
  ASSIGN_OR_RETURN(const json root, ParseTree(json_text, "steps", problems));
  Sequence sequence;
  std::vector<StepInfo> info;
  if (ReadSteps(root, kind, sequence, info, problems) && problems.empty()) {
    RunCheck(sequence, kind, info, problems);
  }
  if (!problems.empty()) return ToStatus(problems);
  return sequence;
}

}  // namespace cadent
