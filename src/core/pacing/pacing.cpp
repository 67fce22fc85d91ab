#include "core/pacing/pacing.hpp"

#include <algorithm>
#include <array>

#include "core/common/strings.hpp"

namespace cadent::pacing {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::seconds;

constexpr std::chrono::hours kWeek{7 * 24};
// Every step of the search moves the candidate strictly later, past a booking or to the
// end of a bucket; a legitimate search needs a few steps per booking it passes.
constexpr int kMaxSearchSteps = 200'000;

constexpr std::array<std::string_view, kLimitCount> kLimitNames = {"spacing",
                                                                   "daily_cap",
                                                                   "hourly_cap",
                                                                   "weekly_cap",
                                                                   "warm_up",
                                                                   "domain_hourly_cap",
                                                                   "campaign_new_contacts",
                                                                   "recipient_window"};

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Instant ToInstant(date::sys_seconds t) { return Instant(t.time_since_epoch()); }

// Index of the first booking at or after `at`.
size_t LowerIndex(std::span<const Booking> bookings, Instant at) {
  return static_cast<size_t>(std::partition_point(bookings.begin(), bookings.end(),
                                                  [at](const Booking& b) { return b.at < at; }) -
                             bookings.begin());
}

int64_t CountIn(std::span<const Booking> bookings, Bucket bucket) {
  return static_cast<int64_t>(LowerIndex(bookings, bucket.end) -
                              LowerIndex(bookings, bucket.begin));
}

int64_t CountIn(std::span<const Instant> instants, Bucket bucket) {
  return std::lower_bound(instants.begin(), instants.end(), bucket.end) -
         std::lower_bound(instants.begin(), instants.end(), bucket.begin);
}

// For the rolling 7-day cap: if adding a slot at t would put `cap` + 1 bookings into some
// 7-day window containing t, the instant past which that window's first booking stops
// counting; else nullopt.
std::optional<Instant> WeeklyViolation(std::span<const Booking> bookings, Instant t, int64_t cap) {
  const Instant window_low = t - kWeek + microseconds(1);
  const size_t lo = LowerIndex(bookings, window_low);
  const size_t hi = LowerIndex(bookings, t + kWeek);
  // Every window containing t lies inside [window_low, t + week): fewer bookings there than
  // the cap means no window can overflow (the common case, in O(log n)).
  if (cap > 0 && static_cast<int64_t>(hi - lo) < cap) return std::nullopt;
  // Windows [w, w + week) containing t have w in (t - week, t]; their counts change only
  // at bookings, so trying w = window_low and w = each booking at or before t suffices.
  size_t right = lo;
  auto count_from = [&](size_t first, Instant w) {
    right = std::max(right, first);
    while (right < hi && bookings[right].at < w + kWeek) ++right;
    return static_cast<int64_t>(right - first);
  };
  if (lo < hi && count_from(lo, window_low) >= cap) return bookings[lo].at + kWeek;
  size_t i = lo;
  for (; i < hi && bookings[i].at <= t; ++i) {
    if (count_from(i, bookings[i].at) >= cap) return bookings[i].at + kWeek;
  }
  if (i < hi && count_from(i, t) >= cap) return bookings[i].at + kWeek;  // w = t
  if (cap <= 0) return t + kWeek;  // a zero cap: nothing can ever go
  return std::nullopt;
}

}  // namespace

std::string_view ToString(Limit limit) { return kLimitNames[static_cast<size_t>(limit)]; }

std::string ToString(const LimitSet& limits) {
  std::string out;
  for (size_t i = 0; i < kLimitCount; ++i) {
    if (!limits.test(i)) continue;
    if (!out.empty()) out += ',';
    out += kLimitNames[i];
  }
  return out;
}

seconds JitterFor(const SenderPolicy& policy, SenderId sender, Instant at) {
  const int64_t range = (policy.max_spacing - policy.min_spacing).count();
  if (range <= 0) return policy.min_spacing;
  const uint64_t h =
      SplitMix64(policy.jitter_seed ^ SplitMix64(static_cast<uint64_t>(sender.value())) ^
                 static_cast<uint64_t>(ToUnixMicros(at)));
  return policy.min_spacing + seconds(static_cast<int64_t>(h % static_cast<uint64_t>(range + 1)));
}

