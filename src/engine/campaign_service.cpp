#include "engine/campaign_service.hpp"

#include <algorithm>
#include <cctype>

#include "absl/container/flat_hash_set.h"
#include "core/common/strings.hpp"
#include "engine/planner.hpp"

namespace cadent {
namespace {

using sequence::CampaignEvent;
using sequence::CampaignStatus;
using sequence::EnrollmentStatus;
using sequence::MessageStatus;

constexpr size_t kEnrollChunk = 20000;
constexpr int kPageSize = 10000;

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string FieldOf(const Contact& contact, std::string_view field) {
  const ContactData& d = contact.data;
  if (field == "email") return d.email_normalized;
  if (field == "first_name") return d.first_name;
  if (field == "last_name") return d.last_name;
  if (field == "company") return d.company;
  if (field == "title") return d.title;
  if (field == "phone") return d.phone;
  if (field == "country") return d.country;
  if (field == "time_zone") return d.time_zone;
  if (field == "linkedin_url") return d.linkedin_url;
  if (field == "domain") return d.registrable_domain;
  if (field == "status") return std::string(ToString(contact.status));
  if (field.starts_with("custom.")) {
    const auto it = d.custom_fields.find(std::string(field.substr(7)));
    return it == d.custom_fields.end() ? "" : it->second;
  }
  return "";
}

std::string Problems(std::string_view head, const std::vector<std::string>& problems) {
  std::string out(head);
  for (const std::string& p : problems) out += StrCat("\n  ", p);
  return out;
}

// The message lines of a CampaignRuntime::Load error, without its heading.
void AddLoadProblems(const cadent::Status& status, std::vector<std::string>& problems) {
  std::string_view text(status.message().data(), status.message().size());
  const size_t first = text.find('\n');
  if (first == std::string_view::npos) {
    problems.emplace_back(text);
    return;
  }
  text.remove_prefix(first + 1);
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!line.empty()) problems.emplace_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

}  // namespace

bool Matches(const sequence::FieldFilter& filter, const Contact& contact) {
  const std::string value = Lower(FieldOf(contact, filter.field));
  const std::string wanted = Lower(filter.value);
  switch (filter.op) {
    case sequence::FieldFilter::Op::kEquals:
      return value == wanted;
    case sequence::FieldFilter::Op::kNotEquals:
      return value != wanted;
    case sequence::FieldFilter::Op::kContains:
      return value.find(wanted) != std::string::npos;
    case sequence::FieldFilter::Op::kEmpty:
      return value.empty();
    case sequence::FieldFilter::Op::kNotEmpty:
      return !value.empty();
  }
  return false;
}

Result<Campaign> CampaignService::Create(WorkspaceId workspace,
                                         const CampaignDefinition& definition) {
  return db_.campaigns().Create(workspace, definition.name, definition.settings.kind,
                                SettingsToJson(definition.settings),
                                SequenceToJson(definition.sequence), "created");
}

Result<Campaign> CampaignService::Update(WorkspaceId workspace, CampaignId id,
                                         const CampaignDefinition& definition, bool migrate) {
  ASSIGN_OR_RETURN(Campaign campaign, db_.campaigns().Get(workspace, id));
  if (sequence::IsTerminal(campaign.status)) {
    return absl::FailedPreconditionError(StrCat("campaign '", campaign.name, "' is ",
                                                sequence::ToString(campaign.status),
                                                "; it cannot be edited"));
  }
  if (definition.settings.kind != campaign.kind) {
    return absl::InvalidArgumentError("a campaign's kind cannot change");
  }
  ASSIGN_OR_RETURN(CampaignVersion latest,
                   db_.campaigns().GetVersion(workspace, id, campaign.latest_version));
  const std::string sequence_json = SequenceToJson(definition.sequence);
  if (sequence_json != latest.sequence_json) {
    TRY(db_.campaigns()
            .AddVersion(workspace, id, campaign.latest_version, sequence_json, "updated", migrate)
            .status());
  }
  TRY(db_.campaigns().UpdateSettings(workspace, id, SettingsToJson(definition.settings)));
  return db_.campaigns().Get(workspace, id);
}

Result<Campaign> CampaignService::Find(WorkspaceId workspace, std::string_view name_or_id) {
  ASSIGN_OR_RETURN(std::optional<Campaign> by_name,
                   db_.campaigns().FindByName(workspace, name_or_id));
  if (by_name) return *by_name;
  int64_t id = 0;
  if (!name_or_id.empty() &&
      std::all_of(name_or_id.begin(), name_or_id.end(),
                  [](char c) { return c >= '0' && c <= '9'; }) &&
      name_or_id.size() < 18) {
    id = std::stoll(std::string(name_or_id));
    Result<Campaign> by_id = db_.campaigns().Get(workspace, CampaignId(id));
    if (by_id.ok()) return by_id;
  }
  return absl::NotFoundError(StrCat("no campaign named '", name_or_id, "'"));
}

Result<CampaignDefinition> CampaignService::Definition(WorkspaceId workspace,
                                                       const Campaign& campaign, int version) {
  CampaignDefinition out;
  out.name = campaign.name;
  ASSIGN_OR_RETURN(out.settings, ParseSettingsJson(campaign.settings_json));
  ASSIGN_OR_RETURN(CampaignVersion v,
                   db_.campaigns().GetVersion(workspace, campaign.id,
                                              version > 0 ? version : campaign.latest_version));
  ASSIGN_OR_RETURN(out.sequence, ParseSequenceJson(v.sequence_json, campaign.kind));
  return out;
}

namespace {

// templating::MissingVariables renders the whole template, and a launch asks once per
// contact. Its answer depends only on which of the template's variables are blank, so for
// a template over the standard contact fields (plus sender and system fields, which do not
// vary per contact) it is computed once per pattern of blank fields.
class MissingVariablesCache {
 public:
  std::vector<std::string> Get(const templating::CompiledTemplate& compiled,
                               const ContactData& contact) {
    const void* key = &compiled.impl();
    auto [known, inserted] = cacheable_.try_emplace(key, false);
    if (inserted) known->second = Cacheable(compiled);
    if (!known->second) return templating::MissingVariables(compiled, contact);
    const std::string_view fields[] = {contact.first_name,   contact.last_name, contact.company,
                                       contact.title,        contact.email,     contact.phone,
                                       contact.linkedin_url, contact.country,   contact.time_zone};
    uint32_t blank = 0;
    for (size_t i = 0; i < std::size(fields); ++i) {
      if (IsBlank(fields[i])) blank |= 1u << i;
    }
    auto [it, fresh] = missing_.try_emplace(std::pair(key, blank));
    if (fresh) it->second = templating::MissingVariables(compiled, contact);
    return it->second;
  }

