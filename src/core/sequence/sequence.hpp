// Campaigns as data: the sequence graph (send, wait, condition, webhook, end), the audience,
// the sender pool, calendar options and stop rules. Pure types and checks; the engine stores
// them (engine/campaign_json reads and writes them as JSON, the CLI also from YAML) and runs
// them. docs/CAMPAIGNS.md documents the file format with a full example.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar/calendar.hpp"
#include "core/common/clock.hpp"
#include "core/common/ids.hpp"
#include "core/common/result.hpp"
#include "core/templating/template.hpp"

namespace cadent::sequence {

enum class StepKind : uint8_t { kSend, kWait, kCondition, kWebhook, kEnd };
std::string_view ToString(StepKind kind);
std::optional<StepKind> ParseStepKind(std::string_view text);

// What a condition step branches on. Each is "did this happen within N days", counted from
// the enrollment's last sent message (or from entering the condition when none was sent).
enum class ConditionKind : uint8_t { kOpened, kClicked, kReplied, kAccepted, kBounced };
std::string_view ToString(ConditionKind kind);  // "opened", ..., "accepted", "bounced"
std::optional<ConditionKind> ParseConditionKind(std::string_view text);

// What a send step does when its message fails permanently.
enum class FailurePolicy : uint8_t { kStop, kContinue };
std::string_view ToString(FailurePolicy policy);
std::optional<FailurePolicy> ParseFailurePolicy(std::string_view text);

// One A/B variant of a send step: a template (by name in files, by id once resolved) and a
// weight. The launch pins template_version to the version current then.
struct Variant {
  std::string name;  // "A", "B", ...: unique within the step; stats are reported by it
  std::string template_name;
  TemplateId template_id;    // resolved by the engine at launch
  int template_version = 0;  // 0 = the latest at launch
  int weight = 1;            // > 0
};

struct Step {
  std::string id;  // unique within the sequence: [a-z0-9_-]{1,64}
  StepKind kind = StepKind::kSend;

  // kSend: channel and variants. Networking campaigns have no variants: the text is the
  // contact's custom field `message_field` (subject from `subject_field` for email).
  templating::Channel channel = templating::Channel::kEmail;
  std::vector<Variant> variants;
  std::string message_field;
  std::string subject_field;
  bool same_thread = false;  // email follow-up in the previous message's thread
  FailurePolicy on_failure = FailurePolicy::kStop;

  // kSend and kWait: how long after the previous step (its actual send, or the enrollment)
  // this step is due. For a send step it is the "after" of a linear list; default 0.
  calendar::DelayRule delay;

  // kCondition: yes when `condition` happened within `within`, else no (at the deadline).
  ConditionKind condition = ConditionKind::kOpened;
  std::chrono::hours within{24 * 3};
  std::string on_yes;  // step ids; "" = end
  std::string on_no;

  // kWebhook: POST {contact, campaign, enrollment, step} as JSON to `url`, signed with the
  // workspace's secret (docs/CAMPAIGNS.md), as a message on the webhook channel: retried
  // like any send, then `on_failure` applies (continue unless the file says stop).
  std::string url;

  // Every kind but kCondition and kEnd: the next step id. "" = the following step in list
  // order (the end after the last one).
  std::string next;
};

// The graph. steps[0] is the entry; edges name step ids.
struct Sequence {
  std::vector<Step> steps;

