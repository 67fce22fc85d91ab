// Typed ids: a ContactId cannot be passed where a ListId is expected.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>

namespace cadent {

template <typename Tag>
class Id {
 public:
  constexpr Id() = default;
  constexpr explicit Id(int64_t value) : value_(value) {}

  constexpr int64_t value() const { return value_; }
  constexpr bool valid() const { return value_ > 0; }

  friend constexpr auto operator<=>(Id, Id) = default;
  friend std::ostream& operator<<(std::ostream& out, Id id) { return out << id.value_; }
  template <typename H>
  friend H AbslHashValue(H state, Id id) {
    return H::combine(std::move(state), id.value_);
  }

 private:
  int64_t value_ = 0;
};

using WorkspaceId = Id<struct WorkspaceTag>;
using ContactId = Id<struct ContactTag>;
using ListId = Id<struct ListTag>;
using ImportId = Id<struct ImportTag>;
using SuppressionId = Id<struct SuppressionTag>;
using TemplateId = Id<struct TemplateTag>;
// Sender accounts (a mailbox, a LinkedIn account, a phone number).
using SenderId = Id<struct SenderTag>;
using CampaignId = Id<struct CampaignTag>;
// One contact's journey through one campaign.
using EnrollmentId = Id<struct EnrollmentTag>;
// One step's message to one contact; also the idempotency key handed to providers.
using MessageId = Id<struct MessageTag>;
using EventId = Id<struct EventTag>;

// The workspace created on init; single-tenant installations use only this one.
inline constexpr WorkspaceId kDefaultWorkspace{1};

}  // namespace cadent

template <typename Tag>
struct std::hash<cadent::Id<Tag>> {
  size_t operator()(cadent::Id<Tag> id) const { return std::hash<int64_t>{}(id.value()); }
};
