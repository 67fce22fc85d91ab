#include "engine/planner.hpp"

#include "core/common/strings.hpp"

namespace cadent {

std::string FormatReasons(const std::vector<calendar::Reason>& reasons) {
  std::string out;
  for (const calendar::Reason& r : reasons) {
    if (!out.empty()) out += "; ";
    out += StrCat(date::format("%F", date::sys_days(r.day)), ": ", r.detail);
  }
  return out;
}

Result<StepPlan> PlanStep(const CampaignRuntime& runtime, int version, const sequence::Step* step,
                          EnrollmentId enrollment, const Contact& contact, Instant from) {
  StepPlan plan;
  plan.version = version;
  if (step == nullptr || step->kind == sequence::StepKind::kEnd) {
    plan.event = sequence::EnrollmentEvent::kFinish;
    return plan;
  }
  plan.step = step->id;
  const CampaignRuntime::Recipient recipient = runtime.RecipientOf(contact.data);
  // The step's message, addressed; the caller sets what differs by kind.
  const auto message_for = [&](templating::Channel channel) {
    NewMessage m;
    m.workspace_id = contact.workspace_id;
    m.campaign_id = runtime.campaign().id;
    m.enrollment_id = enrollment;
    m.contact_id = contact.id;
    m.version = version;
    m.step = step->id;
    m.channel = channel;
    return m;
  };
  switch (step->kind) {
    case sequence::StepKind::kSend: {
      ASSIGN_OR_RETURN(calendar::Slot slot,
                       calendar::StepDueAt(from, step->delay, recipient.calendar, true));
      NewMessage m = message_for(step->channel);
      if (!step->variants.empty()) {
        // Picked per contact, so a re-plan (or a later launch) picks the same variant.
        const size_t pick =
            sequence::PickVariant(*step, static_cast<uint64_t>(runtime.campaign().id.value()),
                                  EnrollmentId(contact.id.value()));
        const sequence::Variant& variant = step->variants[pick];
        m.variant = step->variants.size() > 1 ? variant.name : "";
        const auto [template_id, template_version] = runtime.Resolve(variant);
        m.template_id = template_id;
        m.template_version = template_version;
      }
      m.due_at = slot.at;
      m.reasons = FormatReasons(slot.reasons);
      plan.event = sequence::EnrollmentEvent::kPlan;
      plan.message = std::move(m);
      return plan;
    }
    case sequence::StepKind::kWait: {
      ASSIGN_OR_RETURN(calendar::Slot slot,
                       calendar::StepDueAt(from, step->delay, recipient.calendar, false));
      plan.event = sequence::EnrollmentEvent::kWait;
      plan.wake_at = slot.at;
      return plan;
    }
    case sequence::StepKind::kCondition:
      plan.event = sequence::EnrollmentEvent::kWait;
      plan.wake_at = from + std::chrono::duration_cast<Duration>(step->within);
      return plan;
    case sequence::StepKind::kWebhook: {
      // Machine to machine: due at once, outside any calendar, with no sender or template.
      NewMessage m = message_for(templating::Channel::kWebhook);
      m.due_at = from;
      plan.event = sequence::EnrollmentEvent::kPlan;
      plan.message = std::move(m);
      return plan;
    }
    case sequence::StepKind::kEnd:
      break;
  }
  plan.event = sequence::EnrollmentEvent::kFinish;
  plan.step.clear();
  return plan;
}

const sequence::Step* StepAfter(const CampaignRuntime& runtime, int pinned_version,
                                std::string_view current, int* version) {
  const int effective = runtime.EffectiveVersion(pinned_version);
  if (effective != pinned_version) {
    const sequence::Sequence* latest = runtime.sequence(effective);
    if (latest != nullptr) {
      if (const sequence::Step* same = latest->Find(current); same != nullptr) {
        *version = effective;
        return latest->After(*same);
      }
    }
  }
  *version = pinned_version;
  const sequence::Sequence* seq = runtime.sequence(pinned_version);
  if (seq == nullptr) return nullptr;
  const sequence::Step* step = seq->Find(current);
  return step == nullptr ? nullptr : seq->After(*step);
}

EnrollmentChange ChangeFor(const Enrollment& enrollment, const StepPlan& plan, Instant now) {
  EnrollmentChange change;
  change.id = enrollment.id;
  change.from = enrollment.status;
  change.from_step = enrollment.step;
  change.event = plan.event;
  if (!plan.step.empty()) change.step = plan.step;
  if (plan.version != enrollment.version) change.version = plan.version;
  change.wake_at = plan.wake_at;  // clears the wake time unless waiting
  change.step_started_at = now;
  return change;
}

void AddStop(ChangeUnit& unit, const Enrollment& enrollment, std::string_view reason,
             const std::vector<Message>& pending) {
  EnrollmentChange stop;
  stop.id = enrollment.id;
  stop.from = enrollment.status;
  stop.from_step = enrollment.step;
  stop.event = sequence::EnrollmentEvent::kStop;
  stop.stop_reason = std::string(reason);
  stop.wake_at = std::optional<Instant>();
  unit.enrollments.push_back(std::move(stop));
  for (const Message& m : pending) {
    if (m.status != sequence::MessageStatus::kPlanned) continue;
    MessageChange cancel;
    cancel.id = m.id;
    cancel.from = sequence::MessageStatus::kPlanned;
    cancel.event = sequence::MessageEvent::kCancel;
    cancel.error = StrCat("enrollment stopped: ", reason);
    unit.messages.push_back(std::move(cancel));
  }
}

void AddFail(ChangeUnit& unit, const Enrollment& enrollment, std::string_view step) {
  EnrollmentChange fail;
  fail.id = enrollment.id;
  fail.from = enrollment.status;
  fail.from_step = enrollment.step;
  fail.event = sequence::EnrollmentEvent::kFail;
  fail.stop_reason = StrCat("step ", step, " failed");
  unit.enrollments.push_back(std::move(fail));
}

Result<EnrollmentChange*> AddAdvance(ChangeUnit& unit, const CampaignRuntime& runtime,
                                     const Enrollment& enrollment, std::string_view step,
                                     const Contact& contact, Instant at, Instant now) {
  int version = enrollment.version;
  const sequence::Step* next = StepAfter(runtime, enrollment.version, step, &version);
  ASSIGN_OR_RETURN(StepPlan plan, PlanStep(runtime, version, next, enrollment.id, contact, at));
  unit.enrollments.push_back(ChangeFor(enrollment, plan, now));
  if (plan.message) unit.new_messages.push_back(*std::move(plan.message));
  return &unit.enrollments.back();
}

}  // namespace cadent
