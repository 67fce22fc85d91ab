#include "engine/campaign_runtime.hpp"

#include "core/common/strings.hpp"
#include "engine/campaign_json.hpp"
#include "nlohmann/json.hpp"

namespace cadent {
namespace {

using nlohmann::json;

Result<std::optional<int32_t>> OptionalInt(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<int32_t>();
  if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 1000000) {
    return absl::InvalidArgumentError(
        StrCat("sender policy: ", key, " must be a whole number from 0 to 1000000"));
  }
  return std::optional<int32_t>(static_cast<int32_t>(it->get<int64_t>()));
}

}  // namespace

Result<pacing::SenderPolicy> ParseSenderPolicy(std::string_view text, const date::time_zone* zone) {
  json object = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object()) {
    return absl::InvalidArgumentError("sender policy: not a JSON object");
  }
  static constexpr std::string_view kKeys[] = {
      "daily_cap",     "hourly_cap",    "weekly_cap", "domain_hourly_cap",
      "min_spacing_s", "max_spacing_s", "warm_up"};
  for (const auto& [key, value] : object.items()) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      return absl::InvalidArgumentError(StrCat("sender policy: unknown key '", key, "'"));
    }
  }
  pacing::SenderPolicy policy;
  policy.zone = zone;
  ASSIGN_OR_RETURN(policy.daily_cap, OptionalInt(object, "daily_cap"));
  ASSIGN_OR_RETURN(policy.hourly_cap, OptionalInt(object, "hourly_cap"));
  ASSIGN_OR_RETURN(policy.weekly_cap, OptionalInt(object, "weekly_cap"));
  ASSIGN_OR_RETURN(policy.domain_hourly_cap, OptionalInt(object, "domain_hourly_cap"));
  ASSIGN_OR_RETURN(std::optional<int32_t> min_spacing, OptionalInt(object, "min_spacing_s"));
  ASSIGN_OR_RETURN(std::optional<int32_t> max_spacing, OptionalInt(object, "max_spacing_s"));
  if (min_spacing) policy.min_spacing = std::chrono::seconds(*min_spacing);
  if (max_spacing) {
    policy.max_spacing = std::chrono::seconds(*max_spacing);
  } else if (min_spacing) {
    policy.max_spacing = std::max(policy.max_spacing, policy.min_spacing);
  }
  if (policy.max_spacing < policy.min_spacing) {
    return absl::InvalidArgumentError("sender policy: max_spacing_s is below min_spacing_s");
  }
  if (const auto it = object.find("warm_up"); it != object.end() && !it->is_null()) {
    if (!it->is_object() || !it->contains("start") || !(*it)["start"].is_string()) {
      return absl::InvalidArgumentError(
          "sender policy: warm_up must be {\"start\": \"YYYY-MM-DD\", \"initial\": N, "
          "\"increment\": N}");
    }
    const std::string start = (*it)["start"].get<std::string>();
    Result<Instant> start_at = ParseRfc3339(start);
    if (start.size() != 10 || !start_at.ok()) {
      return absl::InvalidArgumentError("sender policy: warm_up.start is not a YYYY-MM-DD date");
    }
    pacing::WarmUp warm_up;
    warm_up.start_day =
        date::local_days(std::chrono::floor<date::days>(*start_at).time_since_epoch());
    ASSIGN_OR_RETURN(std::optional<int32_t> initial, OptionalInt(*it, "initial"));
    ASSIGN_OR_RETURN(std::optional<int32_t> increment, OptionalInt(*it, "increment"));
    if (initial) warm_up.initial_per_day = *initial;
    if (increment) warm_up.increment_per_day = *increment;
    policy.warm_up = warm_up;
  }
  return policy;
}

std::string SenderPolicyToJson(const pacing::SenderPolicy& policy) {
  json out = json::object();
  if (policy.daily_cap) out["daily_cap"] = *policy.daily_cap;
  if (policy.hourly_cap) out["hourly_cap"] = *policy.hourly_cap;
  if (policy.weekly_cap) out["weekly_cap"] = *policy.weekly_cap;
  if (policy.domain_hourly_cap) out["domain_hourly_cap"] = *policy.domain_hourly_cap;
  out["min_spacing_s"] = policy.min_spacing.count();
  out["max_spacing_s"] = policy.max_spacing.count();
  if (policy.warm_up) {
    out["warm_up"] = {{"start", date::format("%F", policy.warm_up->start_day)},
                      {"initial", policy.warm_up->initial_per_day},
                      {"increment", policy.warm_up->increment_per_day}};
  }
  return out.dump();
}

Result<std::shared_ptr<const CampaignRuntime>> CampaignRuntime::Load(Database& db,
                                                                     const Campaign& campaign) {
  std::vector<std::string> problems;
  ASSIGN_OR_RETURN(std::shared_ptr<const CampaignRuntime> runtime, Load(db, campaign, &problems));
  if (!problems.empty()) {
    std::string message = StrCat("campaign '", campaign.name, "' cannot run:");
    for (const std::string& p : problems) message += StrCat("\n  ", p);
    return absl::InvalidArgumentError(message);
  }
  return runtime;
}

