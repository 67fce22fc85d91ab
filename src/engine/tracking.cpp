#include "engine/tracking.hpp"

#include <utility>

#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"

namespace cadent {
namespace {

absl::Status NotFound() { return absl::NotFoundError("no such link"); }

}  // namespace

Result<std::string> TrackingKeys::ForSigning(WorkspaceId workspace) {
  std::lock_guard lock(mutex_);
  if (const auto it = keys_.find(workspace.value()); it != keys_.end()) return it->second;
  ASSIGN_OR_RETURN(std::string key, db_.workspaces().TrackingKey(workspace, tracking::NewKeyHex()));
  keys_[workspace.value()] = key;
  return key;
}

Result<std::string> TrackingKeys::ForVerifying(WorkspaceId workspace) {
  std::lock_guard lock(mutex_);
  if (const auto it = keys_.find(workspace.value()); it != keys_.end()) return it->second;
  ASSIGN_OR_RETURN(std::string key, db_.workspaces().TrackingKey(workspace, ""));
  if (key.empty()) return absl::NotFoundError("the workspace has no tracking key");
  keys_[workspace.value()] = key;
  return key;
}

std::string TrackingUrl(std::string_view public_url, std::string_view path,
                        std::string_view token) {
  std::string_view base = public_url;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return StrCat(base, path, token);
}

std::string_view TransparentGif() {
  // GIF89a, 1x1, a two-colour table, colour 0 transparent (Graphic Control Extension).
  static constexpr unsigned char kGif[] = {
      0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
      0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
      0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};
  return {reinterpret_cast<const char*>(kGif), sizeof kGif};
}

Tracker::Tracker(Database& db, const Clock& clock, std::function<void()> on_event)
    : db_(db), clock_(clock), on_event_(std::move(on_event)), keys_(db) {}

Result<TrackedMessage> Tracker::Resolve(std::string_view text, tracking::TokenKind kind) {
  Result<tracking::Token> claimed = tracking::Peek(text);
  if (!claimed.ok()) return NotFound();
  Result<std::string> key = keys_.ForVerifying(claimed->workspace);
  if (absl::IsNotFound(key.status())) return NotFound();
  if (!key.ok()) return key.status();
  Result<tracking::Token> token = tracking::Verify(text, *key, kind);
  if (!token.ok()) return NotFound();
  TrackedMessage out;
  out.token = *token;
  Result<Message> message = db_.engine().GetMessage(token->workspace, token->message);
  if (absl::IsNotFound(message.status())) return NotFound();
  if (!message.ok()) return message.status();
  out.message = *std::move(message);
  ASSIGN_OR_RETURN(out.contact, db_.contacts().Get(token->workspace, out.message.contact_id));
  return out;
}

Status Tracker::Record(const TrackedMessage& tracked, EventKind kind, std::string_view machine,
                       std::string_view detail) {
  Event event;
  event.workspace_id = tracked.message.workspace_id;
  event.contact_id = tracked.message.contact_id;
  event.campaign_id = tracked.message.campaign_id;
  event.enrollment_id = tracked.message.enrollment_id;
  event.message_id = tracked.message.id;
  event.kind = kind;
  event.source = "tracking";
  event.at = clock_.Now();
  event.machine = std::string(machine);
  event.detail = std::string(detail);
  TRY(db_.engine().AddEvent(event).status());
  if (on_event_) on_event_();
  return OkStatus();
}

Result<TrackedMessage> Tracker::Unsubscribe(std::string_view token) {
  ASSIGN_OR_RETURN(TrackedMessage tracked, Resolve(token, tracking::TokenKind::kUnsubscribe));
  const Message& m = tracked.message;
  // The suppression first, in its own transaction: once it is on disk, every claim in the
  // workspace sees it (the dispatcher reads suppression after each claim commits).
  if (!tracked.contact.data.email_normalized.empty()) {
    SuppressionEntry entry;
    entry.workspace = m.workspace_id;
    entry.kind = SuppressionKind::kEmail;
    entry.value = tracked.contact.data.email_normalized;
    entry.reason = "unsubscribed";
    TRY(db_.suppression().Add(entry).status());
  }
  if (tracked.contact.status == ContactStatus::kActive) {  // a bounce or complaint stays
    TRY(db_.contacts().SetStatus(m.workspace_id, m.contact_id, ContactStatus::kUnsubscribed));
  }
  // One event per enrollment: the stop rule and the stats need it once.
  ASSIGN_OR_RETURN(
      const bool recorded,
      db_.engine().HasEvent(m.enrollment_id, EventKind::kUnsubscribed, FromUnixMicros(0)));
  if (!recorded) TRY(Record(tracked, EventKind::kUnsubscribed, "", ""));
  return tracked;
}

Result<TrackedMessage> Tracker::Open(std::string_view token, const tracking::Hit& hit) {
  ASSIGN_OR_RETURN(TrackedMessage tracked, Resolve(token, tracking::TokenKind::kOpen));
  tracking::Hit timed = hit;
  if (tracked.message.sent_at) {
    timed.since_sent = std::chrono::duration_cast<std::chrono::microseconds>(
        clock_.Now() - *tracked.message.sent_at);
  }
  TRY(Record(tracked, EventKind::kOpened, tracking::MachineOpen(timed), ""));
  return tracked;
}

Result<std::string> Tracker::Click(std::string_view token, const tracking::Hit& hit) {
  ASSIGN_OR_RETURN(TrackedMessage tracked, Resolve(token, tracking::TokenKind::kClick));
  // The target comes from the links stored with the message when it was sent, by index:
  // nothing in the request names it, so there is no open redirect.
  ASSIGN_OR_RETURN(std::optional<std::string> links,
                   db_.engine().MessageLinks(tracked.message.workspace_id, tracked.message.id));
  if (!links) return NotFound();
  const nlohmann::json table = nlohmann::json::parse(*links, nullptr, false);
  const auto index = static_cast<size_t>(tracked.token.link);
  if (!table.is_array() || index >= table.size() || !table[index].is_string()) {
    return NotFound();
  }
  std::string url = table[index].get<std::string>();
  // Stored by the engine from an http(s) href; refuse anything that could not be a
  // Location header (control characters) rather than trust it.
  for (const char c : url) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return NotFound();
  }
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0 &&
      url.rfind("HTTPS://", 0) != 0 && url.rfind("HTTP://", 0) != 0) {
    return NotFound();
  }
  tracking::Hit timed = hit;
  if (tracked.message.sent_at) {
    timed.since_sent = std::chrono::duration_cast<std::chrono::microseconds>(
        clock_.Now() - *tracked.message.sent_at);
  }
  TRY(Record(tracked, EventKind::kClicked, tracking::MachineClick(timed), url));
  return url;
}

}  // namespace cadent
