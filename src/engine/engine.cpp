#include "engine/engine.hpp"

#include <algorithm>

#include "absl/strings/match.h"
#include "core/common/strings.hpp"
#include "core/pacing/rotation.hpp"
#include "engine/planner.hpp"
#include "engine/webhooks.hpp"
#include "nlohmann/json.hpp"

namespace cadent {
namespace {

using sequence::EnrollmentEvent;
using sequence::EnrollmentStatus;
using sequence::MessageEvent;
using sequence::MessageStatus;
using sequence::RetryAction;

constexpr int kRecoverBatch = 500;
constexpr int kEventBatch = 500;
constexpr int kWakeBatch = 1000;
constexpr auto kBookingMemory = std::chrono::days(9);  // PlanInput needs 8 days back
constexpr auto kHoldDelay = std::chrono::hours(24);

std::string_view WeekdayName(Instant at, const date::time_zone& zone) {
  static constexpr std::string_view kNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                "Thursday", "Friday", "Saturday"};
  const auto local = calendar::ToLocal(at, zone);
  return kNames[date::weekday(date::floor<date::days>(local)).c_encoding()];
}

// A message to the contact, as opposed to a webhook to the user's own systems: only these
// count as the enrollment's last send (conditions count from it) and pick its sender.
bool IsOutreach(templating::Channel channel) { return channel != templating::Channel::kWebhook; }

// The fields every outgoing message has, from its row.
channels::OutgoingMessage BaseMessage(const Message& m, Instant now) {
  channels::OutgoingMessage out;
  out.id = m.id;
  out.workspace = m.workspace_id;
  out.campaign = m.campaign_id;
  out.enrollment = m.enrollment_id;
  out.contact = m.contact_id;
  out.step = m.step;
  out.variant = m.variant;
  out.channel = m.channel;
  out.attempt = m.attempts + 1;
  out.attempt_at = now;
  return out;
}

// The domain of an email address ("invalid" when it has none: a Message-ID needs one).
std::string_view DomainOf(std::string_view address) {
  const size_t at = address.rfind('@');
  return at == std::string_view::npos || at + 1 == address.size() ? std::string_view("invalid")
                                                                  : address.substr(at + 1);
}

// "Re: Re: Fwd: x" -> "Fwd: x": the reply prefixes a thread's subject may already carry.
std::string_view WithoutReplyPrefix(std::string_view subject) {
  while (subject.size() >= 3 && (subject[0] == 'R' || subject[0] == 'r') &&
         (subject[1] == 'E' || subject[1] == 'e') && subject[2] == ':') {
    subject.remove_prefix(3);
    while (!subject.empty() && subject.front() == ' ') subject.remove_prefix(1);
  }
  return subject;
}

std::string AddressFor(templating::Channel channel, const ContactData& contact) {
  switch (channel) {
    case templating::Channel::kEmail:
      return contact.email_normalized;
    case templating::Channel::kLinkedInInvite:
    case templating::Channel::kLinkedInMessage:
      return contact.linkedin_provider_id.empty() ? contact.linkedin_url
                                                  : contact.linkedin_provider_id;
    case templating::Channel::kSms:
      return contact.phone;
    case templating::Channel::kWebhook:
      break;  // the step's URL
  }
  return "";
}

std::string_view AddressKind(templating::Channel channel) {
  switch (channel) {
    case templating::Channel::kEmail:
      return "email address";
    case templating::Channel::kSms:
      return "phone number";
    default:
      return "LinkedIn profile";
  }
}

std::optional<sequence::ConditionKind> ConditionOf(EventKind kind) {
  switch (kind) {
    case EventKind::kOpened:
      return sequence::ConditionKind::kOpened;
    case EventKind::kClicked:
      return sequence::ConditionKind::kClicked;
    case EventKind::kReplied:
      return sequence::ConditionKind::kReplied;
    case EventKind::kAccepted:
      return sequence::ConditionKind::kAccepted;
    case EventKind::kBounced:
      return sequence::ConditionKind::kBounced;
    default:
      return std::nullopt;
  }
}

EventKind EventOf(sequence::ConditionKind kind) {
  switch (kind) {
    case sequence::ConditionKind::kOpened:
      return EventKind::kOpened;
    case sequence::ConditionKind::kClicked:
      return EventKind::kClicked;
    case sequence::ConditionKind::kReplied:
      return EventKind::kReplied;
    case sequence::ConditionKind::kAccepted:
      return EventKind::kAccepted;
    case sequence::ConditionKind::kBounced:
      return EventKind::kBounced;
  }
  return EventKind::kReplied;
}

// The postal address as the last line of the text part and a small paragraph at the end of
// the html (before </body> when there is one).
void AppendPostalAddress(std::string_view address, channels::OutgoingMessage& out) {
  if (address.empty()) return;
  if (!out.text.empty()) out.text += StrCat("\n\n", address);
  if (out.html.empty()) return;
  std::string escaped;
  for (const char c : address) {
    switch (c) {
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '&':
        escaped += "&amp;";
        break;
      default:
        escaped += c;
    }
  }
  const std::string footer = StrCat("<p style=\"color:#888;font-size:12px\">", escaped, "</p>");
  const size_t body_end = out.html.rfind("</body>");
  if (body_end == std::string::npos) {
    out.html += footer;
  } else {
    out.html.insert(body_end, footer);
  }
}

// The open pixel: a 1x1 image at the very end of the html (before </body> when there is
// one). The URL is ours (base64url token, no quotes or angle brackets), so it needs no
// escaping.
void AppendOpenPixel(std::string_view url, channels::OutgoingMessage& out) {
  const std::string pixel =
      StrCat("<img src=\"", url,
             "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;"
             "height:1px\">");
  const size_t body_end = out.html.rfind("</body>");
  if (body_end == std::string::npos) {
    out.html += pixel;
  } else {
    out.html.insert(body_end, pixel);
  }
}

MessageChange Change(MessageId id, MessageStatus from, MessageEvent event, int64_t fence) {
  MessageChange change;
  change.id = id;
  change.from = from;
  change.event = event;
  change.fence = fence;
  return change;
}

}  // namespace

void PassStats::Add(const PassStats& o) {
  sent += o.sent;
  failed += o.failed;
  retried += o.retried;
  skipped += o.skipped;
  cancelled += o.cancelled;
  deferred += o.deferred;
  conflicts += o.conflicts;
  events += o.events;
  woken += o.woken;
  recovered += o.recovered;
  ambiguous += o.ambiguous;
  reconciled_sent += o.reconciled_sent;
}

