// Suppression: the addresses and domains cadent must never write to, and the one matching
// rule that every import, enrollment and send applies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "core/common/clock.hpp"
#include "core/common/ids.hpp"
#include "core/common/result.hpp"
#include "core/contacts/contact.hpp"

namespace cadent {

enum class SuppressionKind { kEmail, kDomain };

struct SuppressionEntry {
  SuppressionId id;
  std::optional<WorkspaceId> workspace;  // nullopt = global: applies to every workspace
  SuppressionKind kind = SuppressionKind::kEmail;
  std::string value;   // kEmail: a normalized address; kDomain: a lowercase ASCII domain
  std::string reason;  // "unsubscribed", "hard bounce", "complaint", "manual", ...
  Instant created_at;
};

// Reads what a user typed or a file holds: an address gives a kEmail entry with the
// normalized address ("Jane@ACME.com" -> "jane@acme.com"); "acme.com", "@acme.com" and
// "*@acme.com" give a kDomain entry with the ASCII domain (IDN names in A-label form). A
// public suffix ("co.uk", "com") is refused: it would suppress unrelated organisations.
// Only kind and value are set. Errors are kInvalidArgument and quote the value.
Result<SuppressionEntry> ParseSuppressionValue(std::string_view raw);

// THE RULE. A contact is suppressed when an entry matches
//   1. its normalized email exactly (kEmail), or
//   2. the domain of its email (kDomain equal to ContactData::email_domain), or
//   3. the registrable domain of its email (kDomain equal to registrable_domain), so
//      suppressing "acme.co.uk" also covers "jo@sales.acme.co.uk".
// Nothing else: a domain entry "sales.acme.com" covers "x@sales.acme.com" but neither
// "x@eu.sales.acme.com" nor "x@acme.com". Contacts without an email never match. When
// several entries match, an email entry is reported before domain entries, and among
// domain entries the one with the lowest id (as the storage query orders them).
//
// The set holds the entries that apply to one workspace - its own and the global ones -
// as SuppressionStore::Snapshot loads them; it does not look at entry.workspace. Built
// once, then read-only: concurrent Match calls are safe, Add is not.
class SuppressionSet {
 public:
  // Adds an entry; its value must already be normalized (ParseSuppressionValue, or from
  // the store). For a value already present the entry with the lower id is kept.
  void Add(SuppressionEntry entry);

  // The entry that suppresses the contact, or nullptr. The pointer stays valid until the
  // next Add.
  const SuppressionEntry* Match(const ContactData& contact) const;
  const SuppressionEntry* Match(std::string_view email_normalized, std::string_view domain_ascii,
                                std::string_view registrable_domain) const;

  size_t size() const { return emails_.size() + domains_.size(); }
  bool empty() const { return size() == 0; }

 private:
  absl::flat_hash_map<std::string, SuppressionEntry> emails_;
  absl::flat_hash_map<std::string, SuppressionEntry> domains_;
};

}  // namespace cadent
