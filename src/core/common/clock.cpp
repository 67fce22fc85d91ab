#include "core/common/clock.hpp"

#include <ctime>

#include "absl/strings/str_format.h"

namespace cadent {

std::string FormatRfc3339(Instant t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{t - days};
  const int64_t micros = hms.subseconds().count();
  std::string out = absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                                    static_cast<unsigned>(ymd.month()),
                                    static_cast<unsigned>(ymd.day()), hms.hours().count(),
                                    hms.minutes().count(), static_cast<int>(hms.seconds().count()));
  if (micros != 0) absl::StrAppendFormat(&out, ".%06d", micros);
  out += 'Z';
  return out;
}

Result<Instant> ParseRfc3339(std::string_view text) {
  // Hand-checked shape, then the numbers: YYYY-MM-DD[(T| )HH:MM[:SS[.f+]](Z|+HH:MM|-HH:MM)].
  auto bad = [&text]() {
    return absl::InvalidArgumentError(absl::StrFormat(
        "'%s' is not a time like 2026-12-01T09:00:00Z (RFC 3339) or a date like 2026-12-01",
        std::string(text)));
  };
  auto digits = [&text](size_t at, size_t n, int* out) {
    if (at + n > text.size()) return false;
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(0, 4, &year) || text.size() < 10 || text[4] != '-' || !digits(5, 2, &month) ||
      text[7] != '-' || !digits(8, 2, &day)) {
    return bad();
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return bad();
  Instant at = Instant(std::chrono::sys_days(ymd));
  if (text.size() == 10) return at;
  if ((text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(11, 2, &hour) ||
      text.size() < 16 || text[13] != ':' || !digits(14, 2, &minute) || hour > 23 || minute > 59) {
    return bad();
  }
  size_t pos = 16;
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == ':') {
    if (!digits(pos + 1, 2, &second) || second > 60) return bad();
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      int64_t scale = 100000;
      const size_t begin = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        micros += (text[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == begin) return bad();
    }
  }
  at += std::chrono::hours(hour) + std::chrono::minutes(minute) +
        std::chrono::seconds(std::min(second, 59)) + Duration(micros);
  if (pos == text.size()) return bad();  // an offset is required with a time
  if ((text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) return at;
  int off_h = 0, off_m = 0;
  if ((text[pos] != '+' && text[pos] != '-') || text.size() != pos + 6 ||
      !digits(pos + 1, 2, &off_h) || text[pos + 3] != ':' || !digits(pos + 4, 2, &off_m) ||
      off_h > 23 || off_m > 59) {
    return bad();
  }
  const auto offset = std::chrono::hours(off_h) + std::chrono::minutes(off_m);
  return text[pos] == '+' ? at - offset : at + offset;
}

Instant SystemClock::Now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

Instant FakeClock::Now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

void FakeClock::Advance(Duration by) {
  std::lock_guard lock(mutex_);
  now_ += by;
}

void FakeClock::Set(Instant to) {
  std::lock_guard lock(mutex_);
  now_ = to;
}

}  // namespace cadent
