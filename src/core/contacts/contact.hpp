// The contact: who cadent writes to, on which channels, in which place and time zone.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/clock.hpp"
#include "core/common/ids.hpp"

namespace cadent {

// Whether a contact may be written to at all. Anything but kActive stops every campaign
// step for this contact (suppression entries stop them too, independently of status).
enum class ContactStatus { kActive, kUnsubscribed, kBounced, kComplained };

std::string_view ToString(ContactStatus status);
std::optional<ContactStatus> ParseContactStatus(std::string_view text);

// Validated, normalized contact data, as produced by BuildContact (core/contacts/normalize)
// from an import row or an API request. Empty string = absent.
struct ContactData {
  std::string email;               // as entered, trimmed; domain shown in Unicode
  std::string email_normalized;    // lowercase; domain in ASCII (IDNA2008 A-label)
  std::string email_domain;        // ASCII domain of email_normalized
  std::string registrable_domain;  // public-suffix-aware (libpsl): "acme.co.uk"
  std::string first_name;          // NFC, trimmed, inner whitespace collapsed
  std::string last_name;
  std::string company;
  std::string title;
  std::string phone;                 // E.164 ("+14155550123")
  std::string linkedin_url;          // canonical "https://www.linkedin.com/in/<slug>"
  std::string linkedin_provider_id;  // provider's member id (Unipile), when known
  std::string country;               // ISO 3166-1 alpha-2, upper case
  std::string time_zone;             // IANA name ("Europe/Berlin")
  std::map<std::string, std::string> custom_fields;

  // The per-workspace uniqueness key: the normalized email when present, else
  // "linkedin:<url>", else "phone:<e164>". Empty only for invalid data.
  std::string DedupeKey() const;

  friend bool operator==(const ContactData&, const ContactData&) = default;
};

struct Contact {
  ContactId id;
  WorkspaceId workspace_id;
  ContactData data;
  ContactStatus status = ContactStatus::kActive;
  Instant created_at;
  Instant updated_at;
};

}  // namespace cadent
