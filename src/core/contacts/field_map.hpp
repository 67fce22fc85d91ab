// Maps the columns of an import file to contact fields: header spellings from common
// exports, `--map "Header=field"` overrides, and custom fields for the rest.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.hpp"
#include "core/contacts/normalize.hpp"

namespace cadent {

enum class ContactField {
  kEmail,
  kFirstName,
  kLastName,
  kFullName,
  kCompany,
  kTitle,
  kPhone,
  kLinkedInUrl,
  kLinkedInProviderId,
  kCountry,
  kTimeZone,
};

// The canonical names, as used in --map and in messages: "email", "first_name", "last_name",
// "full_name", "company", "title", "phone", "linkedin_url", "linkedin_provider_id",
// "country", "time_zone".
std::string_view ToString(ContactField field);
// The inverse of ToString (exact, lower case); nullopt for anything else.
std::optional<ContactField> ParseContactField(std::string_view name);

// Recognizes a header as written by lemlist, Apollo, HubSpot, Sales Navigator exports,
// Instantly and hand-made sheets. Case, spaces and punctuation are ignored ("First Name",
// "first_name", "firstName", "FIRSTNAME" are one key), then the key is looked up in a table
// of known spellings. Ambiguous headers stay unmatched on purpose: "Company LinkedIn Url"
// is not the person's profile and "Personal Email" is not the work address.
std::optional<ContactField> MatchHeader(std::string_view header);

// Where one column goes.
struct ColumnTarget {
  enum class Kind { kField, kCustom, kIgnore };
  Kind kind = Kind::kIgnore;
  ContactField field = ContactField::kEmail;  // when kind == kField
  std::string custom_name;                    // when kind == kCustom

  static ColumnTarget Field(ContactField field) { return {Kind::kField, field, {}}; }
  static ColumnTarget Custom(std::string name) {
    return {Kind::kCustom, ContactField::kEmail, std::move(name)};
  }
  static ColumnTarget Ignore() { return {}; }

  friend bool operator==(const ColumnTarget&, const ColumnTarget&) = default;
};

// The mapping of one file's header row. Immutable once built; safe to share across threads.
struct HeaderMapping {
  std::vector<std::string> headers;   // as in the file
  std::vector<ColumnTarget> columns;  // one per header, same order

  // The column holding `field`, if any.
  std::optional<size_t> ColumnOf(ContactField field) const;

  // kInvalidArgument unless an email, LinkedIn URL or phone column is mapped: without one
  // no row can become a contact, so the file is refused before any row is read.
  Status RequireIdentity() const;

  // One record's fields (as many as headers; extra fields are ignored, missing ones are
  // empty) placed into the mapped RawContact fields. Custom fields are keyed by their name.
  RawContact ToRawContact(const std::vector<std::string_view>& fields) const;
};

// Builds the mapping. `overrides` are --map pairs (header, target): the header as written
// in the file (matched after trimming; case-insensitively when that is unambiguous); the
// target a canonical field name, "custom.NAME" or "ignore". Rules:
//  - an override wins over automatic matching; a column that matched the same field
//    automatically then becomes a custom field, so its data is kept;
//  - two columns mapped to one field, or to one custom name, is an error naming both;
//  - columns that match nothing become custom fields named after the trimmed header;
//    columns with an empty header are ignored (trailing commas in a header row);
//  - duplicate header names are an error, as is an override for a header not in the file,
//    two overrides for one header, or an unknown target.
// Errors are kInvalidArgument with a message that says how to fix the file or the --map.
Result<HeaderMapping> MapHeaders(const std::vector<std::string>& headers,
                                 const std::vector<std::pair<std::string, std::string>>& overrides);

}  // namespace cadent
