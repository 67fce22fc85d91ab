// Campaigns with their immutable sequence versions, and the sender accounts they send from.
// Definitions are stored as JSON documents (engine/campaign_json reads and writes them); a
// store never judges a definition.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/ids.hpp"
#include "core/common/result.hpp"
#include "core/sequence/sequence.hpp"
#include "core/sequence/state.hpp"

namespace cadent {

struct Campaign {
  CampaignId id;
  WorkspaceId workspace_id;
  std::string name;  // unique per workspace
  sequence::CampaignKind kind = sequence::CampaignKind::kSequence;
  sequence::CampaignStatus status = sequence::CampaignStatus::kDraft;
  bool archived = false;
  std::string settings_json;  // engine/campaign_json SettingsToJson
  int latest_version = 1;
  std::optional<Instant> start_at;
  std::optional<Instant> launched_at;
  std::optional<Instant> ended_at;  // completed or stopped
  Instant created_at;
  Instant updated_at;
};

struct CampaignVersion {
  CampaignId campaign_id;
  int version = 0;
  std::string sequence_json;  // engine/campaign_json SequenceToJson
  std::string note;
  bool migrate = false;  // enrollments of older versions move to this one at their next step
  Instant created_at;
};

// Thread-safe; every method filters by workspace. Errors: kNotFound, kAlreadyExists (name
// taken), kAborted (a version or status change raced another writer: reload and retry),
// kFailedPrecondition (the event is invalid in the campaign's current status; the message
// names both).
class CampaignStore {
 public:
  virtual ~CampaignStore() = default;
  // A draft campaign with `sequence_json` as version 1.
  virtual Result<Campaign> Create(WorkspaceId workspace, std::string_view name,
                                  sequence::CampaignKind kind, std::string_view settings_json,
                                  std::string_view sequence_json, std::string_view note) = 0;
  // Adds version latest+1, provided the latest is still `expected_latest`.
  virtual Result<CampaignVersion> AddVersion(WorkspaceId workspace, CampaignId id,
                                             int expected_latest, std::string_view sequence_json,
                                             std::string_view note, bool migrate) = 0;
  virtual Status UpdateSettings(WorkspaceId workspace, CampaignId id,
                                std::string_view settings_json) = 0;
  virtual Result<Campaign> Get(WorkspaceId workspace, CampaignId id) = 0;
  virtual Result<std::optional<Campaign>> FindByName(WorkspaceId workspace,
                                                     std::string_view name) = 0;
  // Not archived unless include_archived; by id.
  virtual Result<std::vector<Campaign>> List(WorkspaceId workspace, bool include_archived) = 0;
  // Every campaign in one of these statuses, in any workspace (the engine's view).
  virtual Result<std::vector<Campaign>> ListByStatus(
      std::span<const sequence::CampaignStatus> statuses) = 0;
  virtual Result<CampaignVersion> GetVersion(WorkspaceId workspace, CampaignId id, int version) = 0;
  // Applies `event` if the campaign is still in `from` (kAborted otherwise) and the table
  // allows it (kFailedPrecondition otherwise). kSchedule sets start_at to `at`; kStart sets
  // launched_at (when unset); kComplete and kStop set ended_at.
  virtual Result<Campaign> Transition(WorkspaceId workspace, CampaignId id,
                                      sequence::CampaignStatus from, sequence::CampaignEvent event,
                                      std::optional<Instant> at = std::nullopt) = 0;
  virtual Status SetArchived(WorkspaceId workspace, CampaignId id, bool archived) = 0;
};

// A sender account: a mailbox, a LinkedIn account or a phone number: its identity, its
// pacing policy, and how it reaches its provider (transport, settings and sealed secrets).
struct SenderAccount {
  SenderId id;
  WorkspaceId workspace_id;
  std::string name;               // unique per workspace
  std::string channel = "email";  // "email", "linkedin" or "sms"
  // "outbox" (files), "smtp", "sendgrid", "mailgun", "postmark", "ses", "resend".
  std::string transport = "outbox";
  std::string address;  // from address, LinkedIn account, or E.164 number
  std::string from_name;
  std::string reply_to;            // email: Reply-To ("" = none)
  std::string time_zone = "UTC";   // where its caps count days and hours
  std::string policy_json = "{}";  // engine/sender_policy: caps, spacing, warm-up
  std::string signature;
  std::string flagged;  // why the account needs attention ("" = fine)
  // The transport's settings without secrets (engine/sender_transport: endpoint, username,
  // auth, region, domain, TLS, connections, inbox).
  std::string settings_json = "{}";
  // The secrets as base64 of a libsodium secretbox bound to this account's id; storage never
  // opens it ("" = none). Never printed, logged or returned by the API.
  std::string sealed_credentials;
  uint32_t imap_uidvalidity = 0;  // the inbox poller's position: UIDVALIDITY and last UID
  uint32_t imap_last_uid = 0;
  Instant created_at;
  Instant updated_at;
};

// A DKIM signing key for one sending domain of a workspace.
struct DkimKeyRecord {
  int64_t id = 0;
  WorkspaceId workspace_id;
  std::string domain;  // lower case
  std::string selector;
  std::string algorithm;   // "rsa-sha256" or "ed25519-sha256"
  std::string sealed_key;  // the private key (PEM), sealed and bound to `id`
  std::string dns_txt;     // the public record to publish at <selector>._domainkey.<domain>
  Instant created_at;
};

// Seals a secret for the row it will belong to, once the row's id is known (secrets are
// bound to their row's id, so the insert and the seal share one transaction).
using SealFor = std::function<Result<std::string>(int64_t id)>;

class SenderStore {
 public:
  virtual ~SenderStore() = default;
  // kAlreadyExists when the name is taken; kInvalidArgument for an empty name or address.
  // With `seal`, account.sealed_credentials is replaced by seal(new id) in the same
  // transaction (nothing is added when it fails).
  virtual Result<SenderAccount> Add(const SenderAccount& account,
                                    const SealFor& seal = nullptr) = 0;
  virtual Result<SenderAccount> Get(WorkspaceId workspace, SenderId id) = 0;
  virtual Result<std::optional<SenderAccount>> FindByName(WorkspaceId workspace,
                                                          std::string_view name) = 0;
  virtual Result<std::vector<SenderAccount>> List(WorkspaceId workspace) = 0;
  virtual Status SetFlag(WorkspaceId workspace, SenderId id, std::string_view flagged) = 0;
  virtual Status SetCredentials(WorkspaceId workspace, SenderId id, std::string_view sealed) = 0;
  // The inbox poller's position.
  virtual Status SetInboxPosition(WorkspaceId workspace, SenderId id, uint32_t uidvalidity,
                                  uint32_t last_uid) = 0;

  // DKIM keys, one per domain. AddDkimKey: kAlreadyExists when the domain has one; the key
  // is sealed by seal(new id) in the insert's transaction.
  virtual Result<DkimKeyRecord> AddDkimKey(const DkimKeyRecord& key, const SealFor& seal) = 0;
  virtual Result<std::optional<DkimKeyRecord>> FindDkimKey(WorkspaceId workspace,
                                                           std::string_view domain) = 0;
  virtual Result<std::vector<DkimKeyRecord>> ListDkimKeys(WorkspaceId workspace) = 0;
  virtual Status RemoveDkimKey(WorkspaceId workspace, std::string_view domain) = 0;
  // kFailedPrecondition when messages still reference it.
  virtual Status Remove(WorkspaceId workspace, SenderId id) = 0;
};

}  // namespace cadent