 private:
  static bool IsBlank(std::string_view value) {
    return value.find_first_not_of(" \t\n\r\f\v") == std::string_view::npos;
  }
  static bool Cacheable(const templating::CompiledTemplate& compiled) {
    static constexpr std::string_view kFixed[] = {
        "first_name",   "last_name", "company",   "title",           "email",      "phone",
        "linkedin_url", "country",   "time_zone", "unsubscribe_url", "day_of_week"};
    for (const std::string& v : compiled.variables()) {
      if (v.starts_with("sender.")) continue;
      if (std::find(std::begin(kFixed), std::end(kFixed), v) == std::end(kFixed)) return false;
    }
    return true;
  }
  absl::flat_hash_map<const void*, bool> cacheable_;
  absl::flat_hash_map<std::pair<const void*, uint32_t>, std::vector<std::string>> missing_;
};

}  // namespace

cadent::Status CampaignService::ForEachInAudience(
    WorkspaceId workspace, const sequence::CampaignSettings& settings,
    const std::function<cadent::Status(const Contact&)>& each) {
  absl::flat_hash_set<int64_t> seen;  // contacts on more than one list count once
  auto page_through = [&](std::optional<ListId> list) -> cadent::Status {
    ContactQuery query;
    query.list = list;
    query.status = ContactStatus::kActive;
    query.limit = kPageSize;
    while (true) {
      ASSIGN_OR_RETURN(std::vector<Contact> page, db_.contacts().List(workspace, query));
      if (page.empty()) return OkStatus();
      query.after = page.back().id;
      for (const Contact& c : page) {
        if (settings.audience.lists.size() > 1 && !seen.insert(c.id.value()).second) continue;
        bool pass = true;
        for (const sequence::FieldFilter& f : settings.audience.filters) {
          if (!Matches(f, c)) {
            pass = false;
            break;
          }
        }
        if (pass) TRY(each(c));
      }
      if (static_cast<int>(page.size()) < kPageSize) return OkStatus();
    }
  };
  if (settings.audience.lists.empty()) return page_through(std::nullopt);
  for (const std::string& name : settings.audience.lists) {
    ASSIGN_OR_RETURN(std::optional<ContactList> list, db_.lists().FindByName(workspace, name));
    if (!list) return absl::FailedPreconditionError(StrCat("audience: no list named '", name, "'"));
    TRY(page_through(list->id));
  }
  return OkStatus();
}

Result<std::vector<Contact>> CampaignService::LoadAudience(
    WorkspaceId workspace, const sequence::CampaignSettings& settings) {
  std::vector<Contact> out;
  TRY(ForEachInAudience(workspace, settings, [&out](const Contact& c) {
    out.push_back(c);
    return OkStatus();
  }));
  return out;
}

Result<LaunchReport> CampaignService::Launch(WorkspaceId workspace, CampaignId id) {
  ASSIGN_OR_RETURN(Campaign campaign, db_.campaigns().Get(workspace, id));
  if (campaign.status != CampaignStatus::kDraft) {
    return absl::FailedPreconditionError(StrCat("campaign '", campaign.name, "' is ",
                                                sequence::ToString(campaign.status),
                                                "; only a draft can be launched"));
  }
  // Templates and senders that cannot be used are listed with every other problem.
  std::vector<std::string> problems;
  Result<std::shared_ptr<const CampaignRuntime>> loaded =
      CampaignRuntime::Load(db_, campaign, &problems);
  if (!loaded.ok()) {
    AddLoadProblems(loaded.status(), problems);
    return absl::FailedPreconditionError(
        Problems(StrCat("campaign '", campaign.name, "' cannot launch:"), problems));
  }
  const CampaignRuntime& runtime = **loaded;
  const int version = campaign.latest_version;
  const sequence::Sequence& seq = *runtime.sequence(version);
  for (const sequence::Problem& p : sequence::Check(seq, campaign.kind)) {
    problems.push_back(p.ToString());
  }
  ASSIGN_OR_RETURN(Workspace ws, db_.workspaces().Get(workspace));
  bool has_email = false;
  for (size_t i = 0; i < seq.steps.size(); ++i) {
    const sequence::Step& step = seq.steps[i];
    if (step.kind != sequence::StepKind::kSend) continue;
    const std::vector<SenderId> pool = runtime.PoolFor(step.channel);
    if (pool.empty()) {
      problems.push_back(StrCat("steps[", i, "] (", step.id, "): no ",
                                templating::ToString(step.channel),
                                " sender account among the campaign's senders"));
    }
    // {{sender.*}} without a fallback needs the field on every sender that may send it.
    for (const sequence::Variant& v : step.variants) {
      const auto [template_id, template_version] = runtime.Resolve(v);
      const templating::CompiledTemplate* compiled =
          runtime.Template(template_id, template_version);
      if (compiled == nullptr) continue;
      for (const SenderId sid : pool) {
        const RuntimeSender* sender = runtime.sender(sid);
        if (sender == nullptr) continue;
        for (const std::string& missing :
             templating::MissingVariables(*compiled, ContactData{}, &sender->fields)) {
          if (!missing.starts_with("sender.")) continue;
          problems.push_back(StrCat("steps[", i, "] (", step.id, "): template '", v.template_name,
                                    "' uses {{", missing, "}} without a fallback, and sender '",
                                    sender->account.name, "' has no ", missing.substr(7)));
        }
      }
    }
    if (step.channel != templating::Channel::kEmail) continue;
    has_email = true;
    for (const sequence::Variant& v : step.variants) {
      const auto [template_id, template_version] = runtime.Resolve(v);
      const templating::CompiledTemplate* compiled =
          runtime.Template(template_id, template_version);
      if (compiled == nullptr) continue;
      const auto& vars = compiled->variables();
      if (std::find(vars.begin(), vars.end(), "unsubscribe_url") == vars.end()) {
        problems.push_back(StrCat("steps[", i, "] (", step.id, "): template '", v.template_name,
                                  "' has no {{unsubscribe_url}} (required in every email)"));
      }
    }
  }
  if (has_email && ws.postal_address.empty()) {
    problems.push_back(
        "the workspace has no postal address (required in every email; set it with "
        "`cadent workspace set-address`)");
  }
  if (!problems.empty()) {
    return absl::FailedPreconditionError(
        Problems(StrCat("campaign '", campaign.name, "' cannot launch:"), problems));
  }

  // The audience, minus the suppressed and (by default) contacts live elsewhere.
  LaunchReport report;
  ASSIGN_OR_RETURN(SuppressionSet suppressed, db_.suppression().Snapshot(workspace));
  absl::flat_hash_set<int64_t> elsewhere;
  if (!runtime.settings().allow_in_other_campaigns) {
    ASSIGN_OR_RETURN(std::vector<ContactId> others,
                     db_.engine().ContactsInOtherCampaigns(workspace, id));
    for (const ContactId c : others) elsewhere.insert(c.value());
  }
  const Instant now = clock_.Now();
  const Instant start = runtime.settings().start_at.value_or(now);
  const sequence::Step* first = seq.steps.empty() ? nullptr : &seq.steps.front();
  const auto policy = runtime.settings().missing_data;

  std::vector<NewEnrollment> batch;
  batch.reserve(kEnrollChunk);
  auto flush = [&]() -> cadent::Status {
    if (batch.empty()) return OkStatus();
    ASSIGN_OR_RETURN(int64_t enrolled, db_.engine().Enroll(workspace, id, version, batch, now));
    report.enrolled += enrolled;
    report.already_enrolled += static_cast<int64_t>(batch.size()) - enrolled;
    batch.clear();
    return OkStatus();
  };
  MissingVariablesCache missing_variables;
  auto enroll = [&](const Contact& contact) -> cadent::Status {
    ++report.audience;
    if (suppressed.Match(contact.data) != nullptr) {
      ++report.suppressed;
      return OkStatus();
    }
    if (elsewhere.contains(contact.id.value())) {
      ++report.in_other_campaigns;
      return OkStatus();
    }
    ASSIGN_OR_RETURN(StepPlan plan,
                     PlanStep(runtime, version, first, EnrollmentId(), contact, start));
    if (plan.message && plan.message->template_id.valid()) {
      const templating::CompiledTemplate* compiled =
          runtime.Template(plan.message->template_id, plan.message->template_version);
      if (compiled != nullptr) {
        // Sender fields were checked above, for every sender of the pool.
        std::vector<std::string> missing = missing_variables.Get(*compiled, contact.data);
        std::erase_if(missing, [](const std::string& v) { return v.starts_with("sender."); });
        if (!missing.empty()) {
          ++report.missing_data;
          for (const std::string& v : missing) ++report.missing_by_variable[v];
          if (policy == sequence::CampaignSettings::MissingData::kSkip) return OkStatus();
        }
      }
    }
    NewEnrollment e;
    e.contact_id = contact.id;
    e.step = plan.step;
    if (plan.event == sequence::EnrollmentEvent::kWait) {
      e.status = EnrollmentStatus::kWaiting;
      e.wake_at = plan.wake_at;
    }
    e.first = std::move(plan.message);
    batch.push_back(std::move(e));
    if (batch.size() >= kEnrollChunk) TRY(flush());
    return OkStatus();
  };
  TRY(ForEachInAudience(workspace, runtime.settings(), enroll));
  TRY(flush());

  if (runtime.settings().start_at && *runtime.settings().start_at > now) {
    ASSIGN_OR_RETURN(report.campaign, db_.campaigns().Transition(workspace, id, campaign.status,
                                                                 CampaignEvent::kSchedule,
                                                                 runtime.settings().start_at));
  } else {
    ASSIGN_OR_RETURN(report.campaign, db_.campaigns().Transition(workspace, id, campaign.status,
                                                                 CampaignEvent::kStart));
  }
  return report;
}

Result<Campaign> CampaignService::Pause(WorkspaceId workspace, CampaignId id) {
  ASSIGN_OR_RETURN(Campaign campaign, db_.campaigns().Get(workspace, id));
  return db_.campaigns().Transition(workspace, id, campaign.status, CampaignEvent::kPause);
}

Result<Campaign> CampaignService::Resume(WorkspaceId workspace, CampaignId id) {
  ASSIGN_OR_RETURN(Campaign campaign, db_.campaigns().Get(workspace, id));
  if (campaign.status != CampaignStatus::kPaused) {
    return absl::FailedPreconditionError(StrCat(
        "campaign '", campaign.name, "' is ", sequence::ToString(campaign.status), ", not paused"));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const CampaignRuntime> runtime,
                   CampaignRuntime::Load(db_, campaign));
  // What fell due while paused goes to the recipient's next allowed slot from now, and its
  // pacing slot is given up: the dispatcher reserves a fresh one, so caps and spacing spread
  // the backlog instead of bursting it.
  const Instant now = clock_.Now();
  while (true) {
    ASSIGN_OR_RETURN(std::vector<Message> overdue, db_.engine().OverdueMessages(id, now, 5000));
    std::vector<ChangeUnit> units;
    for (const Message& m : overdue) {
      ASSIGN_OR_RETURN(Contact contact, db_.contacts().Get(workspace, m.contact_id));
      const CampaignRuntime::Recipient recipient = runtime->RecipientOf(contact.data);
      ASSIGN_OR_RETURN(calendar::Slot slot, calendar::NextAllowed(now, recipient.calendar));
      // planned -> claimed -> planned (kDefer) rewrites due and slot under the state machine.
      MessageChange claim;
      claim.id = m.id;
      claim.from = MessageStatus::kPlanned;
      claim.event = sequence::MessageEvent::kClaim;
      MessageChange replan;
      replan.id = m.id;
      replan.from = MessageStatus::kClaimed;
      replan.event = sequence::MessageEvent::kRelease;
      replan.due_at = slot.at;
      replan.slot_at = std::optional<Instant>();
      replan.reasons = StrCat("re-planned on resume", slot.reasons.empty() ? "" : "; ",
                              FormatReasons(slot.reasons));
      ChangeUnit unit;
      unit.messages = {claim, replan};
      units.push_back(std::move(unit));
    }
    if (!units.empty())
      TRY(db_.engine().Apply(units, now, EngineStore::Durability::kDurable).status());
    if (overdue.size() < 5000) break;
  }
  return db_.campaigns().Transition(workspace, id, CampaignStatus::kPaused, CampaignEvent::kResume);
}

Result<Campaign> CampaignService::Stop(WorkspaceId workspace, CampaignId id) {
  ASSIGN_OR_RETURN(Campaign campaign, db_.campaigns().Get(workspace, id));
  ASSIGN_OR_RETURN(Campaign stopped, db_.campaigns().Transition(workspace, id, campaign.status,
                                                                CampaignEvent::kStop));
  const Instant now = clock_.Now();
  while (true) {
    ASSIGN_OR_RETURN(std::vector<Enrollment> live, db_.engine().LiveEnrollments(id, 2000));
    if (live.empty()) break;
    std::vector<ChangeUnit> units;
    for (const Enrollment& e : live) {
      ASSIGN_OR_RETURN(std::vector<Message> pending,
                       db_.engine().PendingMessagesOf(workspace, e.id));
      ChangeUnit unit;
      AddStop(unit, e, "campaign stopped", pending);
      units.push_back(std::move(unit));
    }
    ASSIGN_OR_RETURN(ApplyResult applied,
                     db_.engine().Apply(units, now, EngineStore::Durability::kDurable));
    if (applied.conflicted.size() == units.size()) break;  // all moved on; try again later
  }
  return stopped;
}

Result<CampaignStatusReport> CampaignService::Status(WorkspaceId workspace, CampaignId id) {
  CampaignStatusReport report;
  ASSIGN_OR_RETURN(report.campaign, db_.campaigns().Get(workspace, id));
  ASSIGN_OR_RETURN(report.enrollments, db_.engine().EnrollmentCounts(workspace, id));
  ASSIGN_OR_RETURN(std::vector<StepStats> stats, db_.engine().Stats(workspace, id));
  for (const StepStats& s : stats) {
    report.unknown_messages += s.by_status[static_cast<size_t>(MessageStatus::kUnknown)];
  }
  return report;
}

Result<std::vector<StepStats>> CampaignService::Stats(WorkspaceId workspace, CampaignId id) {
  ASSIGN_OR_RETURN(Campaign campaign, db_.campaigns().Get(workspace, id));
  ASSIGN_OR_RETURN(std::vector<StepStats> stats, db_.engine().Stats(workspace, id));
  // In sequence order (latest version's step order first), then variant.
  ASSIGN_OR_RETURN(CampaignDefinition definition, Definition(workspace, campaign));
  auto rank = [&](const std::string& step) {
    for (size_t i = 0; i < definition.sequence.steps.size(); ++i) {
      if (definition.sequence.steps[i].id == step) return i;
    }
    return definition.sequence.steps.size();
  };
  std::sort(stats.begin(), stats.end(), [&](const StepStats& a, const StepStats& b) {
    return std::pair(rank(a.step), a.variant) < std::pair(rank(b.step), b.variant);
  });
  return stats;
}

Result<Explanation> CampaignService::Explain(WorkspaceId workspace, CampaignId id,
                                             const Contact& contact) {
  ASSIGN_OR_RETURN(Campaign campaign, db_.campaigns().Get(workspace, id));
  Explanation out;
  out.contact = contact.data.email.empty()
                    ? StrCat(contact.data.first_name, " ", contact.data.last_name)
                    : contact.data.email;
  Result<std::shared_ptr<const CampaignRuntime>> runtime = CampaignRuntime::Load(db_, campaign);
  if (runtime.ok()) {
    const CampaignRuntime::Recipient r = (*runtime)->RecipientOf(contact.data);
    out.zone = StrCat(r.calendar.zone->name(), " (", calendar::ToString(r.zone_source), ")");
  }
  ASSIGN_OR_RETURN(std::optional<SuppressionEntry> suppressed,
                   db_.suppression().Match(workspace, contact.data));
  ASSIGN_OR_RETURN(std::optional<Enrollment> enrollment,
                   db_.engine().FindEnrollment(workspace, id, contact.id));
  if (!enrollment) {
    out.status = "not enrolled";
    if (suppressed) {
      out.plan.push_back(
          {std::nullopt, "not enrolled",
           StrCat("suppressed: ", suppressed->reason, " ", FormatRfc3339(suppressed->created_at))});
    }
    return out;
  }
  out.status = StrCat(sequence::ToString(enrollment->status), " at step ", enrollment->step,
                      " (version ", enrollment->version, ")");
  out.history.push_back({enrollment->enrolled_at, "enrolled", ""});
  ASSIGN_OR_RETURN(std::vector<Message> messages,
                   db_.engine().MessagesOf(workspace, enrollment->id));
  ASSIGN_OR_RETURN(std::vector<Event> events, db_.engine().EventsOf(workspace, enrollment->id));
  auto sender_name = [&](SenderId s) -> std::string {
    if (!s.valid()) return "";
    Result<SenderAccount> account = db_.senders().Get(workspace, s);
    return account.ok() ? account->name : StrCat("sender ", s.value());
  };
  for (const Message& m : messages) {
    const std::string label =
        StrCat(m.step, m.variant.empty() ? "" : StrCat(" (variant ", m.variant, ")"));
    switch (m.status) {
      case MessageStatus::kSent:
        out.history.push_back(
            {m.sent_at, StrCat("sent ", label, " via ", sender_name(m.sender)), m.reasons});
        break;
      case MessageStatus::kPlanned:
      case MessageStatus::kClaimed:
      case MessageStatus::kSending:
        out.plan.push_back(
            {m.due_at,
             StrCat(m.status == MessageStatus::kPlanned ? "planned " : "sending ", label,
                    m.sender.valid() ? StrCat(" via ", sender_name(m.sender)) : ""),
             StrCat(m.reasons,
                    m.error.empty() ? "" : StrCat(m.reasons.empty() ? "" : "; ", m.error))});
        break;
      default:
        out.history.push_back(
            {m.updated_at, StrCat(sequence::ToString(m.status), " ", label), m.error});
    }
  }
  for (const Event& e : events) {
    out.history.push_back({e.at, StrCat("event: ", ToString(e.kind)), e.detail});
  }
  std::stable_sort(out.history.begin(), out.history.end(),
                   [](const Explanation::Line& a, const Explanation::Line& b) {
                     return a.at.value_or(Instant::min()) < b.at.value_or(Instant::min());
                   });
  if (enrollment->status == EnrollmentStatus::kWaiting && runtime.ok()) {
    const sequence::Sequence* seq = (*runtime)->sequence(enrollment->version);
    const sequence::Step* step = seq == nullptr ? nullptr : seq->Find(enrollment->step);
    if (step != nullptr && step->kind == sequence::StepKind::kCondition) {
      const Instant since = enrollment->last_sent_at.value_or(enrollment->step_started_at);
      const auto days = [](Duration d) {
        return std::chrono::duration_cast<std::chrono::hours>(d).count() / 24;
      };
      const std::string what = step->condition == sequence::ConditionKind::kAccepted
                                   ? "waiting for connection acceptance"
                                   : StrCat("waiting for ", sequence::ToString(step->condition));
      out.plan.push_back(
          {enrollment->wake_at,
           StrCat(what, ", ", days(clock_.Now() - since), " of ",
                  days(std::chrono::duration_cast<Duration>(step->within)), " days"),
           StrCat("then ", step->on_yes.empty() ? "end" : step->on_yes,
                  "; if not by the deadline, ", step->on_no.empty() ? "end" : step->on_no)});
    } else if (step != nullptr) {
      out.plan.push_back({enrollment->wake_at, StrCat("waiting (step ", step->id, ")"), ""});
    }
  }
  if (!enrollment->stop_reason.empty()) {
    out.plan.push_back({enrollment->updated_at, StrCat("stopped: ", enrollment->stop_reason), ""});
  }
  if (suppressed) {
    out.plan.push_back(
        {suppressed->created_at,
         StrCat("suppressed: ", suppressed->reason.empty() ? "listed" : suppressed->reason, " ",
                date::format("%F", date::floor<date::days>(suppressed->created_at))),
         "no message will be sent"});
  }
  return out;
}

Result<forecast::Forecast> CampaignService::Forecast(WorkspaceId workspace, CampaignId id) {
  ASSIGN_OR_RETURN(Campaign campaign, db_.campaigns().Get(workspace, id));
  ASSIGN_OR_RETURN(std::shared_ptr<const CampaignRuntime> runtime,
                   CampaignRuntime::Load(db_, campaign));
  const sequence::Sequence& seq = *runtime->sequence(campaign.latest_version);
  forecast::Input input;
  input.calendar = runtime->settings().calendar;
  input.default_zone = runtime->settings().default_zone;
  input.campaign.new_contacts_per_day = runtime->settings().new_contacts_per_day;
  input.start = runtime->settings().start_at.value_or(clock_.Now());
  // The main path: send steps in order, wait delays folded into the next send.
  calendar::DelayRule pending_wait;
  for (const sequence::Step& step : seq.steps) {
    if (step.kind == sequence::StepKind::kWait) {
      pending_wait = step.delay;
      continue;
    }
    if (step.kind != sequence::StepKind::kSend) continue;
    forecast::Step f;
    f.channel = step.channel == templating::Channel::kEmail ? "email"
                : step.channel == templating::Channel::kSms ? "sms"
                                                            : "linkedin";
    f.delay = step.delay.amount > 0 ? step.delay : pending_wait;
    f.stops_on_reply = runtime->settings().stop.on_reply;
    input.steps.push_back(std::move(f));
    pending_wait = {};
  }
  for (const RuntimeSender& s : runtime->senders()) {
    forecast::Sender sender;
    sender.id = s.account.id;
    sender.channel = s.account.channel;
    sender.policy = s.policy;
    input.senders.push_back(std::move(sender));
  }
  ASSIGN_OR_RETURN(std::vector<Contact> audience, LoadAudience(workspace, runtime->settings()));
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> groups;
  for (const Contact& c : audience) {
    const CampaignRuntime::Recipient r = runtime->RecipientOf(c.data);
    ++groups[{std::string(r.calendar.zone->name()), c.data.country, c.data.email_domain}];
  }
  for (const auto& [key, count] : groups) {
    input.audience.push_back(
        forecast::AudienceGroup{std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
  }
  return forecast::RunForecast(input);
}

Result<Event> CampaignService::AddEvent(WorkspaceId workspace, const Contact& contact,
                                        EventKind kind, std::optional<CampaignId> campaign,
                                        Instant at, std::string_view source,
                                        std::string_view detail) {
  Event event;
  event.workspace_id = workspace;
  event.contact_id = contact.id;
  event.kind = kind;
  event.source = std::string(source);
  event.detail = std::string(detail);
  event.at = at;
  std::optional<Enrollment> enrollment;
  if (campaign) {
    ASSIGN_OR_RETURN(enrollment, db_.engine().FindEnrollment(workspace, *campaign, contact.id));
    event.campaign_id = *campaign;
  } else {
    ASSIGN_OR_RETURN(std::vector<Enrollment> live,
                     db_.engine().LiveEnrollmentsOf(workspace, contact.id));
    for (const Enrollment& e : live) {
      if (!enrollment || e.last_sent_at.value_or(Instant::min()) >
                             enrollment->last_sent_at.value_or(Instant::min())) {
        enrollment = e;
      }
    }
  }
  if (enrollment) {
    event.campaign_id = enrollment->campaign_id;
    event.enrollment_id = enrollment->id;
    ASSIGN_OR_RETURN(std::vector<Message> messages,
                     db_.engine().MessagesOf(workspace, enrollment->id));
    for (const Message& m : messages) {
      if (m.status == MessageStatus::kSent) event.message_id = m.id;  // the latest sent
    }
  }
  return db_.engine().AddEvent(event);
}

}  // namespace cadent
