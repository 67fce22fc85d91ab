#include "engine/webhooks.hpp"

#include <sodium.h>

namespace cadent {

nlohmann::json ContactJson(const Contact& c) {
  const ContactData& d = c.data;
  return {{"id", c.id.value()},
          {"email", d.email},
          {"first_name", d.first_name},
          {"last_name", d.last_name},
          {"company", d.company},
          {"title", d.title},
          {"phone", d.phone},
          {"linkedin_url", d.linkedin_url},
          {"linkedin_provider_id", d.linkedin_provider_id},
          {"country", d.country},
          {"time_zone", d.time_zone},
          {"custom_fields", d.custom_fields},
          {"status", ToString(c.status)},
          {"registrable_domain", d.registrable_domain},
          {"created_at", FormatRfc3339(c.created_at)},
          {"updated_at", FormatRfc3339(c.updated_at)}};
}

std::string WebhookPayload(const Message& message, int attempt, const Campaign& campaign,
                           const Enrollment& enrollment, const Contact& contact, Instant now) {
  const nlohmann::json body = {
      {"type", "step.webhook"},
      {"id", message.id.value()},
      {"attempt", attempt},
      {"sent_at", FormatRfc3339(now)},
      {"workspace_id", message.workspace_id.value()},
      {"campaign", {{"id", campaign.id.value()}, {"name", campaign.name}}},
      {"step", message.step},
      {"enrollment",
       {{"id", enrollment.id.value()},
        {"status", sequence::ToString(enrollment.status)},
        {"step", enrollment.step},
        {"version", enrollment.version},
        {"enrolled_at", FormatRfc3339(enrollment.enrolled_at)},
        {"last_sent_at", enrollment.last_sent_at
                             ? nlohmann::json(FormatRfc3339(*enrollment.last_sent_at))
                             : nlohmann::json(nullptr)}}},
      {"contact", ContactJson(contact)},
  };
  // Invalid UTF-8 cannot reach here (contacts are normalized on the way in); replace rather
  // than throw if it ever does.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::string> WebhookSecret(Database& db, WorkspaceId workspace) {
  if (sodium_init() < 0) return absl::InternalError("libsodium cannot initialise");
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return db.workspaces().WebhookSecret(workspace, hex);
}

}  // namespace cadent
