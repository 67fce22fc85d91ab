// Campaigns as the user drives them: create and edit (versioned), launch (validate, enroll,
// plan the first steps), pause, resume, stop, status, stats, explain, forecast, and the
// events a user or test injects. The CLI calls it; the REST API (server issue) will too.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/forecast/forecast.hpp"
#include "engine/campaign_json.hpp"
#include "engine/campaign_runtime.hpp"
#include "storage/database.hpp"

namespace cadent {

struct LaunchReport {
  Campaign campaign;     // after the launch (active or scheduled)
  int64_t audience = 0;  // contacts matching the audience
  int64_t enrolled = 0;  // newly enrolled now
  int64_t already_enrolled = 0;
  int64_t suppressed = 0;          // skipped: on the suppression list
  int64_t in_other_campaigns = 0;  // skipped: live in another campaign
  int64_t missing_data = 0;        // skipped (policy skip) or enrolled anyway
  std::map<std::string, int64_t> missing_by_variable;
};

struct CampaignStatusReport {
  Campaign campaign;
  std::vector<std::pair<sequence::EnrollmentStatus, int64_t>> enrollments;
  int64_t unknown_messages = 0;  // the ambiguous window: reported, never resent
};

// `cadent explain`: a contact's history in a campaign and what happens next, with reasons.
struct Explanation {
  struct Line {
    std::optional<Instant> at;
    std::string what;  // "sent intro (variant A) via alice", "event: replied"
    std::string why;   // reasons: "2026-12-05: weekend (Saturday); sender alice: daily_cap"
  };
  std::string contact;  // email or name
  std::string zone;     // "America/New_York (contact)"
  std::string status;   // the enrollment's status and step
  std::vector<Line> history;
  std::vector<Line> plan;
};

class CampaignService {
 public:
  CampaignService(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // A draft campaign from a definition. kAlreadyExists when the name is taken.
  Result<Campaign> Create(WorkspaceId workspace, const CampaignDefinition& definition);
  // Saves a new definition for an existing campaign: settings replace the old ones; a changed
  // sequence becomes a new version (migrate: live enrollments move to it at their next step).
  // Unchanged sequence: no new version. Stopped or completed campaigns cannot be edited.
  Result<Campaign> Update(WorkspaceId workspace, CampaignId id,
                          const CampaignDefinition& definition, bool migrate);
  Result<Campaign> Find(WorkspaceId workspace, std::string_view name_or_id);
  Result<CampaignDefinition> Definition(WorkspaceId workspace, const Campaign& campaign,
                                        int version = 0);

  // Validates, then enrolls the audience and plans each first step. Refuses (nothing
  // written, kFailedPrecondition with every problem on its own line): templates that do not
  // compile or do not exist, missing senders or no sender for a channel the steps use, email
  // steps without {{unsubscribe_url}}, no workspace postal address for email steps. Re-running
  // a launch that was interrupted continues it (enrolled contacts are skipped).
  Result<LaunchReport> Launch(WorkspaceId workspace, CampaignId id);
  Result<Campaign> Pause(WorkspaceId workspace, CampaignId id);
  // Re-plans messages that fell due during the pause into the next allowed slots.
  Result<Campaign> Resume(WorkspaceId workspace, CampaignId id);
  // Stops the campaign for good: live enrollments stop, planned messages are cancelled.
  Result<Campaign> Stop(WorkspaceId workspace, CampaignId id);

  Result<CampaignStatusReport> Status(WorkspaceId workspace, CampaignId id);
  Result<std::vector<StepStats>> Stats(WorkspaceId workspace, CampaignId id);
  Result<Explanation> Explain(WorkspaceId workspace, CampaignId id, const Contact& contact);
  // The calendar issue's forecast over the campaign's real audience, senders and calendar.
  Result<forecast::Forecast> Forecast(WorkspaceId workspace, CampaignId id);

  // Records an event for a contact (tied to its enrollment in `campaign` when given, else to
  // its most recently sent live enrollment). The engine applies it (stop rules, branches).
  Result<Event> AddEvent(WorkspaceId workspace, const Contact& contact, EventKind kind,
                         std::optional<CampaignId> campaign, Instant at, std::string_view source,
                         std::string_view detail);

 private:
  // Calls `each` once for every contact of the audience (active, on the lists, passing the
  // filters), streamed page by page: a launch never holds the whole audience in memory.
  cadent::Status ForEachInAudience(WorkspaceId workspace,
                                   const sequence::CampaignSettings& settings,
                                   const std::function<cadent::Status(const Contact&)>& each);
  Result<std::vector<Contact>> LoadAudience(WorkspaceId workspace,
                                            const sequence::CampaignSettings& settings);
  Database& db_;
  const Clock& clock_;
};

// Whether a contact passes a field filter (case-insensitive).
bool Matches(const sequence::FieldFilter& filter, const Contact& contact);

}  // namespace cadent
