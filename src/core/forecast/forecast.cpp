#include "core/forecast/forecast.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "core/common/strings.hpp"
#include "core/pacing/in_memory_pacer.hpp"
#include "core/pacing/rotation.hpp"

namespace cadent::forecast {
namespace {

using calendar::Reason;
using pacing::Limit;
using std::chrono::days;
using std::chrono::floor;

constexpr pacing::CampaignId kCampaign{1};

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A uniform draw in [0, 1) that depends only on (seed, contact, step).
double Draw(uint64_t seed, uint32_t contact, uint16_t step) {
  const uint64_t h = SplitMix64(seed ^ SplitMix64((uint64_t{contact} << 16) | step));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

struct Group {
  calendar::RecipientCalendar calendar;
  uint64_t calendar_key = 0;  // equal for groups with equal calendars (Request::window_key)
  std::string domain;
  // Step 0 is due at the same instant for every contact of the group.
  Instant first_due;
  bool first_due_holiday = false;
  bool first_due_hours = false;
};

struct ContactState {
  uint32_t group = 0;
  uint16_t next_step = 0;
  bool sent_any = false;
  bool replied = false;
  bool delayed_holiday = false;
  bool delayed_hours = false;
  bool delayed_caps = false;
  bool delayed_spacing = false;
};

struct Event {
  Instant due;
  uint32_t contact;
  friend bool operator>(const Event& a, const Event& b) {
    return std::tie(a.due, a.contact) > std::tie(b.due, b.contact);
  }
};

// Sorts calendar reasons into the two delay kinds.
void NoteReasons(const std::vector<Reason>& reasons, bool* holiday, bool* hours) {
  for (const Reason& reason : reasons) {
    switch (reason.kind) {
      case Reason::Kind::kHoliday:
      case Reason::Kind::kBlackout:
        *holiday = true;
        break;
      case Reason::Kind::kOutsideHours:
      case Reason::Kind::kWeekend:
      case Reason::Kind::kClosedDay:
      case Reason::Kind::kDstGap:
        *hours = true;
        break;
    }
  }
}

// Why the recipient's calendar moved a slot from `from` to `to` (after pacing pushed it
// outside the window): a holiday or blackout day in between, else hours or weekend.
void NoteWindowPush(Instant from, Instant to, const calendar::RecipientCalendar& cal, bool* holiday,
                    bool* hours) {
  const date::local_days first = floor<days>(cal.zone->to_local(from));
  const date::local_days last = floor<days>(cal.zone->to_local(to));
  for (date::local_days day = first; day < last; day += days(1)) {
    const calendar::DayStatus status = calendar::StatusOfDay(day, cal);
    if (status == calendar::DayStatus::kHoliday || status == calendar::DayStatus::kBlackout) {
      *holiday = true;
      return;
    }
  }
  *hours = true;
}

constexpr uint32_t kCapBits = (1u << static_cast<unsigned>(Limit::kDailyCap)) |
                              (1u << static_cast<unsigned>(Limit::kHourlyCap)) |
                              (1u << static_cast<unsigned>(Limit::kWeeklyCap)) |
                              (1u << static_cast<unsigned>(Limit::kWarmUp)) |
                              (1u << static_cast<unsigned>(Limit::kDomainHourlyCap)) |
                              (1u << static_cast<unsigned>(Limit::kCampaignNewContacts));

}  // namespace

double Forecast::ShareDelayedByHoliday() const {
  return contacts == 0 ? 0.0
                       : static_cast<double>(delayed_by_holiday) / static_cast<double>(contacts);
}

double Forecast::ShareDelayedByCaps() const {
  return contacts == 0 ? 0.0 : static_cast<double>(delayed_by_caps) / static_cast<double>(contacts);
}

Result<Forecast> RunForecast(const Input& input) {
  if (input.steps.empty()) return absl::InvalidArgumentError("the sequence has no step");
  if (!(input.reply_rate >= 0.0 && input.reply_rate <= 1.0)) {
    return absl::InvalidArgumentError(StrCat("reply rate ", input.reply_rate, " is not in [0, 1]"));
  }
  if (input.steps.size() > UINT16_MAX || input.senders.size() > UINT16_MAX) {
    return absl::InvalidArgumentError("too many steps or senders");
  }

  // Channels, sender pools, the pacer.
  std::vector<std::string> channels;
  auto channel_index = [&](const std::string& name) {
    const auto it = std::find(channels.begin(), channels.end(), name);
    if (it != channels.end()) return static_cast<size_t>(it - channels.begin());
    channels.push_back(name);
    return channels.size() - 1;
  };
  std::vector<size_t> step_channel;
  for (const Step& step : input.steps) step_channel.push_back(channel_index(step.channel));
  std::vector<std::vector<pacing::SenderId>> pools(channels.size());
  absl::flat_hash_map<int64_t, uint16_t> sender_index;
  pacing::InMemoryPacer pacer;
  for (size_t i = 0; i < input.senders.size(); ++i) {
    const Sender& sender = input.senders[i];
    if (sender.policy.zone == nullptr) {
      return absl::InvalidArgumentError(StrCat("sender ", sender.id.value(), " has no zone"));
    }
    if (!sender_index.emplace(sender.id.value(), static_cast<uint16_t>(i)).second) {
      return absl::InvalidArgumentError(StrCat("sender ", sender.id.value(), " is listed twice"));
    }
    pools[channel_index(sender.channel)].push_back(sender.id);
    pacer.SetSender(kDefaultWorkspace, sender.id, sender.policy);
  }
  pools.resize(channels.size());
  for (size_t s = 0; s < input.steps.size(); ++s) {
    if (pools[step_channel[s]].empty()) {
      return absl::InvalidArgumentError(StrCat("step ", s + 1, " uses channel '",
                                               input.steps[s].channel, "', which has no sender"));
    }
  }
  pacer.SetCampaign(kDefaultWorkspace, kCampaign, input.campaign);

  // Groups: one recipient calendar each, and step 0's due instant.
  Forecast forecast;
  std::vector<Group> groups;
  groups.reserve(input.audience.size());
  const Sender& first_sender = input.senders[pools[step_channel[0]].empty()
                                                 ? 0
                                                 : sender_index[pools[step_channel[0]][0].value()]];
  std::map<std::pair<const date::time_zone*, std::string>, uint64_t> calendar_keys;
  absl::flat_hash_map<uint64_t, size_t> first_group_of_key;
  for (const AudienceGroup& audience : input.audience) {
    if (audience.count <= 0) continue;
    Group group;
    if (input.calendar.zone_choice == calendar::CalendarOptions::ZoneChoice::kSender) {
      // The window is evaluated where the sender is (the first sender of step 1's channel).
      group.calendar = calendar::MakeRecipientCalendar(input.calendar, first_sender.policy.zone,
                                                       first_sender.country);
    } else {
      ASSIGN_OR_RETURN(
          const calendar::ResolvedZone zone,
          calendar::ResolveZone(audience.zone, "", audience.country, input.default_zone));
      group.calendar = calendar::MakeRecipientCalendar(input.calendar, zone.zone, audience.country);
    }
    group.domain = audience.recipient_domain;
    const auto [known, inserted] = calendar_keys.try_emplace(
        std::pair(group.calendar.zone, group.calendar.holiday_country), calendar_keys.size() + 1);
    group.calendar_key = known->second;
    if (!inserted) {
      // The same calendar as an earlier group: step 0 is due at the same instant.
      const Group& same = groups[first_group_of_key[known->second]];
      group.first_due = same.first_due;
      group.first_due_holiday = same.first_due_holiday;
      group.first_due_hours = same.first_due_hours;
      groups.push_back(std::move(group));
      forecast.contacts += audience.count;
      continue;
    }
    first_group_of_key[known->second] = groups.size();
    ASSIGN_OR_RETURN(const calendar::Slot due,
                     calendar::StepDueAt(input.start, input.steps[0].delay, group.calendar));
    group.first_due = due.at;
    NoteReasons(due.reasons, &group.first_due_holiday, &group.first_due_hours);
    groups.push_back(std::move(group));
    forecast.contacts += audience.count;
  }
  if (forecast.contacts > UINT32_MAX) return absl::InvalidArgumentError("too many contacts");

  std::vector<ContactState> contacts;
  contacts.reserve(static_cast<size_t>(forecast.contacts));
  std::vector<Event> initial;
  initial.reserve(static_cast<size_t>(forecast.contacts));
  {
    size_t g = 0;
    for (const AudienceGroup& audience : input.audience) {
      if (audience.count <= 0) continue;
      for (int64_t i = 0; i < audience.count; ++i) {
        ContactState state;
        state.group = static_cast<uint32_t>(g);
        state.delayed_holiday = groups[g].first_due_holiday;
        state.delayed_hours = groups[g].first_due_hours;
        initial.push_back(Event{groups[g].first_due, static_cast<uint32_t>(contacts.size())});
        contacts.push_back(state);
      }
      ++g;
    }
  }
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue(std::greater<>(),
                                                                       std::move(initial));
  std::vector<int32_t> assigned(contacts.size() * channels.size(), -1);
  std::map<std::tuple<int32_t, uint16_t, uint16_t>, int64_t> per_day;  // (day, sender, channel)
  const Instant end = input.start + input.horizon;

  const calendar::RecipientCalendar* current = nullptr;
  const pacing::WindowCheck window = [&current](Instant t) -> Result<Instant> {
    if (calendar::IsAllowed(t, *current)) return t;
    ASSIGN_OR_RETURN(const calendar::Slot slot, calendar::NextAllowed(t, *current, false));
    return slot.at;
  };

  while (!queue.empty()) {
    const Event event = queue.top();
    queue.pop();
    ContactState& contact = contacts[event.contact];
    const Group& group = groups[contact.group];
    const uint16_t step = contact.next_step;
    if (event.due > end) {
      ++forecast.contacts_unfinished;
      continue;
    }
    const size_t channel = step_channel[step];
    pacing::Request request;
    request.campaign = kCampaign;
    request.recipient_domain = group.domain;
    request.is_new_contact = !contact.sent_any;
    request.window = &window;
    request.window_key = group.calendar_key;
    current = &group.calendar;
    const int32_t previous_sender = assigned[event.contact * channels.size() + channel];
    const std::optional<pacing::SenderId> sticky =
        previous_sender < 0 ? std::nullopt
                            : std::optional(input.senders[static_cast<size_t>(previous_sender)].id);
    Result<pacing::Reservation> slot =
        pacing::ReserveForContact(pacer, pools[channel], sticky, event.due, request);
    if (!slot.ok()) {
      if (!absl::IsResourceExhausted(slot.status())) return slot.status();
      ++forecast.contacts_unfinished;
      continue;
    }
    if (slot->at > end) {
      TRY(pacer.Release(*slot));
      ++forecast.contacts_unfinished;
      continue;
    }

    const uint16_t sender = sender_index[slot->sender.value()];
    assigned[event.contact * channels.size() + channel] = sender;
    ++forecast.messages;
    if (!forecast.first_message || slot->at < *forecast.first_message)
      forecast.first_message = slot->at;
    if (!forecast.last_message || slot->at > *forecast.last_message)
      forecast.last_message = slot->at;
    const auto sender_day = floor<days>(input.senders[sender].policy.zone->to_local(slot->at))
                                .time_since_epoch()
                                .count();
    ++per_day[{static_cast<int32_t>(sender_day), sender, static_cast<uint16_t>(channel)}];
    if (input.keep_schedule) {
      forecast.schedule.push_back(
          ScheduledMessage{slot->at, event.contact, step, sender, request.is_new_contact});
    }
    const auto pushed = static_cast<uint32_t>(slot->pushed_by.to_ulong());
    if ((pushed & kCapBits) != 0) contact.delayed_caps = true;
    if (slot->pushed_by.test(static_cast<size_t>(Limit::kSpacing))) contact.delayed_spacing = true;
    if (slot->pushed_by.test(static_cast<size_t>(Limit::kRecipientWindow))) {
      NoteWindowPush(event.due, slot->at, group.calendar, &contact.delayed_holiday,
                     &contact.delayed_hours);
    }
    contact.sent_any = true;

    // The contact's reply, then its next step.
    if (!contact.replied && input.reply_rate > 0.0 &&
        Draw(input.seed, event.contact, step) < input.reply_rate) {
      contact.replied = true;
      ++forecast.contacts_replied;
    }
    size_t next = step + 1u;
    while (next < input.steps.size() && contact.replied && input.steps[next].stops_on_reply) ++next;
    if (next >= input.steps.size()) {
      ++forecast.contacts_finished;
      continue;
    }
    contact.next_step = static_cast<uint16_t>(next);
    ASSIGN_OR_RETURN(const calendar::Slot due,
                     calendar::StepDueAt(slot->at, input.steps[next].delay, group.calendar));
    NoteReasons(due.reasons, &contact.delayed_holiday, &contact.delayed_hours);
    queue.push(Event{due.at, event.contact});
  }

  for (const ContactState& contact : contacts) {
    forecast.delayed_by_holiday += contact.delayed_holiday ? 1 : 0;
    forecast.delayed_by_hours += contact.delayed_hours ? 1 : 0;
    forecast.delayed_by_caps += contact.delayed_caps ? 1 : 0;
    forecast.delayed_by_spacing += contact.delayed_spacing ? 1 : 0;
  }
  forecast.per_day.reserve(per_day.size());
  for (const auto& [key, count] : per_day) {
    const auto& [day, sender, channel] = key;
    forecast.per_day.push_back(DailyCount{date::year_month_day(date::sys_days(days(day))),
                                          input.senders[sender].id, channels[channel], count});
  }
  std::stable_sort(forecast.per_day.begin(), forecast.per_day.end(),
                   [](const DailyCount& a, const DailyCount& b) {
                     return std::tie(a.day, a.sender, a.channel) <
                            std::tie(b.day, b.sender, b.channel);
                   });
  return forecast;
}

std::string Summary(const Forecast& forecast) {
  auto percent = [&](int64_t n) {
    if (forecast.contacts == 0) return std::string("0.0%");
    const double share = 100.0 * static_cast<double>(n) / static_cast<double>(forecast.contacts);
    const auto tenths = static_cast<int64_t>(share * 10.0 + 0.5);
    return StrCat(tenths / 10, ".", tenths % 10, "%");
  };
  std::string out =
      StrCat("contacts: ", forecast.contacts, ", messages: ", forecast.messages,
             "\nfinished: ", forecast.contacts_finished, ", replied: ", forecast.contacts_replied,
             ", unfinished: ", forecast.contacts_unfinished, "\n");
  if (forecast.first_message) {
    StrAppend(&out, "first message: ", FormatRfc3339(*forecast.first_message),
              "\nlast message: ", FormatRfc3339(*forecast.last_message), "\n");
  }
  StrAppend(&out, "contacts delayed by holidays: ", percent(forecast.delayed_by_holiday),
            ", by hours or weekends: ", percent(forecast.delayed_by_hours),
            ", by caps: ", percent(forecast.delayed_by_caps),
            ", by spacing: ", percent(forecast.delayed_by_spacing), "\n");
  // The busiest day across senders.
  std::map<date::year_month_day, int64_t> totals;
  for (const DailyCount& count : forecast.per_day) totals[count.day] += count.messages;
  if (!totals.empty()) {
    const auto busiest =
        std::max_element(totals.begin(), totals.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    const date::year_month_day day = busiest->first;
    StrAppend(&out, "days with sends: ", totals.size(), ", busiest: ", static_cast<int>(day.year()),
              "-", static_cast<unsigned>(day.month()) < 10 ? "0" : "",
              static_cast<unsigned>(day.month()), "-",
              static_cast<unsigned>(day.day()) < 10 ? "0" : "", static_cast<unsigned>(day.day()),
              " (", busiest->second, " messages)\n");
  }
  return out;
}

}  // namespace cadent::forecast