Result<std::string> Engine::TrackingToken(const Message& m, tracking::TokenKind kind,
                                          int32_t link) {
  ASSIGN_OR_RETURN(const std::string key, tracking_keys_.ForSigning(m.workspace_id));
  return tracking::Sign(tracking::Token{kind, m.workspace_id, m.id, link}, key);
}

Status Engine::RewriteLinks(const Message& m, const std::vector<templating::Link>& links,
                            channels::OutgoingMessage& out, std::string& targets) {
  // Web links only; our own links (unsubscribe) and mailto:, tel:, #anchors stay as they are.
  std::string_view base = options_.public_url;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  const auto tracked = [&](const templating::Link& link) {
    const std::string_view url = link.url;
    const auto starts = [&](std::string_view prefix) {
      return url.size() >= prefix.size() &&
             absl::EqualsIgnoreCase(ToAbsl(url.substr(0, prefix.size())), ToAbsl(prefix));
    };
    return (starts("https://") || starts("http://")) && !(starts(base) && !base.empty());
  };
  nlohmann::json table = nlohmann::json::array();
  std::vector<std::pair<const templating::Link*, int32_t>> rewrite;
  for (const templating::Link& link : links) {
    if (!tracked(link) || table.size() > static_cast<size_t>(tracking::kMaxLinkIndex)) continue;
    rewrite.emplace_back(&link, static_cast<int32_t>(table.size()));
    table.push_back(link.url);
  }
  if (rewrite.empty()) return OkStatus();
  // From the last link back, so the earlier offsets stay valid.
  for (auto it = rewrite.rbegin(); it != rewrite.rend(); ++it) {
    ASSIGN_OR_RETURN(const std::string token,
                     TrackingToken(m, tracking::TokenKind::kClick, it->second));
    const templating::Link& link = *it->first;
    if (link.offset + link.length > out.html.size()) continue;  // not where Render said
    out.html.replace(link.offset, link.length, TrackingUrl(options_.public_url, "/t/c/", token));
  }
  targets = table.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return OkStatus();
}

Engine::Engine(Database& db, const Clock& clock, channels::Channel& channel, EngineOptions options)
    : db_(db),
      clock_(clock),
      channel_(channel),
      options_(std::move(options)),
      runtimes_(db),
      tracking_keys_(db) {}

Engine::~Engine() = default;

void Engine::Stop() {
  stop_.store(true);
  Wake();
}

