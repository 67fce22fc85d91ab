// An independent check of a produced schedule against a sender's limits, for tests (pacing
// hammer, forecast property test). It shares no code with PlanSlot: days and hours are
// grouped by the local clock reading from date/tz directly, and the rolling week by a
// sliding window, so a bug in the pacer's buckets shows up here as a violation.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/common/strings.hpp"
#include "core/pacing/pacing.hpp"

namespace cadent::pacing::testing {

struct SentMessage {
  Instant at;
  std::string recipient_domain;
  CampaignId campaign;
  bool is_new_contact = false;
};

// Every violation of `policy` by `messages` (one sender's), as readable lines; empty when
// the schedule keeps every limit.
inline std::vector<std::string> CheckSenderSchedule(const SenderPolicy& policy,
                                                    std::vector<SentMessage> messages) {
  using std::chrono::days;
  using std::chrono::floor;
  using std::chrono::hours;
  std::vector<std::string> violations;
  std::sort(messages.begin(), messages.end(),
            [](const SentMessage& a, const SentMessage& b) { return a.at < b.at; });
  for (size_t i = 1; i < messages.size(); ++i) {
    if (messages[i].at - messages[i - 1].at < policy.min_spacing) {
      violations.push_back(StrCat("spacing: ", FormatRfc3339(messages[i - 1].at), " and ",
                                  FormatRfc3339(messages[i].at)));
    }
  }
  const date::time_zone& zone = *policy.zone;
  std::map<date::local_days, int64_t> per_day;
  // A local clock hour under one UTC offset (a repeated hour is two hours).
  std::map<std::pair<date::local_time<hours>, std::chrono::seconds>, int64_t> per_hour;
  std::map<std::tuple<std::string, date::local_time<hours>, std::chrono::seconds>, int64_t>
      per_domain_hour;
  for (const SentMessage& m : messages) {
    const date::sys_info info = zone.get_info(floor<std::chrono::seconds>(m.at));
    const auto local = zone.to_local(m.at);
    ++per_day[floor<days>(local)];
    ++per_hour[{floor<hours>(local), info.offset}];
    if (!m.recipient_domain.empty()) {
      ++per_domain_hour[{m.recipient_domain, floor<hours>(local), info.offset}];
    }
  }
  for (const auto& [day, count] : per_day) {
    int64_t cap = policy.daily_cap ? *policy.daily_cap : INT64_MAX;
    if (policy.warm_up) {
      const int64_t index = (day - policy.warm_up->start_day).count();
      const int64_t ramp =
          index < 0 ? 0
                    : policy.warm_up->initial_per_day + policy.warm_up->increment_per_day * index;
      cap = std::min(cap, ramp);
    }
    if (count > cap) {
      violations.push_back(StrCat("daily cap: ", count, " > ", cap, " on local day ",
                                  day.time_since_epoch().count()));
    }
  }
  if (policy.hourly_cap) {
    for (const auto& [hour, count] : per_hour) {
      if (count > *policy.hourly_cap) {
        violations.push_back(StrCat("hourly cap: ", count, " > ", *policy.hourly_cap));
      }
    }
  }
  if (policy.domain_hourly_cap) {
    for (const auto& [key, count] : per_domain_hour) {
      if (count > *policy.domain_hourly_cap) {
        violations.push_back(StrCat("domain hourly cap: ", std::get<0>(key), " ", count));
      }
    }
  }
  if (policy.weekly_cap) {
    size_t first = 0;
    for (size_t i = 0; i < messages.size(); ++i) {
      while (messages[i].at - messages[first].at >= hours(7 * 24)) ++first;
      const auto in_window = static_cast<int64_t>(i - first + 1);
      if (in_window > *policy.weekly_cap) {
        violations.push_back(StrCat("weekly cap: ", in_window, " in the week ending ",
                                    FormatRfc3339(messages[i].at)));
      }
    }
  }
  return violations;
}

// Violations of a campaign's cap on new contacts per local day (all senders' messages).
inline std::vector<std::string> CheckCampaignSchedule(const CampaignPolicy& policy,
                                                      const date::time_zone& zone,
                                                      const std::vector<SentMessage>& messages) {
  std::vector<std::string> violations;
  if (!policy.new_contacts_per_day) return violations;
  std::map<date::local_days, int64_t> per_day;
  for (const SentMessage& m : messages) {
    if (m.is_new_contact) ++per_day[std::chrono::floor<std::chrono::days>(zone.to_local(m.at))];
  }
  for (const auto& [day, count] : per_day) {
    if (count > *policy.new_contacts_per_day) {
      violations.push_back(
          StrCat("campaign new contacts: ", count, " > ", *policy.new_contacts_per_day));
    }
  }
  return violations;
}

}  // namespace cadent::pacing::testing