Instant StartOfLocalDay(date::local_days day, const date::time_zone& zone) {
  const date::local_seconds local{day.time_since_epoch()};
  const date::local_info info = zone.get_info(local);
  if (info.result == date::local_info::nonexistent) {
    return ToInstant(info.first.end);  // midnight fell in a gap: the day starts after it
  }
  // Unique, or ambiguous (the earlier occurrence).
  return ToInstant(date::sys_seconds{local.time_since_epoch()} - info.first.offset);
}

Bucket LocalDayOf(Instant at, const date::time_zone& zone) {
  const date::local_days day = floor<days>(zone.to_local(at));
  return Bucket{StartOfLocalDay(day, zone), StartOfLocalDay(day + days(1), zone)};
}

Bucket LocalHourOf(Instant at, const date::time_zone& zone) {
  const date::sys_info info = zone.get_info(floor<seconds>(at));
  // The local clock hour under the offset in force at `at`, clipped to the interval where
  // that offset holds (a transition may fall inside a clock hour, as on Lord Howe).
  const Instant local_as_utc = at + info.offset;
  const Instant hour_begin = floor<hours>(local_as_utc) - info.offset;
  return Bucket{std::max(hour_begin, ToInstant(info.begin)),
                std::min(hour_begin + hours(1), ToInstant(info.end))};
}

std::optional<int32_t> WarmUpAllowance(const SenderPolicy& policy, date::local_days day) {
  if (!policy.warm_up) return std::nullopt;
  const WarmUp& ramp = *policy.warm_up;
  const int64_t index = (day - ramp.start_day).count();
  if (index < 0) return 0;
  const int64_t allowance = std::max<int64_t>(0, ramp.initial_per_day) +
                            std::max<int64_t>(0, ramp.increment_per_day) * index;
  return static_cast<int32_t>(std::min<int64_t>(allowance, INT32_MAX));
}

