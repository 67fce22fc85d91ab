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
