// JSON views of the engine's records for the outside world: a contact as the CLI and webhook
// receivers see it, and the body of a webhook step's POST (docs/CAMPAIGNS.md, "Webhook
// steps").
#pragma once

#include <string>

#include "nlohmann/json.hpp"
#include "storage/campaign_store.hpp"
#include "storage/contact_store.hpp"
#include "storage/database.hpp"
#include "storage/engine_store.hpp"

namespace cadent {

// id, email, names, company, title, phone, linkedin_url, linkedin_provider_id, country,
// time_zone, custom_fields, status, registrable_domain, created_at, updated_at.
nlohmann::json ContactJson(const Contact& contact);

// {"type": "step.webhook", "id": <message id>, "attempt", "sent_at", "workspace_id",
//  "campaign": {id, name}, "step", "enrollment": {id, status, step, version, enrolled_at,
//  last_sent_at}, "contact": ContactJson}. Instants are RFC 3339 UTC.
std::string WebhookPayload(const Message& message, int attempt, const Campaign& campaign,
                           const Enrollment& enrollment, const Contact& contact, Instant now);

// The workspace's webhook signing secret: 32 random bytes as hex, made on first use.
Result<std::string> WebhookSecret(Database& db, WorkspaceId workspace);

}  // namespace cadent
