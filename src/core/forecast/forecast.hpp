// The campaign forecast: simulates a whole campaign (audience x sequence x senders) with the
// same calendar (StepDueAt, NextAllowed) and pacing (PlanSlot through a Pacer, sender
// rotation) code the engine uses, and reports messages per day per sender and channel,
// when the last contact finishes, and how many contacts holidays, hours and caps delayed.
// Pure and deterministic: the same input (and seed) gives the same forecast.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/calendar/calendar.hpp"
#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/pacing/pacing.hpp"

namespace cadent::forecast {

// Contacts that share where they are: `count` contacts in one zone and country (a single
// contact is a group of one). zone: IANA name, or "" to derive it from the country and
// then the campaign's default zone (calendar::ResolveZone).
struct AudienceGroup {
  std::string zone;
  std::string country;           // ISO 3166-1 alpha-2, "" if unknown
  std::string recipient_domain;  // for the per-domain cap; "" = not counted
  int64_t count = 1;
};

struct Step {
  std::string channel;         // "email", "linkedin", ...: the senders of that channel send it
  calendar::DelayRule delay;   // from the previous step's send (step 0: from enrollment)
  bool stops_on_reply = true;  // false: sent even after the contact replied
};

struct Sender {
  pacing::SenderId id;
  std::string channel;
  pacing::SenderPolicy policy;  // policy.zone must outlive the call
  std::string country;          // for a campaign that evaluates windows in the sender's zone
};

struct Input {
  std::vector<AudienceGroup> audience;
  std::vector<Step> steps;      // at least one
  std::vector<Sender> senders;  // at least one per channel the steps use
  calendar::CalendarOptions calendar;
  std::string default_zone = "UTC";  // the campaign's zone for contacts with none
  pacing::CampaignPolicy campaign;   // zone null = counted in each sender's zone
  Instant start;                     // when every contact is enrolled
  // The probability that a contact replies after each message it receives; a contact that
  // replied gets no more stops_on_reply steps. Drawn from `seed`, per contact and step.
  double reply_rate = 0.0;
  uint64_t seed = 1;
  // Steps due after start + horizon are not simulated; their contacts count as unfinished.
  std::chrono::days horizon{365};
  bool keep_schedule = false;  // fill Forecast::schedule (memory: 24 bytes a message)
};

struct DailyCount {
  date::year_month_day day;  // the sender's local day
  pacing::SenderId sender;
  std::string channel;
  int64_t messages = 0;
};

struct ScheduledMessage {
  Instant at;
  uint32_t contact = 0;  // index in audience order (groups expanded)
  uint16_t step = 0;
  uint16_t sender = 0;  // index into Input::senders
  bool is_new_contact = false;
};

// JSON-friendly: plain values, vectors and optionals only.
struct Forecast {
  int64_t contacts = 0;
  int64_t messages = 0;
  int64_t contacts_finished = 0;  // every step sent, or stopped by a reply
  int64_t contacts_replied = 0;
  int64_t contacts_unfinished = 0;  // a step beyond the horizon, or no slot found
  std::optional<Instant> first_message;
  std::optional<Instant> last_message;  // when the campaign's last message goes
  // Contacts with at least one step moved later by...
  int64_t delayed_by_holiday = 0;          // a public holiday or blackout day (calendar)
  int64_t delayed_by_hours = 0;            // outside the window, weekend or closed day (calendar)
  int64_t delayed_by_caps = 0;             // a daily/hourly/weekly/warm-up/domain/campaign cap
  int64_t delayed_by_spacing = 0;          // the sender's spacing only
  std::vector<DailyCount> per_day;         // sorted by day, then sender id, then channel
  std::vector<ScheduledMessage> schedule;  // with keep_schedule, in send order per sender
  // Shares of `contacts`, 0 when there are none.
  double ShareDelayedByHoliday() const;
  double ShareDelayedByCaps() const;
};

// Runs the simulation. kInvalidArgument for an empty sequence, a step whose channel has no
// sender, an unknown zone, or a reply rate outside [0, 1].
Result<Forecast> RunForecast(const Input& input);

// A few lines for people: totals, finish date, delay shares, the busiest day.
std::string Summary(const Forecast& forecast);

}  // namespace cadent::forecast
