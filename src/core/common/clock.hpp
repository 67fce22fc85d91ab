// The one source of "now". Production uses SystemClock; tests and virtual-time runs use
// FakeClock, which moves only when told.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace cadent {

// An absolute instant (UTC), microsecond precision. Stored as integer microseconds since
// the Unix epoch (columns ending in _us). Civil (local) times are a different type
// (core/calendar) and become Instants only through a time zone.
using Instant = std::chrono::sys_time<std::chrono::microseconds>;
using Duration = std::chrono::microseconds;

inline int64_t ToUnixMicros(Instant t) { return t.time_since_epoch().count(); }
inline Instant FromUnixMicros(int64_t us) { return Instant(Duration(us)); }

// RFC 3339 in UTC with microseconds when non-zero: 2026-11-23T16:38:30Z, ...30.000125Z.
std::string FormatRfc3339(Instant t);
// Reads RFC 3339 ("2026-12-01T09:00:00Z", "...00.25+01:00") or a bare date ("2026-12-01",
// midnight UTC). kInvalidArgument names what was expected.
Result<Instant> ParseRfc3339(std::string_view text);

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, as stored and shown. Thread-safe.
  virtual Instant Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant Now() const override;
};

// A clock for tests and virtual time: starts where told and moves only by Advance/Set.
// Thread-safe (std::mutex, so ThreadSanitizer sees the locking; Debian's abseil is not
// built for it).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant start) : now_(start) {}
  Instant Now() const override;
  void Advance(Duration by);
  void Set(Instant to);

 private:
  mutable std::mutex mutex_;
  Instant now_;  // guarded by mutex_
};

}  // namespace cadent