void Engine::Wake() {
  {
    std::lock_guard lock(wake_mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

Result<std::shared_ptr<const CampaignRuntime>> Engine::Runtime(WorkspaceId workspace,
                                                               CampaignId id) {
  if (const auto it = pass_runtimes_.find(id.value()); it != pass_runtimes_.end()) {
    return it->second;
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const CampaignRuntime> runtime, runtimes_.Get(workspace, id));
  RegisterSenders(*runtime);
  pass_runtimes_[id.value()] = runtime;
  return runtime;
}

void Engine::RegisterSenders(const CampaignRuntime& runtime) {
  const WorkspaceId workspace = runtime.campaign().workspace_id;
  for (const RuntimeSender& s : runtime.senders()) {
    const int64_t stamp = ToUnixMicros(s.account.updated_at);
    auto [it, inserted] = registered_.try_emplace(s.account.id.value(), stamp);
    if (inserted || it->second != stamp) {
      pacer_.SetSender(workspace, s.account.id, s.policy);
      it->second = stamp;
    }
  }
  pacer_.SetCampaign(workspace, runtime.campaign().id, runtime.pacing_policy());
}

void Engine::ReleaseSlot(MessageId id) {
  const auto it = reservations_.find(id.value());
  if (it == reservations_.end()) return;
  (void)pacer_.Release(it->second);
  reservations_.erase(it);
}

Status Engine::Start() {
  const Instant now = clock_.Now();
  pass_runtimes_.clear();
  // Bookings only count for senders the pacer knows: load the runtimes of live campaigns.
  static constexpr sequence::CampaignStatus kLive[] = {sequence::CampaignStatus::kActive,
                                                       sequence::CampaignStatus::kPaused,
                                                       sequence::CampaignStatus::kScheduled};
  ASSIGN_OR_RETURN(std::vector<Campaign> live, db_.campaigns().ListByStatus(kLive));
  for (const Campaign& c : live) {
    Result<std::shared_ptr<const CampaignRuntime>> runtime = Runtime(c.workspace_id, c.id);
    if (!runtime.ok() && options_.on_rejected) {
      options_.on_rejected(std::string(runtime.status().message()));
    }
  }
  ASSIGN_OR_RETURN(std::vector<EngineStore::Booking> bookings,
                   db_.engine().Bookings(now - kBookingMemory));
  for (const EngineStore::Booking& b : bookings) {
    pacing::Request request;
    request.workspace = b.workspace_id;
    request.campaign = b.campaign;
    request.recipient_domain = b.recipient_domain;
    request.is_new_contact = b.first_of_enrollment;
    Result<pacing::Reservation> restored = pacer_.Restore(b.sender, b.slot_at, request);
    if (restored.ok()) reservations_[b.message.value()] = *restored;
  }
  bookings_forgotten_before_us_ = ToUnixMicros(now - kBookingMemory);
  // Leases this owner held before a restart are dead now: recover them at once.
  PassStats stats;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<Message> mine,
                     db_.engine().LeasesOf(options_.owner, kRecoverBatch));
    if (mine.empty()) break;
    TRY(RecoverMessages(mine, now, stats));
    if (static_cast<int>(mine.size()) < kRecoverBatch) break;
  }
  // A crash can land between the last enrollment finishing and the campaign completing.
  return CompleteFinished().status();
}

Result<ApplyResult> Engine::ApplyLogged(std::span<const ChangeUnit> units, Instant now,
                                        EngineStore::Durability durability) {
  ASSIGN_OR_RETURN(ApplyResult result, db_.engine().Apply(units, now, durability));
  for (const auto& [index, why] : result.rejected) {
    // The state machine refused it: logged, never written.
    if (options_.on_rejected) options_.on_rejected(StrCat("rejected: ", why));
  }
  return result;
}

Result<std::optional<Instant>> Engine::NextWork() { return db_.engine().NextWork(); }

Status Engine::StartScheduled(Instant now) {
  static constexpr sequence::CampaignStatus kScheduled[] = {sequence::CampaignStatus::kScheduled};
  ASSIGN_OR_RETURN(std::vector<Campaign> scheduled, db_.campaigns().ListByStatus(kScheduled));
  for (const Campaign& c : scheduled) {
    if (!c.start_at || *c.start_at > now) continue;
    Result<Campaign> started =
        db_.campaigns().Transition(c.workspace_id, c.id, c.status, sequence::CampaignEvent::kStart);
    if (!started.ok() && !absl::IsAborted(started.status())) return started.status();
  }
  return OkStatus();
}

Result<int64_t> Engine::CompleteFinished() {
  static constexpr sequence::CampaignStatus kActive[] = {sequence::CampaignStatus::kActive};
  ASSIGN_OR_RETURN(std::vector<Campaign> active, db_.campaigns().ListByStatus(kActive));
  int64_t completed = 0;
  for (const Campaign& c : active) {
    ASSIGN_OR_RETURN(int64_t live, db_.engine().LiveEnrollmentCount(c.id));
    if (live > 0) continue;
    Result<Campaign> done = db_.campaigns().Transition(c.workspace_id, c.id, c.status,
                                                       sequence::CampaignEvent::kComplete);
    if (done.ok()) ++completed;
  }
  return completed;
}

Status Engine::Recover(Instant now, PassStats& stats) {
  while (true) {
    ASSIGN_OR_RETURN(std::vector<Message> expired, db_.engine().ExpiredLeases(now, kRecoverBatch));
    if (expired.empty()) return OkStatus();
    TRY(RecoverMessages(expired, now, stats));
    if (static_cast<int>(expired.size()) < kRecoverBatch) return OkStatus();
  }
}

Status Engine::Thread(const Message& m, channels::OutgoingMessage& out) {
  ASSIGN_OR_RETURN(std::vector<EngineStore::SentEmail> thread,
                   db_.engine().EmailThread(m.workspace_id, m.enrollment_id));
  if (thread.empty()) return OkStatus();
  // References: the root and the latest ones, at most 10 ids (RFC 5322 3.6.4 keeps the
  // root when a long chain is trimmed; receivers thread by either).
  constexpr size_t kMaxReferences = 10;
  std::string references = StrCat("<", thread.front().rfc_message_id, ">");
  const size_t tail = std::max<size_t>(
      1, thread.size() > kMaxReferences ? thread.size() - (kMaxReferences - 1) : 1);
  for (size_t i = tail; i < thread.size(); ++i) {
    references += StrCat(" <", thread[i].rfc_message_id, ">");
  }
  out.headers.emplace_back("In-Reply-To", StrCat("<", thread.back().rfc_message_id, ">"));
  out.headers.emplace_back("References", std::move(references));
  out.subject = StrCat("Re: ", WithoutReplyPrefix(thread.front().subject));
  return OkStatus();
}

Status Engine::RecoverMessages(const std::vector<Message>& expired, Instant now, PassStats& stats) {
  {
    std::vector<ChangeUnit> units;
    for (const Message& m : expired) {
      ChangeUnit unit;
      MessageChange lapse;
      lapse.id = m.id;
      lapse.from = m.status;
      lapse.event = MessageEvent::kLeaseExpired;
      lapse.fence = m.fence;
      unit.messages.push_back(lapse);
      if (m.status == MessageStatus::kSending) {
        // Did it go out? Ask before anything else happens to it.
        channels::OutgoingMessage probe = BaseMessage(m, now);
        probe.attempt = m.attempts;  // the attempt in doubt, already counted
        probe.sender = m.sender;
        // The channel that sent it answers (the router goes by transport): without the
        // sender's transport, the outbox would be asked about mail an SMTP server has.
        if (m.sender.valid()) {
          Result<SenderAccount> account = db_.senders().Get(m.workspace_id, m.sender);
          probe.transport = account.ok() ? account->transport : "?";
        }
        Result<channels::ReconcileResult> known = channel_.Reconcile(probe);
        const channels::Reconciled state =
            known.ok() ? known->state : channels::Reconciled::kUnknown;
        if (state == channels::Reconciled::kSent) {
          MessageChange sent;
          sent.id = m.id;
          sent.from = MessageStatus::kUnknown;
          sent.event = MessageEvent::kReconciledSent;
          sent.sent_at = m.updated_at;
          sent.provider_id = known->provider_id;
          unit.messages.push_back(std::move(sent));
          // The enrollment moves on as after any send.
          Result<Enrollment> enrollment =
              db_.engine().GetEnrollment(m.workspace_id, m.enrollment_id);
          Result<Contact> contact = db_.contacts().Get(m.workspace_id, m.contact_id);
          Result<std::shared_ptr<const CampaignRuntime>> runtime =
              Runtime(m.workspace_id, m.campaign_id);
          if (enrollment.ok() && contact.ok() && runtime.ok() &&
              (enrollment->status == EnrollmentStatus::kActive) && enrollment->step == m.step) {
            Result<EnrollmentChange*> advanced =
                AddAdvance(unit, **runtime, *enrollment, m.step, *contact, m.updated_at, now);
            if (advanced.ok() && IsOutreach(m.channel)) {
              (*advanced)->last_sent_at = m.updated_at;
              (*advanced)->sender = m.sender;
            }
          }
          ++stats.reconciled_sent;
        } else if (state == channels::Reconciled::kNotSent) {
          MessageChange again;
          again.id = m.id;
          again.from = MessageStatus::kUnknown;
          again.event = MessageEvent::kReconciledNotSent;
          again.due_at = now;
          unit.messages.push_back(std::move(again));
        } else {
          unit.messages.back().error =
              "the dispatcher stopped while sending and the channel cannot tell whether it "
              "went out; not resent";
          ++stats.ambiguous;
        }
      }
      units.push_back(std::move(unit));
    }
    ASSIGN_OR_RETURN(ApplyResult applied, ApplyLogged(units, now));
    stats.recovered += static_cast<int64_t>(units.size() - applied.conflicted.size());
    stats.conflicts += static_cast<int64_t>(applied.conflicted.size());
  }
  return OkStatus();
}

Status Engine::ApplyEvents(Instant now, PassStats& stats) {
  while (true) {
    ASSIGN_OR_RETURN(std::vector<Event> events, db_.engine().PendingEvents(kEventBatch));
    if (events.empty()) return OkStatus();
    std::vector<ChangeUnit> units;
    for (const Event& e : events) {
      ChangeUnit unit;
      unit.applied_events.push_back(e.id);
      const bool suppresses = e.kind == EventKind::kUnsubscribed ||
                              e.kind == EventKind::kComplained || e.kind == EventKind::kBounced;
      ASSIGN_OR_RETURN(Contact contact, db_.contacts().Get(e.workspace_id, e.contact_id));
      if (suppresses) {
        const ContactStatus status = e.kind == EventKind::kUnsubscribed
                                         ? ContactStatus::kUnsubscribed
                                     : e.kind == EventKind::kComplained ? ContactStatus::kComplained
                                                                        : ContactStatus::kBounced;
        TRY(db_.contacts().SetStatus(e.workspace_id, e.contact_id, status));
        if (!contact.data.email_normalized.empty()) {
          SuppressionEntry entry;
          entry.workspace = e.workspace_id;
          entry.kind = SuppressionKind::kEmail;
          entry.value = contact.data.email_normalized;
          entry.reason = std::string(ToString(e.kind));
          TRY(db_.suppression().Add(entry).status());
        }
      }
      ASSIGN_OR_RETURN(std::vector<Enrollment> live,
                       db_.engine().LiveEnrollmentsOf(e.workspace_id, e.contact_id));
      for (const Enrollment& en : live) {
        Result<std::shared_ptr<const CampaignRuntime>> runtime =
            Runtime(en.workspace_id, en.campaign_id);
        if (!runtime.ok()) continue;
        const sequence::StopRules& rules = (*runtime)->settings().stop;
        const bool stop = suppresses || (e.kind == EventKind::kReplied && rules.on_reply) ||
                          (e.kind == EventKind::kConverted && rules.on_conversion) ||
                          (e.kind == EventKind::kAccepted && rules.on_accepted);
        if (stop) {
          ASSIGN_OR_RETURN(std::vector<Message> pending,
                           db_.engine().PendingMessagesOf(en.workspace_id, en.id));
          for (const Message& m : pending) {
            if (m.status == MessageStatus::kPlanned) ReleaseSlot(m.id);
          }
          AddStop(unit, en, ToString(e.kind), pending);
          if (e.kind == EventKind::kReplied && rules.on_company_reply &&
              !contact.data.registrable_domain.empty()) {
            ASSIGN_OR_RETURN(std::vector<Enrollment> colleagues,
                             db_.engine().LiveEnrollmentsAtDomain(en.workspace_id, en.campaign_id,
                                                                  contact.data.registrable_domain));
            for (const Enrollment& other : colleagues) {
              if (other.id == en.id) continue;
              ASSIGN_OR_RETURN(std::vector<Message> other_pending,
                               db_.engine().PendingMessagesOf(other.workspace_id, other.id));
              AddStop(unit, other, StrCat("company reply (", contact.data.email, ")"),
                      other_pending);
            }
          }
          continue;
        }
        // A condition this event satisfies resolves "yes" now.
        const std::optional<sequence::ConditionKind> condition = ConditionOf(e.kind);
        if (!condition || !e.machine.empty() || en.status != EnrollmentStatus::kWaiting) continue;
        if (e.campaign_id.valid() && e.campaign_id != en.campaign_id) continue;
        const sequence::Sequence* seq = (*runtime)->sequence(en.version);
        const sequence::Step* step = seq == nullptr ? nullptr : seq->Find(en.step);
        if (step == nullptr || step->kind != sequence::StepKind::kCondition ||
            step->condition != *condition) {
          continue;
        }
        const Instant since = en.last_sent_at.value_or(en.step_started_at);
        if (e.at < since) continue;
        const sequence::Step* next = step->on_yes.empty() ? nullptr : seq->Find(step->on_yes);
        const Instant from = std::max(e.at, en.step_started_at);
        Result<StepPlan> plan = PlanStep(**runtime, en.version, next, en.id, contact, from);
        if (!plan.ok()) continue;
        unit.enrollments.push_back(ChangeFor(en, *plan, now));
        if (plan->message) unit.new_messages.push_back(*plan->message);
      }
      units.push_back(std::move(unit));
    }
    ASSIGN_OR_RETURN(ApplyResult applied, ApplyLogged(units, now));
    stats.events += static_cast<int64_t>(units.size() - applied.conflicted.size());
    stats.conflicts += static_cast<int64_t>(applied.conflicted.size());
    if (!applied.conflicted.empty()) {
      // A conflicted unit is retried on the next pass; stop here so this pass ends.
      return OkStatus();
    }
  }
}

Status Engine::WakeEnrollments(Instant now, PassStats& stats) {
  while (true) {
    ASSIGN_OR_RETURN(std::vector<Enrollment> waking, db_.engine().Waking(now, kWakeBatch));
    if (waking.empty()) return OkStatus();
    std::vector<ChangeUnit> units;
    for (const Enrollment& en : waking) {
      if (en.status == EnrollmentStatus::kHeld) {
        // Held for missing data: active again, and its message (due now too) renders again.
        EnrollmentChange release;
        release.id = en.id;
        release.from = EnrollmentStatus::kHeld;
        release.from_step = en.step;
        release.event = EnrollmentEvent::kRelease;
        release.wake_at = std::optional<Instant>();
        units.emplace_back().enrollments.push_back(std::move(release));
        continue;
      }
      ASSIGN_OR_RETURN(std::shared_ptr<const CampaignRuntime> runtime,
                       Runtime(en.workspace_id, en.campaign_id));
      ASSIGN_OR_RETURN(Contact contact, db_.contacts().Get(en.workspace_id, en.contact_id));
      const sequence::Sequence* seq = runtime->sequence(en.version);
      const sequence::Step* step = seq == nullptr ? nullptr : seq->Find(en.step);
      const Instant from = en.wake_at.value_or(now);
      const sequence::Step* next = nullptr;
      int version = en.version;
      if (step != nullptr && step->kind == sequence::StepKind::kCondition) {
        const Instant since = en.last_sent_at.value_or(en.step_started_at);
        ASSIGN_OR_RETURN(bool happened,
                         db_.engine().HasEvent(en.id, EventOf(step->condition), since));
        const std::string& target = happened ? step->on_yes : step->on_no;
        next = target.empty() ? nullptr : seq->Find(target);
      } else {
        next = StepAfter(*runtime, en.version, en.step, &version);
      }
      ChangeUnit unit;
      Result<StepPlan> plan = PlanStep(*runtime, version, next, en.id, contact, from);
      if (!plan.ok()) {
        EnrollmentChange fail;
        fail.id = en.id;
        fail.from = en.status;
        fail.from_step = en.step;
        fail.event = EnrollmentEvent::kStop;
        fail.stop_reason = std::string(plan.status().message());
        fail.wake_at = std::optional<Instant>();
        unit.enrollments.push_back(std::move(fail));
      } else {
        unit.enrollments.push_back(ChangeFor(en, *plan, from));
        if (plan->message) unit.new_messages.push_back(*plan->message);
      }
      units.push_back(std::move(unit));
    }
    ASSIGN_OR_RETURN(ApplyResult applied, ApplyLogged(units, now));
    stats.woken += static_cast<int64_t>(units.size() - applied.conflicted.size());
    stats.conflicts += static_cast<int64_t>(applied.conflicted.size());
    if (static_cast<int>(waking.size()) < kWakeBatch || !applied.conflicted.empty()) {
      return OkStatus();
    }
  }
}

// One claimed message on its way through a batch.
struct Engine::Prepared {
  const ClaimedMessage* claimed = nullptr;
  std::shared_ptr<const CampaignRuntime> runtime;
  channels::OutgoingMessage out;
  pacing::Reservation reservation;
  size_t unit = 0;  // index of its attempt unit
};

Result<int> Engine::DispatchBatch(Instant now, PassStats& stats) {
  // A long pass sees campaign edits batch by batch.
  pass_runtimes_.clear();
  ASSIGN_OR_RETURN(
      std::vector<ClaimedMessage> claimed,
      db_.engine().Claim(options_.owner, now, now + options_.lease, options_.batch_size));
  if (claimed.empty()) return 0;

  absl::flat_hash_map<int64_t, std::shared_ptr<const CampaignRuntime>> runtimes;
  absl::flat_hash_map<int64_t, std::string> postal_addresses;  // by workspace
  // Suppression, read after the claim committed: one query per workspace of the batch.
  absl::flat_hash_map<int64_t, SuppressionSet> suppressed_in;  // by workspace
  {
    absl::flat_hash_map<int64_t, std::vector<const ContactData*>> contacts;
    for (const ClaimedMessage& c : claimed) {
      contacts[c.message.workspace_id.value()].push_back(&c.contact.data);
    }
    for (const auto& [workspace, of] : contacts) {
      ASSIGN_OR_RETURN(suppressed_in[workspace],
                       db_.suppression().SnapshotFor(WorkspaceId(workspace), of));
    }
  }
  std::vector<ChangeUnit> first;  // attempts, deferrals, skips: written before any send
  std::vector<Prepared> sending;
  templating::Rendered rendered;

  auto finish_without_send = [&](const ClaimedMessage& c, MessageEvent event, std::string error,
                                 const CampaignRuntime* runtime, bool advance) {
    ChangeUnit unit;
    MessageChange change;
    change.id = c.message.id;
    change.from = MessageStatus::kClaimed;
    change.event = event;
    change.fence = c.message.fence;
    change.error = std::move(error);
    if (event == MessageEvent::kRelease) {
      // Not sendable now (a campaign that cannot load, no sender): look again later.
      change.due_at = now + std::chrono::hours(1);
      change.slot_at = std::optional<Instant>();
    }
    unit.messages.push_back(std::move(change));
    ReleaseSlot(c.message.id);
    const bool live_here =
        c.enrollment.status == EnrollmentStatus::kActive && c.enrollment.step == c.message.step;
    if (event == MessageEvent::kPermanentFailure && runtime != nullptr && live_here) {
      // Failed before any send (it cannot render): the step's failure policy applies, as
      // after a provider's refusal; the enrollment never stays at a step with no message.
      advance = runtime->ContinuesAfterFailure(c.message.version, c.message.step);
      if (!advance) AddFail(unit, c.enrollment, c.message.step);
    }
    if (advance && runtime != nullptr && live_here) {
      // Not advancing when the next step cannot be planned leaves the enrollment where it
      // is; the message is finished either way.
      (void)AddAdvance(unit, *runtime, c.enrollment, c.message.step, c.contact, now, now);
    }
    first.push_back(std::move(unit));
  };

  for (const ClaimedMessage& c : claimed) {
    const Message& m = c.message;
    // Suppression and the contact's status win over everything.
    if (c.contact.status != ContactStatus::kActive) {
      ChangeUnit unit;
      MessageChange skip = Change(m.id, MessageStatus::kClaimed, MessageEvent::kSkip, m.fence);
      skip.error = StrCat("contact is ", ToString(c.contact.status));
      unit.messages.push_back(std::move(skip));
      ReleaseSlot(m.id);
      if (!sequence::IsTerminal(c.enrollment.status)) {
        AddStop(unit, c.enrollment, ToString(c.contact.status), {});
      }
      first.push_back(std::move(unit));
      ++stats.skipped;
      continue;
    }
    if (const SuppressionEntry* suppressed =
            suppressed_in[m.workspace_id.value()].Match(c.contact.data)) {
      ChangeUnit unit;
      MessageChange skip = Change(m.id, MessageStatus::kClaimed, MessageEvent::kSkip, m.fence);
      skip.error =
          StrCat("suppressed: ", suppressed->reason.empty() ? "listed" : suppressed->reason, " ",
                 FormatRfc3339(suppressed->created_at));
      unit.messages.push_back(std::move(skip));
      ReleaseSlot(m.id);
      if (!sequence::IsTerminal(c.enrollment.status)) {
        AddStop(unit, c.enrollment, StrCat("suppressed: ", suppressed->reason), {});
      }
      first.push_back(std::move(unit));
      ++stats.skipped;
      continue;
    }
    if (c.enrollment.status == EnrollmentStatus::kHeld && c.enrollment.step == m.step) {
      // Held for missing data (the message came due before the enrollment woke): it waits
      // for the enrollment's next look.
      ChangeUnit unit;
      MessageChange later = Change(m.id, MessageStatus::kClaimed, MessageEvent::kRelease, m.fence);
      later.due_at = std::max(c.enrollment.wake_at.value_or(now), now + std::chrono::minutes(1));
      later.slot_at = std::optional<Instant>();
      unit.messages.push_back(std::move(later));
      ReleaseSlot(m.id);
      first.push_back(std::move(unit));
      ++stats.deferred;
      continue;
    }
    if (c.enrollment.status != EnrollmentStatus::kActive || c.enrollment.step != m.step) {
      finish_without_send(c, MessageEvent::kCancel,
                          StrCat("enrollment is ", sequence::ToString(c.enrollment.status),
                                 " at step ", c.enrollment.step),
                          nullptr, false);
      ++stats.cancelled;
      continue;
    }
    auto& runtime = runtimes[m.campaign_id.value()];
    if (!runtime) {
      Result<std::shared_ptr<const CampaignRuntime>> loaded =
          Runtime(m.workspace_id, m.campaign_id);
      if (!loaded.ok()) {
        finish_without_send(c, MessageEvent::kRelease, std::string(loaded.status().message()),
                            nullptr, false);
        continue;
      }
      runtime = *loaded;
    }
    if (m.channel == templating::Channel::kWebhook) {
      // A webhook step: no sender, pacing or template; the body is the contact and campaign.
      const sequence::Step* step = runtime->StepOf(m.version, m.step);
      if (step == nullptr || step->kind != sequence::StepKind::kWebhook) {
        finish_without_send(
            c, MessageEvent::kPermanentFailure,
            StrCat("step ", m.step, " of version ", m.version, " is not a webhook step"),
            runtime.get(), false);
        ++stats.failed;
        continue;
      }
      channels::OutgoingMessage out = BaseMessage(m, now);
      out.to_address = step->url;
      out.text = WebhookPayload(m, out.attempt, runtime->campaign(), c.enrollment, c.contact, now);
      out.planned_at = m.due_at;
      ChangeUnit unit;
      MessageChange attempt =
          Change(m.id, MessageStatus::kClaimed, MessageEvent::kAttempt, m.fence);
      attempt.count_attempt = true;
      unit.messages.push_back(std::move(attempt));
      first.push_back(std::move(unit));
      sending.push_back(Prepared{&c, runtime, std::move(out), {}, first.size() - 1});
      continue;
    }
    const std::string to = AddressFor(m.channel, c.contact.data);
    if (to.empty()) {
      finish_without_send(c, MessageEvent::kSkip, StrCat("contact has no ", AddressKind(m.channel)),
                          runtime.get(), true);
      ++stats.skipped;
      continue;
    }

    // Pacing: the slot this message goes in, within the recipient's window.
    const CampaignRuntime::Recipient recipient = runtime->RecipientOf(c.contact.data);
    pacing::Reservation reservation;
    if (const auto it = reservations_.find(m.id.value()); m.slot_at && it != reservations_.end()) {
      reservation = it->second;
    } else {
      // A slot this process reserved earlier that the row no longer holds (the resume
      // re-planned the message, or a retry gave it up) must not keep counting.
      ReleaseSlot(m.id);
      const pacing::WindowCheck window = [&recipient](Instant t) -> Result<Instant> {
        ASSIGN_OR_RETURN(calendar::Slot slot, calendar::NextAllowed(t, recipient.calendar, false));
        return slot.at;
      };
      pacing::Request request;
      request.workspace = m.workspace_id;
      request.campaign = m.campaign_id;
      request.recipient_domain = c.contact.data.email_domain;
      request.is_new_contact = !c.enrollment.last_sent_at.has_value();
      request.window = &window;
      const std::vector<SenderId> pool = runtime->PoolFor(m.channel);
      std::optional<SenderId> assigned;
      if (c.enrollment.sender.valid()) assigned = c.enrollment.sender;
      if (pool.empty() && !assigned) {
        finish_without_send(
            c, MessageEvent::kRelease,
            StrCat("no usable ", templating::ToString(m.channel), " sender in the pool"), nullptr,
            false);
        continue;
      }
      Result<pacing::Reservation> reserved =
          pacing::ReserveForContact(pacer_, pool, assigned, std::max(now, m.due_at), request);
      if (!reserved.ok()) {
        ChangeUnit unit;
        MessageChange later = Change(m.id, MessageStatus::kClaimed, MessageEvent::kDefer, m.fence);
        later.due_at = now + kHoldDelay;
        later.error = StrCat("no sending slot: ", reserved.status().message());
        unit.messages.push_back(std::move(later));
        first.push_back(std::move(unit));
        ++stats.deferred;
        continue;
      }
      reservation = *reserved;
      reservations_[m.id.value()] = reservation;
      if (reservation.at > now) {
        ChangeUnit unit;
        MessageChange later = Change(m.id, MessageStatus::kClaimed, MessageEvent::kDefer, m.fence);
        later.due_at = reservation.at;
        later.slot_at = std::optional<Instant>(reservation.at);
        later.sender = reservation.sender;
        std::string why = m.reasons;
        const std::string pushed = pacing::ToString(reservation.pushed_by);
        if (!pushed.empty()) {
          if (!why.empty()) why += "; ";
          why += StrCat("sender ",
                        runtime->sender(reservation.sender) != nullptr
                            ? runtime->sender(reservation.sender)->account.name
                            : "?",
                        ": ", pushed);
        }
        later.reasons = std::move(why);
        unit.messages.push_back(std::move(later));
        first.push_back(std::move(unit));
        ++stats.deferred;
        continue;
      }
    }
    const RuntimeSender* sender = runtime->sender(reservation.sender);
    if (sender == nullptr) {
      finish_without_send(c, MessageEvent::kRelease, "the sender left the campaign", nullptr,
                          false);
      continue;
    }

    // Render.
    std::string tracked_links;  // the click links' targets (JSON), written with the attempt
    const templating::CompiledTemplate* compiled =
        runtime->Template(m.template_id, m.template_version);
    channels::OutgoingMessage out = BaseMessage(m, now);
    if (compiled != nullptr) {
      // A signed link per message (a guessable one would let anyone unsubscribe anyone).
      ASSIGN_OR_RETURN(const std::string unsubscribe_token,
                       TrackingToken(m, tracking::TokenKind::kUnsubscribe));
      const std::string unsubscribe = TrackingUrl(options_.public_url, "/u/", unsubscribe_token);
      templating::RenderContext context;
      context.contact = &c.contact.data;
      context.sender = &sender->fields;
      context.unsubscribe_url = unsubscribe;
      context.day_of_week = WeekdayName(now, *recipient.calendar.zone);
      context.spin_seed = templating::SpinSeed(
          c.contact.id.value(), static_cast<int64_t>(std::hash<std::string>{}(m.step)));
      const Status render = templating::Render(*compiled, context, rendered);
      if (!render.ok()) {
        finish_without_send(c, MessageEvent::kPermanentFailure,
                            StrCat("render: ", render.message()), runtime.get(), false);
        ++stats.failed;
        continue;
      }
      if (!rendered.empty_variables.empty() &&
          runtime->settings().missing_data !=
              sequence::CampaignSettings::MissingData::kSendAnyway) {
        std::string missing;
        for (std::string_view v : rendered.empty_variables) {
          if (!missing.empty()) missing += ", ";
          missing += v;
        }
        if (runtime->settings().missing_data == sequence::CampaignSettings::MissingData::kHold) {
          ChangeUnit unit;
          MessageChange later =
              Change(m.id, MessageStatus::kClaimed, MessageEvent::kRelease, m.fence);
          later.due_at = now + kHoldDelay;
          later.slot_at = std::optional<Instant>();
          later.error = StrCat("held: missing ", missing);
          unit.messages.push_back(std::move(later));
          // The enrollment shows as held until then; it wakes with its message, which
          // renders again (the contact may have been fixed meanwhile).
          EnrollmentChange hold;
          hold.id = c.enrollment.id;
          hold.from = EnrollmentStatus::kActive;
          hold.from_step = c.enrollment.step;
          hold.event = EnrollmentEvent::kHold;
          hold.wake_at = std::optional<Instant>(now + kHoldDelay);
          unit.enrollments.push_back(std::move(hold));
          ReleaseSlot(m.id);
          first.push_back(std::move(unit));
          ++stats.deferred;
        } else {
          finish_without_send(c, MessageEvent::kSkip, StrCat("missing data: ", missing),
                              runtime.get(), true);
          ++stats.skipped;
        }
        continue;
      }
      out.subject = rendered.subject;
      out.html = rendered.html;
      out.text = rendered.text;
      if (m.channel == templating::Channel::kEmail && options_.track_clicks &&
          runtime->settings().track_clicks && !rendered.links.empty()) {
        TRY(RewriteLinks(m, rendered.links, out, tracked_links));
      }
      if (m.channel == templating::Channel::kEmail) {
        // CAN-SPAM: every email carries the sender's postal address (the launch refuses a
        // campaign with email steps until the workspace has one).
        auto address = postal_addresses.find(m.workspace_id.value());
        if (address == postal_addresses.end()) {
          Result<Workspace> ws = db_.workspaces().Get(m.workspace_id);
          address =
              postal_addresses.emplace(m.workspace_id.value(), ws.ok() ? ws->postal_address : "")
                  .first;
        }
        AppendPostalAddress(address->second, out);
        if (options_.track_opens && runtime->settings().track_opens && !out.html.empty()) {
          ASSIGN_OR_RETURN(const std::string open_token,
                           TrackingToken(m, tracking::TokenKind::kOpen));
          AppendOpenPixel(TrackingUrl(options_.public_url, "/t/o/", StrCat(open_token, ".gif")),
                          out);
        }
        out.headers.emplace_back("List-Unsubscribe", StrCat("<", unsubscribe, ">"));
        out.headers.emplace_back("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
      }
    } else {
      // Networking: the text is the contact's own field.
      const sequence::Step* step = runtime->StepOf(m.version, m.step);
      const auto field = [&](const std::string& name) -> std::string {
        if (name.empty()) return "";
        const auto it = c.contact.data.custom_fields.find(name);
        return it == c.contact.data.custom_fields.end() ? "" : it->second;
      };
      out.text = step == nullptr ? "" : field(step->message_field);
      if (step != nullptr && m.channel == templating::Channel::kEmail) {
        out.subject = field(step->subject_field);
        templating::MakeHeaderSafe(out.subject);
      }
      if (out.text.empty()) {
        finish_without_send(c, MessageEvent::kSkip,
                            StrCat("missing data: ", step == nullptr ? "?" : step->message_field),
                            runtime.get(), true);
        ++stats.skipped;
        continue;
      }
    }
    out.sender = sender->account.id;
    out.sender_name = sender->account.name;
    out.transport = sender->account.transport;
    out.from_address = sender->account.address;
    out.from_name = sender->account.from_name;
    out.to_address = to;
    out.to_name = StrCat(c.contact.data.first_name, c.contact.data.last_name.empty() ? "" : " ",
                         c.contact.data.last_name);
    out.planned_at = reservation.at;
    if (m.channel == templating::Channel::kEmail) {
      out.reply_to = sender->account.reply_to;
      out.message_id = StrCat(m.id.value(), ".", out.attempt, "@", DomainOf(out.from_address));
      const sequence::Step* step = runtime->StepOf(m.version, m.step);
      if (step != nullptr && step->same_thread) TRY(Thread(m, out));
    }

    ChangeUnit unit;
    MessageChange attempt = Change(m.id, MessageStatus::kClaimed, MessageEvent::kAttempt, m.fence);
    attempt.count_attempt = true;
    attempt.slot_at = std::optional<Instant>(reservation.at);
    attempt.sender = reservation.sender;
    if (m.channel == templating::Channel::kEmail) {
      attempt.rfc_message_id = out.message_id;
      attempt.subject = out.subject;
      if (!tracked_links.empty()) attempt.links = std::move(tracked_links);
    }
    unit.messages.push_back(std::move(attempt));
    first.push_back(std::move(unit));
    sending.push_back(Prepared{&c, runtime, std::move(out), reservation, first.size() - 1});
  }

  // The attempts are on disk before any provider is called.
  ASSIGN_OR_RETURN(ApplyResult recorded, ApplyLogged(first, now));
  stats.conflicts += static_cast<int64_t>(recorded.conflicted.size());
  std::vector<bool> lost(first.size(), false);
  for (const size_t i : recorded.conflicted) lost[i] = true;

  struct Outcome {
    Prepared* prepared;
    channels::SendResult result;
  };
  std::vector<Outcome> outcomes;
  outcomes.reserve(sending.size());
  std::vector<Prepared*> live;
  std::vector<const channels::OutgoingMessage*> batch;
  live.reserve(sending.size());
  batch.reserve(sending.size());
  for (Prepared& p : sending) {
    if (lost[p.unit]) {
      ReleaseSlot(p.out.id);
      continue;
    }
    live.push_back(&p);
    batch.push_back(&p.out);
  }
  // One call: a channel with a connection pool sends the batch in parallel.
  std::vector<Result<channels::SendResult>> results =
      batch.empty() ? std::vector<Result<channels::SendResult>>() : channel_.SendBatch(batch);
  for (size_t i = 0; i < live.size(); ++i) {
    Result<channels::SendResult> result =
        i < results.size()
            ? std::move(results[i])
            : Result<channels::SendResult>(absl::InternalError("the channel returned no result"));
    if (!result.ok()) {
      channels::SendResult failed;
      failed.code = sequence::SendCode::kRejected;
      failed.detail = std::string(result.status().message());
      outcomes.push_back(Outcome{live[i], std::move(failed)});
    } else {
      outcomes.push_back(Outcome{live[i], *std::move(result)});
    }
  }
  if (!outcomes.empty()) TRY(channel_.Flush());

  std::vector<ChangeUnit> second;
  second.reserve(outcomes.size());
  for (Outcome& o : outcomes) {
    const ClaimedMessage& c = *o.prepared->claimed;
    const Message& m = c.message;
    const CampaignRuntime& runtime = *o.prepared->runtime;
    const sequence::RetryDecision decision = sequence::DecideRetry(
        o.result.code, m.attempts + 1, now, o.result.retry_after, m.id, options_.retry);
    ChangeUnit unit;
    MessageChange change = Change(m.id, MessageStatus::kSending, MessageEvent::kAccepted, m.fence);
    bool advance = false;
    bool fail_enrollment = false;
    switch (decision.action) {
      case RetryAction::kDone:
        change.sent_at = now;
        change.provider_id = o.result.provider_id;
        advance = true;
        reservations_.erase(m.id.value());  // the slot stays booked in the pacer
        ++stats.sent;
        break;
      case RetryAction::kRetry:
      case RetryAction::kRetryFlagSender:
        change.event = MessageEvent::kTransientFailure;
        change.due_at = decision.at;
        change.slot_at = std::optional<Instant>();
        change.error = StrCat(sequence::ToString(o.result.code), ": ", o.result.detail);
        ReleaseSlot(m.id);
        if (decision.action == RetryAction::kRetryFlagSender) {
          (void)db_.senders().SetFlag(m.workspace_id, o.prepared->out.sender, o.result.detail);
        }
        ++stats.retried;
        break;
      case RetryAction::kFail:
      case RetryAction::kFailSuppress:
      case RetryAction::kFailFlagSender: {
        change.event = MessageEvent::kPermanentFailure;
        change.error = StrCat(sequence::ToString(o.result.code), ": ", o.result.detail);
        reservations_.erase(m.id.value());  // it reached the provider: the slot counts
        if (decision.action == RetryAction::kFailSuppress) {
          Event bounce;
          bounce.workspace_id = m.workspace_id;
          bounce.contact_id = m.contact_id;
          bounce.campaign_id = m.campaign_id;
          bounce.enrollment_id = m.enrollment_id;
          bounce.message_id = m.id;
          bounce.kind = EventKind::kBounced;
          bounce.source = "engine";
          bounce.detail = o.result.detail;
          bounce.at = now;
          (void)db_.engine().AddEvent(bounce);
        }
        if (decision.action == RetryAction::kFailFlagSender) {
          (void)db_.senders().SetFlag(m.workspace_id, o.prepared->out.sender, o.result.detail);
        }
        if (runtime.ContinuesAfterFailure(m.version, m.step) &&
            decision.action != RetryAction::kFailSuppress) {
          advance = true;
        } else {
          fail_enrollment = true;
        }
        ++stats.failed;
        break;
      }
    }
    unit.messages.push_back(std::move(change));
    if (advance) {
      Result<EnrollmentChange*> advanced =
          AddAdvance(unit, runtime, c.enrollment, m.step, c.contact, now, now);
      if (!advanced.ok()) {
        fail_enrollment = true;
      } else if (decision.action == RetryAction::kDone && IsOutreach(m.channel)) {
        (*advanced)->last_sent_at = now;
        (*advanced)->sender = o.prepared->out.sender;
      }
    }
    if (fail_enrollment) AddFail(unit, c.enrollment, m.step);
    second.push_back(std::move(unit));
  }
  if (!second.empty()) {
    // Crash-safe is enough: a power loss that undoes outcomes leaves their messages sending,
    // and recovery asks the channel (whose Flush made the sends durable) what became of them.
    ASSIGN_OR_RETURN(ApplyResult done,
                     ApplyLogged(second, now, EngineStore::Durability::kCrashSafe));
    stats.conflicts += static_cast<int64_t>(done.conflicted.size());
  }
  return static_cast<int>(claimed.size());
}

Result<PassStats> Engine::RunDue() {
  const Instant now = clock_.Now();
  PassStats stats;
  pass_runtimes_.clear();
  TRY(StartScheduled(now));
  TRY(Recover(now, stats));
  TRY(ApplyEvents(now, stats));
  TRY(WakeEnrollments(now, stats));
  while (!stop_.load()) {
    ASSIGN_OR_RETURN(int claimed, DispatchBatch(now, stats));
    if (claimed < options_.batch_size) break;
  }
  if (stats.sent + stats.failed + stats.skipped + stats.cancelled + stats.events + stats.woken +
          stats.recovered + stats.reconciled_sent >
      0) {
    TRY(CompleteFinished().status());
  }
  if (ToUnixMicros(now - kBookingMemory) - bookings_forgotten_before_us_ >
      std::chrono::duration_cast<Duration>(std::chrono::hours(6)).count()) {
    pacer_.Forget(now - kBookingMemory);
    bookings_forgotten_before_us_ = ToUnixMicros(now - kBookingMemory);
  }
  return stats;
}

Result<PassStats> Engine::RunRealTime(const Clock& clock) {
  PassStats total;
  while (!stop_.load()) {
    ASSIGN_OR_RETURN(PassStats pass, RunDue());
    total.Add(pass);
    if (stop_.load()) break;
    ASSIGN_OR_RETURN(std::optional<Instant> next, NextWork());
    const Instant now = clock.Now();
    if (next && *next <= now) continue;
    Duration sleep = options_.external_check;
    if (next) sleep = std::min(sleep, *next - now);
    std::unique_lock lock(wake_mutex_);
    wake_.wait_for(lock, sleep, [this] { return woken_ || stop_.load(); });
    woken_ = false;
  }
  return total;
}

Result<PassStats> Engine::RunVirtual(FakeClock& clock, Instant until) {
  PassStats total;
  while (!stop_.load()) {
    ASSIGN_OR_RETURN(PassStats pass, RunDue());
    total.Add(pass);
    ASSIGN_OR_RETURN(std::optional<Instant> next, NextWork());
    if (!next || *next > until) break;
    if (*next > clock.Now()) {
      clock.Set(*next);
    } else if (pass.sent + pass.failed + pass.skipped + pass.cancelled + pass.deferred +
                   pass.events + pass.woken + pass.recovered + pass.retried ==
               0) {
      // Work is due but nothing moved (e.g. a campaign whose runtime cannot load): step on
      // rather than spin.
      clock.Advance(std::chrono::seconds(1));
    }
  }
  if (clock.Now() < until) clock.Set(until);
  return total;
}

}  // namespace cadent