Result<std::shared_ptr<const CampaignRuntime>> CampaignRuntime::Load(
    Database& db, const Campaign& campaign, std::vector<std::string>* problems_out) {
  std::shared_ptr<CampaignRuntime> rt(new CampaignRuntime());
  rt->campaign_ = campaign;
  ASSIGN_OR_RETURN(rt->settings_, ParseSettingsJson(campaign.settings_json));
  std::vector<std::string>& problems = *problems_out;
  for (int v = 1; v <= campaign.latest_version; ++v) {
    ASSIGN_OR_RETURN(CampaignVersion version,
                     db.campaigns().GetVersion(campaign.workspace_id, campaign.id, v));
    ASSIGN_OR_RETURN(sequence::Sequence seq,
                     ParseSequenceJson(version.sequence_json, campaign.kind));
    rt->versions_.emplace(v, std::move(seq));
    rt->migrate_.emplace(v, version.migrate);
  }
  rt->default_zone_ = date::locate_zone(rt->settings_.default_zone);  // parse checked it

  // Templates of every version's send steps, pinned: an explicit version, else the latest.
  for (const auto& [v, seq] : rt->versions_) {
    for (const sequence::Step& step : seq.steps) {
      if (step.kind != sequence::StepKind::kSend) continue;
      for (const sequence::Variant& variant : step.variants) {
        ASSIGN_OR_RETURN(std::optional<cadent::Template> tmpl,
                         db.templates().FindByName(campaign.workspace_id, variant.template_name));
        if (!tmpl) {
          problems.push_back(
              StrCat("step ", step.id, ": no template named '", variant.template_name, "'"));
          continue;
        }
        if (tmpl->channel != step.channel) {
          problems.push_back(StrCat("step ", step.id, ": template '", variant.template_name,
                                    "' is for ", templating::ToString(tmpl->channel), ", not ",
                                    templating::ToString(step.channel)));
          continue;
        }
        const int pinned =
            variant.template_version > 0 ? variant.template_version : tmpl->latest_version;
        const std::string key = StrCat(variant.template_name, "@", variant.template_version);
        rt->resolved_[key] = {tmpl->id, pinned};
        const auto template_key = std::pair(tmpl->id.value(), pinned);
        if (rt->templates_.contains(template_key)) continue;
        Result<TemplateVersion> source =
            db.templates().GetVersion(campaign.workspace_id, tmpl->id, pinned);
        if (!source.ok()) {
          problems.push_back(StrCat("step ", step.id, ": ", source.status().message()));
          continue;
        }
        Result<templating::CompiledTemplate> compiled = templating::Compile(source->source);
        if (!compiled.ok()) {
          problems.push_back(StrCat("step ", step.id, ": template '", variant.template_name, "' v",
                                    pinned, ": ", compiled.status().message()));
          continue;
        }
        rt->templates_.emplace(template_key, *std::move(compiled));
      }
    }
  }

  for (const std::string& name : rt->settings_.senders) {
    ASSIGN_OR_RETURN(std::optional<SenderAccount> account,
                     db.senders().FindByName(campaign.workspace_id, name));
    if (!account) {
      problems.push_back(StrCat("senders: no sender account named '", name, "'"));
      continue;
    }
    const date::time_zone* zone = nullptr;
    try {
      zone = date::locate_zone(account->time_zone);
    } catch (const std::exception&) {
      problems.push_back(
          StrCat("sender '", name, "': unknown time zone '", account->time_zone, "'"));
      continue;
    }
    Result<pacing::SenderPolicy> policy = ParseSenderPolicy(account->policy_json, zone);
    if (!policy.ok()) {
      problems.push_back(StrCat("sender '", name, "': ", policy.status().message()));
      continue;
    }
    policy->jitter_seed = static_cast<uint64_t>(account->id.value());
    RuntimeSender sender{*account, *policy, {}};
    const size_t space = account->from_name.find(' ');
    sender.fields.first_name = account->from_name.substr(0, space);
    if (space != std::string::npos) sender.fields.last_name = account->from_name.substr(space + 1);
    sender.fields.email = account->address;
    sender.fields.signature = account->signature;
    rt->senders_.push_back(std::move(sender));
  }
  rt->pacing_policy_.new_contacts_per_day = rt->settings_.new_contacts_per_day;
  if (rt->settings_.calendar.zone_choice == calendar::CalendarOptions::ZoneChoice::kSender) {
    // One zone for the whole campaign, as the forecast assumes: the first sender of the
    // first send step's channel, else the first sender, else the campaign's default zone.
    rt->sender_zone_ = rt->default_zone_;
    const sequence::Sequence* latest = rt->sequence(campaign.latest_version);
    std::vector<SenderId> pool;
    for (size_t i = 0; latest != nullptr && i < latest->steps.size(); ++i) {
      if (latest->steps[i].kind != sequence::StepKind::kSend) continue;
      pool = rt->PoolFor(latest->steps[i].channel);
      break;
    }
    if (const RuntimeSender* first = pool.empty() ? nullptr : rt->sender(pool.front())) {
      rt->sender_zone_ = first->policy.zone;
    } else if (!rt->senders_.empty()) {
      rt->sender_zone_ = rt->senders_.front().policy.zone;
    }
  }
  return std::shared_ptr<const CampaignRuntime>(std::move(rt));
}

