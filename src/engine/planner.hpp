// The scheduler's rule: what entering a step means for an enrollment. A send step becomes a
// planned message due when the calendar allows (StepDueAt: the step's delay, business days,
// the recipient's window, weekends and holidays); a wait or condition step makes the
// enrollment wait until a wake time; the end finishes it. Pure over the runtime.
#pragma once

#include <optional>
#include <string>

#include "engine/campaign_runtime.hpp"
#include "storage/engine_store.hpp"

namespace cadent {

struct StepPlan {
  sequence::EnrollmentEvent event = sequence::EnrollmentEvent::kPlan;
  std::string step;  // the step entered ("" = finished)
  int version = 1;
  std::optional<Instant> wake_at;     // waiting: when to look again
  std::optional<NewMessage> message;  // a send step's message
};

// Enters `step` (nullptr = the end) of `version` for `enrollment` (id may be invalid during
// launch), whose previous step ended at `from`. Send steps pick their variant
// deterministically per enrollment, so a re-plan picks the same one.
// kFailedPrecondition when the recipient's calendar has no open slot within 400 days.
Result<StepPlan> PlanStep(const CampaignRuntime& runtime, int version, const sequence::Step* step,
                          EnrollmentId enrollment, const Contact& contact, Instant from);

// The step after `current` on the enrollment's path (not for conditions): the next step of
// the effective version (a migrated enrollment continues in the latest version at the step
// with the same id), or nullptr at the end. *version is set to the version it runs in.
const sequence::Step* StepAfter(const CampaignRuntime& runtime, int pinned_version,
                                std::string_view current, int* version);

// The change that applies `plan` to `enrollment` (which must be in status active or
// waiting and at step enrollment.step).
EnrollmentChange ChangeFor(const Enrollment& enrollment, const StepPlan& plan, Instant now);

// Appends to `unit` the changes that move `enrollment` past `step`, which ended at `at`:
// the next step of its path (StepAfter) planned from `at`, and that step's message. Returns
// the appended enrollment change (the caller may add last_sent_at and sender), or the
// planning error (nothing appended).
Result<EnrollmentChange*> AddAdvance(ChangeUnit& unit, const CampaignRuntime& runtime,
                                     const Enrollment& enrollment, std::string_view step,
                                     const Contact& contact, Instant at, Instant now);

// Appends the changes that stop `enrollment` to `unit`: the stop itself (with `reason`) and
// the cancel of its planned messages among `pending` (claimed ones are in flight and
// finish).
void AddStop(ChangeUnit& unit, const Enrollment& enrollment, std::string_view reason,
             const std::vector<Message>& pending);

// Appends the change that fails `enrollment` because its step `step` failed for good.
void AddFail(ChangeUnit& unit, const Enrollment& enrollment, std::string_view step);

// "2026-12-05 (Sat): weekend in SA; ..." from calendar reasons, for explain.
std::string FormatReasons(const std::vector<calendar::Reason>& reasons);

}  // namespace cadent
