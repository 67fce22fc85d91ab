// The compiled-in holiday data: parsed once into per-country sorted rows and day bitsets.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "core/calendar/calendar.hpp"
#include "core/calendar/embedded_holidays.hpp"
#include "core/common/strings.hpp"

namespace cadent::calendar {
namespace {

int Letter(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  return -1;
}

int CodeIndex(std::string_view country) {
  if (country.size() != 2) return -1;
  const int a = Letter(country[0]);
  const int b = Letter(country[1]);
  return (a < 0 || b < 0) ? -1 : a * 26 + b;
}

bool ParseInt(std::string_view text, int* out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// "YYYY-MM-DD" -> a valid date.
bool ParseDate(std::string_view text, date::year_month_day* out) {
  int y = 0;
  int m = 0;
  int d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !ParseInt(text.substr(0, 4), &y) ||
      !ParseInt(text.substr(5, 2), &m) || !ParseInt(text.substr(8, 2), &d)) {
    return false;
  }
  *out =
      date::year(y) / date::month(static_cast<unsigned>(m)) / date::day(static_cast<unsigned>(d));
  return out->ok();
}

int32_t DayNumber(date::year_month_day day) {
  return static_cast<int32_t>(date::sys_days(day).time_since_epoch().count());
}

void SetBit(std::vector<uint64_t>& bits, int32_t bit) {
  bits[static_cast<size_t>(bit) / 64] |= uint64_t{1} << (static_cast<unsigned>(bit) % 64);
}

}  // namespace

Result<HolidayData> HolidayData::Parse(std::span<const EmbeddedFile> files) {
  HolidayData data;
  data.index_.fill(-1);
  std::vector<std::pair<std::string, CountryDays>> parsed;
  for (const EmbeddedFile& file : files) {
    if (!file.name.ends_with(".tsv")) continue;
    const std::string_view code = file.name.substr(0, file.name.size() - 4);
    if (CodeIndex(code) < 0 || Letter(code[0]) != code[0] - 'A' ||
        Letter(code[1]) != code[1] - 'A') {
      return absl::InvalidArgumentError(
          StrCat("holiday file ", file.name, ": name is not <CC>.tsv (upper-case ISO code)"));
    }
    CountryDays days;
    std::string_view rest = file.contents;
    int line_number = 0;
    while (!rest.empty()) {
      const size_t newline = rest.find('\n');
      const std::string_view line = rest.substr(0, newline);
      rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
      ++line_number;
      if (line.empty() || line[0] == '#') continue;
      auto error = [&](std::string_view what) {
        return absl::InvalidArgumentError(StrCat("holiday file ", file.name, " line ", line_number,
                                                 ": ", what, ": \"", line, "\""));
      };
      std::string_view fields[4];
      std::string_view cursor = line;
      for (int i = 0; i < 4; ++i) {
        const size_t tab = cursor.find('\t');
        if ((tab == std::string_view::npos) != (i == 3)) {
          return error("expected 4 tab-separated fields");
        }
        fields[i] = cursor.substr(0, tab);
        if (tab != std::string_view::npos) cursor = cursor.substr(tab + 1);
      }
      Holiday holiday;
      if (!ParseDate(fields[0], &holiday.day)) return error("bad date (expected YYYY-MM-DD)");
      if (fields[1].empty()) return error("empty name");
      holiday.name = fields[1];
      if (fields[2] == "public") {
        holiday.type = HolidayType::kPublic;
      } else if (fields[2] == "bank") {
        holiday.type = HolidayType::kBank;
      } else {
        return error("type must be public or bank");
      }
      if (!days.holidays.empty() && !(days.holidays.back().day < holiday.day)) {
        return error("dates must increase strictly");
      }
      days.holidays.push_back(holiday);
    }
    if (!days.holidays.empty()) {
      const date::year first_year = days.holidays.front().day.year();
      const date::year last_year = days.holidays.back().day.year();
      days.first_day = DayNumber(first_year / date::January / 1);
      const int32_t span = DayNumber(last_year / date::December / 31) - days.first_day + 1;
      days.any_bits.assign(static_cast<size_t>(span + 63) / 64, 0);
      days.public_bits.assign(days.any_bits.size(), 0);
      for (const Holiday& h : days.holidays) {
        const int32_t bit = DayNumber(h.day) - days.first_day;
        SetBit(days.any_bits, bit);
        if (h.type == HolidayType::kPublic) SetBit(days.public_bits, bit);
      }
    }
    parsed.emplace_back(std::string(code), std::move(days));
  }
  std::sort(parsed.begin(), parsed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [code, days] : parsed) {
    if (!data.countries_.empty() && data.countries_.back() == code) {
      return absl::InvalidArgumentError(StrCat("holiday file ", code, ".tsv given twice"));
    }
    data.index_[static_cast<size_t>(CodeIndex(code))] =
        static_cast<int16_t>(data.countries_.size());
    data.countries_.push_back(code);
    data.days_.push_back(std::move(days));
  }
  return data;
}

const HolidayData& HolidayData::Builtin() {
  static const HolidayData* const data = [] {
    Result<HolidayData> parsed = Parse(EmbeddedHolidayFiles());
    if (!parsed.ok()) {
      // The files are compiled in and checked by calendar_tests: this is a build defect.
      std::fprintf(stderr, "cadent: compiled-in holiday data is invalid: %s\n",
                   std::string(parsed.status().message()).c_str());
      std::abort();
    }
    return new HolidayData(std::move(parsed).value());
  }();
  return *data;
}

std::span<const std::string> HolidayData::Countries() const { return countries_; }

bool HolidayData::Covers(std::string_view country) const { return CountryIndex(country) >= 0; }

int HolidayData::CountryIndex(std::string_view country) const {
  const int code = CodeIndex(country);
  return code < 0 ? -1 : index_[static_cast<size_t>(code)];
}

bool HolidayData::IsHoliday(int index, date::sys_days day, bool public_only) const {
  const CountryDays& days = days_[static_cast<size_t>(index)];
  const int64_t bit = day.time_since_epoch().count() - days.first_day;
  if (bit < 0 || bit >= static_cast<int64_t>(days.any_bits.size() * 64)) return false;
  const std::vector<uint64_t>& bits = public_only ? days.public_bits : days.any_bits;
  return (bits[static_cast<size_t>(bit) / 64] >> (static_cast<uint64_t>(bit) % 64)) & 1U;
}

const Holiday* HolidayData::FindByIndex(int index, date::sys_days day) const {
  const std::vector<Holiday>& list = days_[static_cast<size_t>(index)].holidays;
  const date::year_month_day ymd(day);
  const auto it =
      std::lower_bound(list.begin(), list.end(), ymd,
                       [](const Holiday& h, date::year_month_day d) { return h.day < d; });
  return (it != list.end() && it->day == ymd) ? &*it : nullptr;
}

const Holiday* HolidayData::Find(std::string_view country, date::year_month_day day,
                                 bool public_only) const {
  const int index = CountryIndex(country);
  if (index < 0 || !day.ok()) return nullptr;
  const date::sys_days days(day);
  if (!IsHoliday(index, days, public_only)) return nullptr;
  return FindByIndex(index, days);
}

std::vector<Holiday> HolidayData::Between(std::string_view country, date::year_month_day from,
                                          date::year_month_day to) const {
  std::vector<Holiday> out;
  const int index = CountryIndex(country);
  if (index < 0) return out;
  for (const Holiday& h : days_[static_cast<size_t>(index)].holidays) {
    if (from <= h.day && h.day <= to) out.push_back(h);
  }
  return out;
}

std::vector<HolidayData::Coverage> HolidayData::CoverageTable() const {
  std::vector<Coverage> out;
  for (size_t i = 0; i < countries_.size(); ++i) {
    Coverage row;
    row.country = countries_[i];
    const std::vector<Holiday>& list = days_[i].holidays;
    if (!list.empty()) {
      row.first_year = static_cast<int>(list.front().day.year());
      row.last_year = static_cast<int>(list.back().day.year());
    }
    for (const Holiday& h : list) {
      (h.type == HolidayType::kPublic ? row.public_days : row.bank_days) += 1;
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace cadent::calendar
