#include "core/contacts/contact.hpp"

#include "absl/strings/str_cat.h"

namespace cadent {

std::string_view ToString(ContactStatus status) {
  switch (status) {
    case ContactStatus::kActive:
      return "active";
    case ContactStatus::kUnsubscribed:
      return "unsubscribed";
    case ContactStatus::kBounced:
      return "bounced";
    case ContactStatus::kComplained:
      return "complained";
  }
  return "active";
}

std::optional<ContactStatus> ParseContactStatus(std::string_view text) {
  for (ContactStatus s : {ContactStatus::kActive, ContactStatus::kUnsubscribed,
                          ContactStatus::kBounced, ContactStatus::kComplained}) {
    if (text == ToString(s)) return s;
  }
  return std::nullopt;
}

std::string ContactData::DedupeKey() const {
  if (!email_normalized.empty()) return email_normalized;
  if (!linkedin_url.empty()) return absl::StrCat("linkedin:", linkedin_url);
  if (!phone.empty()) return absl::StrCat("phone:", phone);
  return "";
}

}  // namespace cadent
