// Helpers shared by the calendar, pacing and forecast tests.
#pragma once

#include <string>
#include <string_view>

#include "core/calendar/calendar.hpp"
#include "gtest/gtest.h"

namespace cadent::calendar::testing {

// "2026-03-08T05:00:00Z" -> Instant (tests only; aborts the test on a typo).
inline Instant At(std::string_view rfc3339) {
  Result<Instant> at = ParseRfc3339(rfc3339);
  EXPECT_TRUE(at.ok()) << "bad instant in test: " << rfc3339;
  return at.ok() ? *at : Instant{};
}

inline const date::time_zone* Zone(std::string_view name) { return date::locate_zone(name); }

// The instant of a local wall-clock reading (the earlier one when repeated).
inline Instant Local(const date::time_zone* zone, date::year_month_day day, int hour,
                     int minute = 0) {
  const date::local_seconds local =
      date::local_days(day) + std::chrono::hours(hour) + std::chrono::minutes(minute);
  return Instant(zone->to_sys(local, date::choose::earliest).time_since_epoch());
}

inline date::year_month_day Ymd(int y, unsigned m, unsigned d) {
  return date::year(y) / date::month(m) / date::day(d);
}

inline SendWindow Window(std::string_view spec) {
  Result<SendWindow> window = SendWindow::Parse(spec);
  EXPECT_TRUE(window.ok()) << window.status();
  return window.ok() ? *window : SendWindow{};
}

}  // namespace cadent::calendar::testing
