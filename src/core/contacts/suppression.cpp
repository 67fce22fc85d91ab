#include "core/contacts/suppression.hpp"

#include "absl/strings/str_cat.h"
#include "core/common/strings.hpp"
#include "core/contacts/normalize.hpp"

namespace cadent {
namespace {

bool ConsumePrefix(std::string_view* s, std::string_view prefix) {
  if (!s->starts_with(prefix)) return false;
  s->remove_prefix(prefix.size());
  return true;
}

// Lower id first; entries not stored yet (id 0) lose to stored ones, then keep the first.
bool Precedes(const SuppressionEntry& a, const SuppressionEntry& b) {
  if (a.id.valid() != b.id.valid()) return a.id.valid();
  return a.id < b.id;
}

void Keep(absl::flat_hash_map<std::string, SuppressionEntry>* map, SuppressionEntry entry) {
  auto [it, inserted] = map->try_emplace(entry.value, entry);
  if (!inserted && Precedes(entry, it->second)) it->second = std::move(entry);
}

}  // namespace

Result<SuppressionEntry> ParseSuppressionValue(std::string_view raw) {
  const std::string_view s = TrimSpace(raw);
  if (s.empty()) return absl::InvalidArgumentError("suppression value is empty");
  SuppressionEntry entry;
  std::string_view domain = s;
  const bool domain_form = ConsumePrefix(&domain, "*@") || ConsumePrefix(&domain, "@") ||
                           s.find('@') == std::string_view::npos;
  if (!domain_form) {
    ASSIGN_OR_RETURN(NormalizedEmail email, NormalizeEmail(s));
    entry.kind = SuppressionKind::kEmail;
    entry.value = std::move(email.normalized);
    return entry;
  }
  if (domain.starts_with("*.")) {
    return absl::InvalidArgumentError(StrCat(
        "suppression value ", QuoteForError(s), " uses a wildcard; give the domain (",
        QuoteForError(domain.substr(2)), ") - a registrable domain already covers its subdomains"));
  }
  ASSIGN_OR_RETURN(NormalizedDomain normalized, NormalizeDomain(domain));
  if (normalized.is_public_suffix) {
    return absl::InvalidArgumentError(StrCat(
        "suppression value ", QuoteForError(s), " is a public suffix (like 'co.uk' or 'com'), ",
        "shared by unrelated organisations; give an organisation's domain"));
  }
  entry.kind = SuppressionKind::kDomain;
  entry.value = std::move(normalized.ascii);
  return entry;
}

void SuppressionSet::Add(SuppressionEntry entry) {
  Keep(entry.kind == SuppressionKind::kEmail ? &emails_ : &domains_, std::move(entry));
}

const SuppressionEntry* SuppressionSet::Match(const ContactData& contact) const {
  return Match(contact.email_normalized, contact.email_domain, contact.registrable_domain);
}

const SuppressionEntry* SuppressionSet::Match(std::string_view email_normalized,
                                              std::string_view domain_ascii,
                                              std::string_view registrable_domain) const {
  if (email_normalized.empty()) return nullptr;
  if (const auto it = emails_.find(ToAbsl(email_normalized)); it != emails_.end())
    return &it->second;
  const SuppressionEntry* best = nullptr;
  for (std::string_view domain : {domain_ascii, registrable_domain}) {
    if (domain.empty()) continue;
    const auto it = domains_.find(ToAbsl(domain));
    if (it != domains_.end() && (best == nullptr || Precedes(it->second, *best))) {
      best = &it->second;
    }
  }
  return best;
}

}  // namespace cadent