const sequence::Sequence* CampaignRuntime::sequence(int version) const {
  const auto it = versions_.find(version);
  return it == versions_.end() ? nullptr : &it->second;
}

const sequence::Step* CampaignRuntime::StepOf(int version, std::string_view id) const {
  const sequence::Sequence* seq = sequence(version);
  return seq == nullptr ? nullptr : seq->Find(id);
}

bool CampaignRuntime::ContinuesAfterFailure(int version, std::string_view id) const {
  const sequence::Step* step = StepOf(version, id);
  return step != nullptr && step->on_failure == sequence::FailurePolicy::kContinue;
}

int CampaignRuntime::EffectiveVersion(int version) const {
  for (int v = campaign_.latest_version; v > version; --v) {
    const auto it = migrate_.find(v);
    if (it != migrate_.end() && it->second) return campaign_.latest_version;
  }
  return version;
}

const templating::CompiledTemplate* CampaignRuntime::Template(TemplateId id, int version) const {
  const auto it = templates_.find(std::pair(id.value(), version));
  return it == templates_.end() ? nullptr : &it->second;
}

std::pair<TemplateId, int> CampaignRuntime::Resolve(const sequence::Variant& variant) const {
  const auto it = resolved_.find(StrCat(variant.template_name, "@", variant.template_version));
  return it == resolved_.end() ? std::pair(TemplateId(), 0) : it->second;
}

const RuntimeSender* CampaignRuntime::sender(SenderId id) const {
  for (const RuntimeSender& s : senders_) {
    if (s.account.id == id) return &s;
  }
  return nullptr;
}

std::vector<SenderId> CampaignRuntime::PoolFor(templating::Channel channel) const {
  if (channel == templating::Channel::kWebhook) return {};  // webhooks have no sender
  std::string_view kind = "email";
  if (channel == templating::Channel::kLinkedInInvite ||
      channel == templating::Channel::kLinkedInMessage) {
    kind = "linkedin";
  } else if (channel == templating::Channel::kSms) {
    kind = "sms";
  }
  std::vector<SenderId> pool;
  for (const RuntimeSender& s : senders_) {
    if (s.account.channel == kind && s.account.flagged.empty()) pool.push_back(s.account.id);
  }
  return pool;
}

CampaignRuntime::Recipient CampaignRuntime::RecipientOf(const ContactData& contact) const {
  if (sender_zone_ != nullptr) {
    // Windows in the sender's zone. A sender account has no country: weekends are the
    // default ones and there are no country holidays (blackout dates still apply).
    return Recipient{calendar::MakeRecipientCalendar(settings_.calendar, sender_zone_, ""),
                     calendar::ZoneSource::kSender};
  }
  // The phone only matters when the contact has no zone of its own.
  const std::string key = StrCat(contact.time_zone, "|", contact.country, "|",
                                 contact.time_zone.empty() ? contact.phone : "");
  calendar::ResolvedZone resolved;
  {
    std::lock_guard lock(zone_mutex_);
    const auto it = zones_.find(key);
    if (it != zones_.end()) {
      resolved = it->second;
    } else {
      Result<calendar::ResolvedZone> r = calendar::ResolveZone(
          contact.time_zone, contact.phone, contact.country, settings_.default_zone);
      resolved =
          r.ok() ? *r
                 : calendar::ResolvedZone{default_zone_, calendar::ZoneSource::kCampaignDefault};
      zones_.emplace(key, resolved);
    }
  }
  return Recipient{
      calendar::MakeRecipientCalendar(settings_.calendar, resolved.zone, contact.country),
      resolved.source};
}

Result<std::shared_ptr<const CampaignRuntime>> RuntimeCache::Get(WorkspaceId workspace,
                                                                 CampaignId id) {
  ASSIGN_OR_RETURN(Campaign campaign, db_.campaigns().Get(workspace, id));
  {
    std::lock_guard lock(mutex_);
    const auto it = runtimes_.find(id.value());
    if (it != runtimes_.end() && it->second->campaign().updated_at == campaign.updated_at &&
        it->second->campaign().status == campaign.status) {
      return it->second;
    }
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const CampaignRuntime> runtime,
                   CampaignRuntime::Load(db_, campaign));
  std::lock_guard lock(mutex_);
  runtimes_[id.value()] = runtime;
  return runtime;
}

void RuntimeCache::Forget(CampaignId id) {
  std::lock_guard lock(mutex_);
  runtimes_.erase(id.value());
}

}  // namespace cadent
