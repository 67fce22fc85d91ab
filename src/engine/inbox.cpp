#include "engine/inbox.hpp"

#include "channels/imap/imap_poller.hpp"
#include "core/common/strings.hpp"
#include "core/contacts/normalize.hpp"
#include "engine/sender_transport.hpp"

namespace cadent {
namespace {

std::optional<EventKind> KindOf(channels::InboundKind kind) {
  switch (kind) {
    case channels::InboundKind::kReply:
      return EventKind::kReplied;
    case channels::InboundKind::kAutoReply:
      return EventKind::kAutoReplied;
    case channels::InboundKind::kHardBounce:
      return EventKind::kBounced;
    case channels::InboundKind::kSoftBounce:
      return EventKind::kSoftBounced;
    case channels::InboundKind::kUnrelated:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

Result<std::optional<Event>> InboundEvent(Database& db, WorkspaceId workspace,
                                          const channels::InboundMessage& inbound, Instant now) {
  const std::optional<EventKind> kind = KindOf(inbound.kind);
  if (!kind) return std::optional<Event>();
  Event event;
  event.workspace_id = workspace;
  event.kind = *kind;
  event.source = "imap";
  event.at = now;
  const bool bounce = *kind == EventKind::kBounced || *kind == EventKind::kSoftBounced;
  event.detail = bounce ? StrCat(inbound.status, inbound.status.empty() ? "" : " ", inbound.detail)
                        : StrCat(inbound.detail.empty() ? inbound.subject : inbound.detail);
  if (!inbound.message_id.empty()) event.detail += StrCat(" [", inbound.message_id, "]");
  // Ours first: the email it answers names the enrollment and the message.
  for (const std::string& reference : inbound.references) {
    ASSIGN_OR_RETURN(std::optional<EngineStore::SentEmail> email,
                     db.engine().FindEmail(workspace, reference));
    if (!email) continue;
    event.contact_id = email->contact;
    event.campaign_id = email->campaign;
    event.enrollment_id = email->enrollment;
    event.message_id = email->id;
    return std::optional<Event>(std::move(event));
  }
  // Else by address: the replier, or the recipient that bounced.
  const std::string& address = bounce ? inbound.recipient : inbound.from_address;
  if (address.empty()) return std::optional<Event>();
  Result<NormalizedEmail> normalized = NormalizeEmail(address);
  if (!normalized.ok()) return std::optional<Event>();
  ASSIGN_OR_RETURN(std::optional<Contact> contact,
                   db.contacts().FindByKey(workspace, normalized->normalized));
  if (!contact) return std::optional<Event>();
  event.contact_id = contact->id;
  return std::optional<Event>(std::move(event));
}

namespace {

// One inbox: new messages since the stored position, each classified and recorded, the
// position stored after each. A mailbox read for the first time (or whose UIDVALIDITY
// changed) starts at its current end: old mail is history, not replies to this campaign.
Status PollOne(Database& db, const SecretBox& box, const SenderAccount& sender,
               const TransportSettings& settings, const Clock& clock, size_t limit,
               InboxStats& stats) {
  TransportSecrets secrets;
  if (!sender.sealed_credentials.empty()) {
    ASSIGN_OR_RETURN(std::string opened, box.Open(SecretPurpose::kSenderCredentials,
                                                  sender.id.value(), sender.sealed_credentials));
    ASSIGN_OR_RETURN(secrets, ParseTransportSecrets(opened));
  }
  channels::ImapMailbox::Options options;
  options.url = settings.imap_url;
  options.username = settings.imap_username.empty() ? settings.username : settings.imap_username;
  // The mailbox's own password, else the account's (an app password serves both).
  options.secret = secrets.imap_secret.empty() ? secrets.secret : secrets.imap_secret;
  options.auth = settings.auth == "xoauth2" ? "xoauth2" : "";
  options.verify_tls = settings.verify_tls;
  options.ca_file = settings.ca_file;
  channels::ImapMailbox mailbox(options);

  uint32_t validity = sender.imap_uidvalidity;
  uint32_t last = sender.imap_last_uid;
  ++stats.senders;
  while (true) {
    ASSIGN_OR_RETURN(
        channels::ImapMailbox::Batch batch,
        mailbox.FetchSince(validity == 0 ? UINT32_MAX - 1 : last, validity == 0 ? 1 : limit));
    if (batch.uid_validity != validity) {
      // First read, or the server renumbered the mailbox: start at its end.
      validity = batch.uid_validity;
      last = batch.uid_next > 0 ? batch.uid_next - 1 : 0;
      if (last == 0 && !batch.messages.empty()) last = batch.messages.back().uid;
      TRY(db.senders().SetInboxPosition(sender.workspace_id, sender.id, validity, last));
      if (sender.imap_uidvalidity == 0) return OkStatus();
      continue;
    }
    for (const channels::ImapMailbox::Fetched& fetched : batch.messages) {
      ++stats.fetched;
      Result<channels::InboundMessage> inbound = channels::ClassifyInbound(fetched.raw);
      if (inbound.ok()) {
        ASSIGN_OR_RETURN(std::optional<Event> event,
                         InboundEvent(db, sender.workspace_id, *inbound, clock.Now()));
        if (event) {
          TRY(db.engine().AddEvent(*event).status());
          ++stats.events;
        } else {
          ++stats.ignored;
        }
      } else {
        ++stats.ignored;
      }
      last = fetched.uid;
      TRY(db.senders().SetInboxPosition(sender.workspace_id, sender.id, validity, last));
    }
    if (!batch.more) return OkStatus();
  }
}

}  // namespace

Result<InboxStats> PollInboxes(Database& db, const SecretBox& box, WorkspaceId workspace,
                               const Clock& clock, size_t limit) {
  InboxStats stats;
  ASSIGN_OR_RETURN(std::vector<SenderAccount> senders, db.senders().List(workspace));
  for (const SenderAccount& sender : senders) {
    if (sender.channel != "email") continue;
    Result<TransportSettings> settings = ParseTransportSettings(sender.settings_json);
    if (!settings.ok() || settings->imap_url.empty()) continue;
    const Status polled = PollOne(db, box, sender, *settings, clock, limit, stats);
    if (!polled.ok()) {
      stats.errors.push_back(StrCat("sender '", sender.name, "': ", std::string(polled.message())));
    }
  }
  return stats;
}

}  // namespace cadent
