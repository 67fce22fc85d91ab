// A campaign loaded for running: its settings, the sequence versions its enrollments are
// pinned to, its compiled templates, its sender pool with pacing policies, and the
// calendar of each recipient. Built once per campaign change, shared by the launcher, the
// scheduler, the dispatcher and `explain`.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/calendar/calendar.hpp"
#include "core/pacing/pacing.hpp"
#include "core/sequence/sequence.hpp"
#include "core/templating/template.hpp"
#include "storage/database.hpp"

namespace cadent {

// A sender's pacing policy as stored (SenderAccount::policy_json):
//   {"daily_cap": 40, "hourly_cap": 10, "weekly_cap": 200, "domain_hourly_cap": 3,
//    "min_spacing_s": 90, "max_spacing_s": 180,
//    "warm_up": {"start": "2026-12-01", "initial": 10, "increment": 5}}
// Every key is optional (no cap; spacing 90-180 s). Errors name the key.
Result<pacing::SenderPolicy> ParseSenderPolicy(std::string_view json, const date::time_zone* zone);
std::string SenderPolicyToJson(const pacing::SenderPolicy& policy);

struct RuntimeSender {
  SenderAccount account;
  pacing::SenderPolicy policy;
  templating::SenderFields fields;
};

class CampaignRuntime {
 public:
  // Loads everything; kInvalidArgument when the stored definition no longer parses, a
  // template cannot be compiled or a sender is missing (the message lists every problem).
  static Result<std::shared_ptr<const CampaignRuntime>> Load(Database& db,
                                                             const Campaign& campaign);
  // The same, except that a template or sender that cannot be used is not an error: each
  // such problem is appended to `problems` and the runtime is returned without it, so the
  // launch can report it together with everything else it checks.
  static Result<std::shared_ptr<const CampaignRuntime>> Load(Database& db, const Campaign& campaign,
                                                             std::vector<std::string>* problems);

  const Campaign& campaign() const { return campaign_; }
  const sequence::CampaignSettings& settings() const { return settings_; }
  // The sequence of `version`; nullptr when the campaign has no such version.
  const sequence::Sequence* sequence(int version) const;
  // The step `id` of `version`; nullptr when either does not exist.
  const sequence::Step* StepOf(int version, std::string_view id) const;
  // Whether a message of step `id` (of `version`) that failed for good moves its enrollment
  // on: the step's on_failure is continue (a missing step fails it).
  bool ContinuesAfterFailure(int version, std::string_view id) const;
  int latest_version() const { return campaign_.latest_version; }
  // The version an enrollment pinned to `version` runs at its next step: the latest when a
  // later version was saved with "migrate", else its own.
  int EffectiveVersion(int version) const;

  // The compiled template of a variant (resolved at load), or nullptr.
  const templating::CompiledTemplate* Template(TemplateId id, int version) const;
  // The template (id, version) the variant runs: pinned at load to the version current then.
  std::pair<TemplateId, int> Resolve(const sequence::Variant& variant) const;

  const std::vector<RuntimeSender>& senders() const { return senders_; }
  const RuntimeSender* sender(SenderId id) const;
  // The pool for a message channel (email -> email senders, linkedin_* -> linkedin, sms).
  std::vector<SenderId> PoolFor(templating::Channel channel) const;

  // The calendar of a recipient (zone resolution and holidays per the campaign's options).
  // The result points into this runtime, which must outlive it.
  struct Recipient {
    calendar::RecipientCalendar calendar;
    calendar::ZoneSource zone_source = calendar::ZoneSource::kCampaignDefault;
  };
  Recipient RecipientOf(const ContactData& contact) const;

  const pacing::CampaignPolicy& pacing_policy() const { return pacing_policy_; }

 private:
  CampaignRuntime() = default;
  Campaign campaign_;
  sequence::CampaignSettings settings_;
  std::map<int, sequence::Sequence> versions_;
  std::map<int, bool> migrate_;  // version -> saved with migrate
  std::map<std::pair<int64_t, int>, templating::CompiledTemplate> templates_;
  std::map<std::string, std::pair<TemplateId, int>> resolved_;  // template name -> pinned
  std::vector<RuntimeSender> senders_;
  const date::time_zone* default_zone_ = nullptr;
  // calendar.zone: sender: the zone every window is evaluated in (see Load).
  const date::time_zone* sender_zone_ = nullptr;
  pacing::CampaignPolicy pacing_policy_;
  // Zone resolution is not free (phone numbers are parsed): cached per (zone, phone, country).
  mutable std::mutex zone_mutex_;
  mutable absl::flat_hash_map<std::string, calendar::ResolvedZone> zones_;  // guarded
};

// Runtimes by campaign id, reloaded when the campaign's row changes (updated_at).
class RuntimeCache {
 public:
  explicit RuntimeCache(Database& db) : db_(db) {}
  Result<std::shared_ptr<const CampaignRuntime>> Get(WorkspaceId workspace, CampaignId id);
  void Forget(CampaignId id);

 private:
  Database& db_;
  std::mutex mutex_;
  absl::flat_hash_map<int64_t, std::shared_ptr<const CampaignRuntime>> runtimes_;  // guarded
};

}  // namespace cadent
