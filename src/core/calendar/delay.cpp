// Step delays: parsing "2 business days at 08:30" and computing when a step becomes due.
#include <cctype>
#include <charconv>

#include "core/calendar/calendar.hpp"
#include "core/calendar/zone_table.hpp"
#include "core/common/strings.hpp"

namespace cadent::calendar {
namespace {

using internal::FloorDiv;

constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = kSecondsPerDay * kMicrosPerSecond;

// Largest amount per unit: every delay stays within the 400-day search horizon.
int64_t MaxAmount(DelayRule::Unit unit) {
  switch (unit) {
    case DelayRule::Unit::kMinutes:
      return 400 * 24 * 60;
    case DelayRule::Unit::kHours:
      return 400 * 24;
    case DelayRule::Unit::kDays:
      return 400;
    case DelayRule::Unit::kBusinessDays:
      return 250;
  }
  return 0;
}

std::string_view UnitName(DelayRule::Unit unit, bool plural) {
  switch (unit) {
    case DelayRule::Unit::kMinutes:
      return plural ? "minutes" : "minute";
    case DelayRule::Unit::kHours:
      return plural ? "hours" : "hour";
    case DelayRule::Unit::kDays:
      return plural ? "days" : "day";
    case DelayRule::Unit::kBusinessDays:
      return plural ? "business days" : "business day";
  }
  return "";
}

std::optional<DelayRule::Unit> UnitOf(std::string_view word) {
  using Unit = DelayRule::Unit;
  static constexpr std::pair<std::string_view, Unit> kUnits[] = {
      {"m", Unit::kMinutes},
      {"min", Unit::kMinutes},
      {"mins", Unit::kMinutes},
      {"minute", Unit::kMinutes},
      {"minutes", Unit::kMinutes},
      {"h", Unit::kHours},
      {"hr", Unit::kHours},
      {"hrs", Unit::kHours},
      {"hour", Unit::kHours},
      {"hours", Unit::kHours},
      {"d", Unit::kDays},
      {"day", Unit::kDays},
      {"days", Unit::kDays},
      {"bd", Unit::kBusinessDays},
      {"business day", Unit::kBusinessDays},
      {"business days", Unit::kBusinessDays},
      {"working day", Unit::kBusinessDays},
      {"working days", Unit::kBusinessDays},
  };
  for (const auto& [name, unit] : kUnits) {
    if (word == name) return unit;
  }
  return std::nullopt;
}

}  // namespace

Result<DelayRule> DelayRule::Parse(std::string_view text) {
  std::string lower;
  for (char c : text)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  auto error = [&](size_t column, std::string_view what) {
    return absl::InvalidArgumentError(
        StrCat("delay \"", text, "\" column ", column + 1, ": ", what));
  };
  size_t pos = 0;
  auto skip_space = [&] {
    while (pos < lower.size() && (lower[pos] == ' ' || lower[pos] == '\t')) ++pos;
  };
  skip_space();
  const size_t amount_at = pos;
  while (pos < lower.size() && std::isdigit(static_cast<unsigned char>(lower[pos]))) ++pos;
  if (pos == amount_at) {
    return error(amount_at,
                 "expected a number (e.g. \"3 days\", \"90 minutes\", \"2 business days "
                 "at 08:30\")");
  }
  if (pos - amount_at > 7) return error(amount_at, "number too large");
  DelayRule rule;
  std::from_chars(lower.data() + amount_at, lower.data() + pos, rule.amount);
  skip_space();
  if (pos == lower.size()) {
    if (rule.amount == 0) return rule;  // "0": immediately (then the next allowed slot)
    return error(pos, "expected a unit after the number: minutes, hours, days or business days");
  }
  // The unit: letters, with one inner space for "business days" / "working days".
  const size_t unit_at = pos;
  size_t unit_end = pos;
  while (unit_end < lower.size() && std::isalpha(static_cast<unsigned char>(lower[unit_end]))) {
    ++unit_end;
  }
  std::string_view unit_text(lower.data() + unit_at, unit_end - unit_at);
  if (unit_text == "business" || unit_text == "working") {
    size_t next = unit_end;
    while (next < lower.size() && lower[next] == ' ') ++next;
    size_t word_end = next;
    while (word_end < lower.size() && std::isalpha(static_cast<unsigned char>(lower[word_end]))) {
      ++word_end;
    }
    unit_text = std::string_view(lower.data() + unit_at, word_end - unit_at);
    const std::string joined =
        StrCat(lower.substr(unit_at, unit_end - unit_at), " ", lower.substr(next, word_end - next));
    const std::optional<Unit> unit = UnitOf(joined);
    if (!unit) {
      return error(unit_at, StrCat("unknown unit \"", text.substr(unit_at, word_end - unit_at),
                                   "\"; expected business days"));
    }
    rule.unit = *unit;
    unit_end = word_end;
  } else {
    const std::optional<Unit> unit = UnitOf(unit_text);
    if (!unit) {
      return error(unit_at, StrCat("unknown unit \"", text.substr(unit_at, unit_end - unit_at),
                                   "\"; expected minutes, hours, days or business days"));
    }
    rule.unit = *unit;
  }
  pos = unit_end;
  if (rule.amount > MaxAmount(rule.unit)) {
    return error(amount_at,
                 StrCat("at most ", MaxAmount(rule.unit), " ", UnitName(rule.unit, true)));
  }
  skip_space();
  if (pos == lower.size()) return rule;
  if (lower.compare(pos, 2, "at") != 0 || (pos + 2 < lower.size() && lower[pos + 2] != ' ')) {
    return error(pos,
                 StrCat("unexpected \"", text.substr(pos), "\"; expected end or \"at HH:MM\""));
  }
  if (rule.unit != Unit::kDays && rule.unit != Unit::kBusinessDays) {
    return error(pos, "a time of day (\"at HH:MM\") goes only with days or business days");
  }
  pos += 2;
  skip_space();
  const size_t time_at = pos;
  int hours = 0;
  int minutes = 0;
  size_t digits = 0;
  while (pos < lower.size() && std::isdigit(static_cast<unsigned char>(lower[pos])) && digits < 2) {
    hours = hours * 10 + (lower[pos] - '0');
    ++pos;
    ++digits;
  }
  if (digits == 0 || pos + 2 >= lower.size() || lower[pos] != ':' ||
      !std::isdigit(static_cast<unsigned char>(lower[pos + 1])) ||
      !std::isdigit(static_cast<unsigned char>(lower[pos + 2]))) {
    return error(time_at, "expected a time of day HH:MM after \"at\"");
  }
  minutes = (lower[pos + 1] - '0') * 10 + (lower[pos + 2] - '0');
  pos += 3;
  if (hours > 23 || minutes > 59) {
    return error(time_at, StrCat("no such time of day \"", text.substr(time_at, pos - time_at),
                                 "\" (00:00 to 23:59)"));
  }
  skip_space();
  if (pos != lower.size()) {
    return error(pos, StrCat("unexpected \"", text.substr(pos), "\" after the time of day"));
  }
  rule.at_local_time = std::chrono::minutes(hours * 60 + minutes);
  return rule;
}

std::string DelayRule::ToString() const {
  if (amount == 0 && unit == Unit::kDays && !at_local_time) return "0";
  std::string out = StrCat(amount, " ", UnitName(unit, amount != 1));
  if (at_local_time) StrAppend(&out, " at ", FormatTimeOfDay(*at_local_time));
  return out;
}

Result<Slot> StepDueAt(Instant from, const DelayRule& rule, const RecipientCalendar& calendar,
                       bool reasons) {
  if (calendar.zone == nullptr || calendar.window == nullptr) {
    return absl::InvalidArgumentError("StepDueAt: the calendar has no zone or no window");
  }
  if (rule.amount < 0 || rule.amount > MaxAmount(rule.unit)) {
    return absl::InvalidArgumentError(StrCat("delay \"", rule.ToString(), "\" is out of range"));
  }
  Instant due = from;
  std::vector<Reason> skipped;
  switch (rule.unit) {
    case DelayRule::Unit::kMinutes:
    case DelayRule::Unit::kHours: {
      if (rule.at_local_time) {
        return absl::InvalidArgumentError("a time of day goes only with days or business days");
      }
      due = from + (rule.unit == DelayRule::Unit::kMinutes ? std::chrono::minutes(rule.amount)
                                                           : std::chrono::hours(rule.amount));
      break;
    }
    case DelayRule::Unit::kDays:
    case DelayRule::Unit::kBusinessDays: {
      // Calendar arithmetic on the local date, keeping the local time of day (or the rule's).
      const date::time_zone& zone = *calendar.zone;
      const internal::ZoneTable* table = internal::ZoneTable::For(calendar.zone);
      const int64_t from_us = from.time_since_epoch().count();
      const int64_t from_s = FloorDiv(from_us, kMicrosPerSecond);
      const int64_t local_us = from_us + internal::OffsetAt(zone, table, from_s) * kMicrosPerSecond;
      int64_t day = FloorDiv(local_us, kMicrosPerDay);
      const int64_t time_of_day_us = rule.at_local_time
                                         ? rule.at_local_time->count() * 60 * kMicrosPerSecond
                                         : local_us - day * kMicrosPerDay;
      if (rule.unit == DelayRule::Unit::kDays) {
        day += rule.amount;
      } else {
        int64_t left = rule.amount;
        int searched = 0;
        while (left > 0) {
          if (++searched > kSearchDays) {
            return absl::FailedPreconditionError(
                StrCat("fewer than ", rule.amount, " business days within ", kSearchDays,
                       " days of ", FormatRfc3339(from), " in ", zone.name()));
          }
          ++day;
          const Holiday* holiday = nullptr;
          const DayStatus status = StatusOfDay(LocalDays(date::days(day)), calendar, &holiday);
          if (status == DayStatus::kOpen) {
            --left;
          } else if (reasons) {
            skipped.push_back(internal::ExplainClosedDay(calendar, day, status, holiday));
          }
        }
      }
      const int64_t target_local_us = day * kMicrosPerDay + time_of_day_us;
      const int64_t target_local_s = FloorDiv(target_local_us, kMicrosPerSecond);
      bool exact = true;
      const int64_t sys_s = internal::LocalToSys(zone, table, target_local_s, &exact);
      const int64_t sys_us = sys_s * kMicrosPerSecond +
                             (exact ? target_local_us - target_local_s * kMicrosPerSecond : 0);
      due = Instant(std::chrono::microseconds(sys_us));
      // "0 days at 08:30" at 10:00 cannot be due before the previous step.
      if (due < from) due = from;
      break;
    }
  }
  ASSIGN_OR_RETURN(Slot slot, NextAllowed(due, calendar, reasons));
  if (!skipped.empty()) {
    skipped.insert(skipped.end(), std::make_move_iterator(slot.reasons.begin()),
                   std::make_move_iterator(slot.reasons.end()));
    slot.reasons = std::move(skipped);
  }
  return slot;
}

}  // namespace cadent::calendar