  // The step with this id, or nullptr.
  const Step* Find(std::string_view id) const;
  // Where the path goes after `step` when it is not a condition: its `next`, else the
  // following step in list order, else nullptr (the end).
  const Step* After(const Step& step) const;
};

enum class CampaignKind : uint8_t { kSequence, kNetworking };
std::string_view ToString(CampaignKind kind);
std::optional<CampaignKind> ParseCampaignKind(std::string_view text);

// One condition of the audience filter on a contact field (email, first_name, company,
// title, country, time_zone, phone, linkedin_url, status, or custom.<name>).
struct FieldFilter {
  enum class Op : uint8_t { kEquals, kNotEquals, kContains, kEmpty, kNotEmpty };
  std::string field;
  Op op = Op::kEquals;
  std::string value;  // compared case-insensitively; unused for kEmpty / kNotEmpty
};
std::string_view ToString(FieldFilter::Op op);  // "eq", "ne", "contains", "empty", "not_empty"
std::optional<FieldFilter::Op> ParseFilterOp(std::string_view text);

// Contacts of any of `lists` (all active contacts when empty) that pass every filter.
struct Audience {
  std::vector<std::string> lists;
  std::vector<FieldFilter> filters;
};

// Which events stop an enrollment. Unsubscribes, hard bounces and complaints always stop it
// (suppression); the others are the user's choice.
struct StopRules {
  bool on_reply = true;           // a reply on any channel
  bool on_company_reply = false;  // a reply from anyone at the same registrable domain
  bool on_conversion = true;      // a conversion event sent through the API or CLI
  bool on_accepted = false;       // a LinkedIn connection accepted (rarely wanted)
};

// Everything about a campaign except its sequence (which is versioned apart).
struct CampaignSettings {
  CampaignKind kind = CampaignKind::kSequence;
  Audience audience;
  std::vector<std::string> senders;  // sender account names: the pool
  calendar::CalendarOptions calendar;
  std::string default_zone = "UTC";  // for recipients whose zone cannot be resolved
  StopRules stop;
  // What a contact whose message would render an empty variable without fallback gets.
  enum class MissingData : uint8_t { kSkip, kSendAnyway, kHold } missing_data = MissingData::kSkip;
  bool allow_in_other_campaigns = false;  // enroll contacts active in another campaign
  // Emails with an html part carry the open pixel / links rewritten to tracked ones (the
  // unsubscribe link is always there).
  bool track_opens = true;
  bool track_clicks = true;
  std::optional<int32_t> new_contacts_per_day;
  std::optional<Instant> start_at;  // scheduled start; none = at launch
};

// One problem in a definition, with where it is: "steps[2].variants[0].weight: must be > 0".
struct Problem {
  std::string where;
  std::string message;
  std::string ToString() const;
};

// Checks the graph alone: ids unique and well-formed, edges name existing steps, no cycle
// (every path reaches the end), at least one send step, send steps with at least one
// variant of positive weight and unique names (or a message field for networking), waits
// with a positive delay, conditions on the channel they can observe (opened/clicked need an
// earlier email step, accepted a LinkedIn invite), webhook URLs that are http(s).
// Returns every problem found, in step order; empty when the sequence is valid.
std::vector<Problem> Check(const Sequence& sequence, CampaignKind kind);

// Ready-made sequences (docs/CAMPAIGNS.md):
//  - connector: a LinkedIn invite (template `invite`), wait for acceptance up to
//    `accept_within`, then `follow_ups` LinkedIn messages spaced by `gap`; no follow-ups
//    when not accepted.
//  - messenger: LinkedIn messages to 1st-degree connections (templates `messages`), spaced
//    by `gap`, stopping on reply.
struct ConnectorPreset {
  std::string invite_template;
  std::vector<std::string> follow_up_templates;
  std::chrono::hours accept_within{24 * 14};
  calendar::DelayRule gap;  // between follow-ups; default "2 business days"
};
Sequence MakeConnector(const ConnectorPreset& preset);
struct MessengerPreset {
  std::vector<std::string> message_templates;
  calendar::DelayRule gap;
};
Sequence MakeMessenger(const MessengerPreset& preset);

// Picks the variant of a send step for a contact: weighted, deterministic in (seed,
// enrollment), so a re-plan picks the same one. Precondition: step.variants not empty.
size_t PickVariant(const Step& step, uint64_t seed, EnrollmentId enrollment);

}  // namespace cadent::sequence