Result<PlanResult> PlanSlot(const PlanInput& input) {
  const SenderPolicy& policy = *input.policy;
  const Request& request = *input.request;
  const date::time_zone& zone = *policy.zone;
  const std::span<const Booking> bookings = input.bookings;

  Instant t = input.earliest;
  const Instant limit = input.earliest + input.horizon;
  PlanResult result;
  result.sender_prefix.ends.fill(Instant::min());
  result.window_prefix.ends.fill(Instant::min());
  if (input.start_hint > t) {
    t = input.start_hint;
    result.pushed_by |= input.start_hint_reasons;
  }
  result.sender_prefix.until = t;
  result.window_prefix.until = t;
  bool sender_wide_only = true;  // only sender-wide limits pushed so far
  bool window_only = true;       // only sender-wide limits and the window check
  // The candidate only moves later, so a bucket is valid until the candidate passes its end.
  struct DayCache {
    Bucket bucket;
    std::optional<int32_t> cap;
    Limit limit = Limit::kDailyCap;
    int64_t count = 0;
  };
  struct HourCache {
    Bucket bucket;
    int64_t count = 0;
  };
  std::optional<DayCache> day_cache;
  std::optional<HourCache> hour_cache;
  std::optional<Bucket> campaign_day;
  int64_t campaign_day_count = 0;

  for (int step = 0; step < kMaxSearchSteps; ++step) {
    if (t > limit) break;
    // Moves the candidate to `to`, remembering why. Sender-wide limits block every request;
    // the first request-specific push ends the prefix known to be blocked for all.
    enum class Scope { kSender, kKeyed, kRequest };
    auto push = [&](Limit why, Instant to, Scope scope) {
      if (scope != Scope::kSender && sender_wide_only) {
        result.sender_prefix.until = t;
        sender_wide_only = false;
      }
      if (scope == Scope::kRequest && window_only) {
        result.window_prefix.until = t;
        window_only = false;
      }
      result.pushed_by.set(static_cast<size_t>(why));
      t = std::max(to, t + microseconds(1));
      if (sender_wide_only) result.sender_prefix.ends[static_cast<size_t>(why)] = t;
      if (window_only) result.window_prefix.ends[static_cast<size_t>(why)] = t;
    };

    // Sender-wide limits first, so the blocked prefix is as long as possible. The day and
    // hour (and their counts: the bookings do not change during the search) are reused
    // while the candidate stays inside them.
    if (!day_cache || t >= day_cache->bucket.end) {
      const date::local_days local_day = floor<days>(zone.to_local(t));
      DayCache& c = day_cache.emplace();
      c.bucket =
          Bucket{StartOfLocalDay(local_day, zone), StartOfLocalDay(local_day + days(1), zone)};
      c.cap = policy.daily_cap;
      c.limit = Limit::kDailyCap;
      if (const auto ramp = WarmUpAllowance(policy, local_day);
          ramp && (!c.cap || *ramp < *c.cap)) {
        c.cap = ramp;
        c.limit = Limit::kWarmUp;
      }
      c.count = c.cap ? CountIn(bookings, c.bucket) : 0;
    }
    if (day_cache->cap && day_cache->count >= *day_cache->cap) {
      push(day_cache->limit, day_cache->bucket.end, Scope::kSender);
      continue;
    }
    // The campaign's day before the hour and the spacing: a full campaign day is skipped in
    // one step instead of walking the sender's bookings through it.
    if (input.campaign != nullptr && request.is_new_contact &&
        input.campaign->new_contacts_per_day) {
      const date::time_zone& campaign_zone =
          input.campaign->zone != nullptr ? *input.campaign->zone : zone;
      if (!campaign_day || t >= campaign_day->end) {
        campaign_day = LocalDayOf(t, campaign_zone);
        campaign_day_count = CountIn(input.campaign_new_contacts, *campaign_day);
      }
      if (campaign_day_count >= *input.campaign->new_contacts_per_day) {
        push(Limit::kCampaignNewContacts, campaign_day->end, Scope::kKeyed);
        continue;
      }
    }
    if (!hour_cache || t >= hour_cache->bucket.end) {
      HourCache& c = hour_cache.emplace();
      c.bucket = LocalHourOf(t, zone);
      c.count = policy.hourly_cap ? CountIn(bookings, c.bucket) : 0;
    }
    const Bucket hour = hour_cache->bucket;
    if (policy.hourly_cap && hour_cache->count >= *policy.hourly_cap) {
      push(Limit::kHourlyCap, hour.end, Scope::kSender);
      continue;
    }
    if (policy.weekly_cap) {
      if (const auto past = WeeklyViolation(bookings, t, *policy.weekly_cap)) {
        push(Limit::kWeeklyCap, *past, Scope::kSender);
        continue;
      }
    }
    const size_t next = LowerIndex(bookings, t + microseconds(1));  // first booking after t
    if (next > 0) {
      const Booking& previous = bookings[next - 1];
      if (t < previous.at + previous.gap_after) {
        push(Limit::kSpacing, previous.at + previous.gap_after, Scope::kSender);
        continue;
      }
    }
    seconds gap = JitterFor(policy, input.sender, t);
    if (next < bookings.size() && t + gap > bookings[next].at) {
      // Walk the run of bookings too close together to fit between, in one go: past each
      // one the predecessor rule holds by construction; the caps are checked again after.
      Instant to = t;
      size_t i = next;
      while (i < bookings.size() && to + gap > bookings[i].at) {
        to = std::max(to, bookings[i].at + bookings[i].gap_after);
        ++i;
        if (i < bookings.size()) gap = JitterFor(policy, input.sender, to);
      }
      push(Limit::kSpacing, to, Scope::kSender);
      continue;
    }

    // Limits that depend on the request.
    if (policy.domain_hourly_cap && !request.recipient_domain.empty()) {
      int64_t same_domain = 0;
      for (size_t i = LowerIndex(bookings, hour.begin);
           i < bookings.size() && bookings[i].at < hour.end; ++i) {
        if (bookings[i].recipient_domain == request.recipient_domain) ++same_domain;
      }
      if (same_domain >= *policy.domain_hourly_cap) {
        push(Limit::kDomainHourlyCap, hour.end, Scope::kRequest);
        continue;
      }
    }
    if (request.window != nullptr) {
      ASSIGN_OR_RETURN(const Instant allowed, (*request.window)(t));
      if (allowed > t) {
        push(Limit::kRecipientWindow, allowed, Scope::kKeyed);
        continue;
      }
    }

    result.at = t;
    result.gap_after = gap;
    if (sender_wide_only) result.sender_prefix.until = t;
    if (window_only) result.window_prefix.until = t;
    return result;
  }
  return absl::ResourceExhaustedError(StrCat("no free slot for sender ", input.sender.value(),
                                             " within ", input.horizon.count(), " days of ",
                                             FormatRfc3339(input.earliest)));
}

}  // namespace cadent::pacing
