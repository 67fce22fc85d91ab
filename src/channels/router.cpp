#include "channels/router.hpp"

#include <algorithm>

#include "core/common/strings.hpp"

namespace cadent::channels {

Router::Router(std::vector<std::unique_ptr<Channel>> channels) : channels_(std::move(channels)) {
  for (const auto& channel : channels_) {
    for (const templating::Channel kind : channel->capabilities().channels) {
      if (For(kind) == nullptr) routes_.emplace_back(kind, channel.get());
    }
  }
}

Capabilities Router::capabilities() const {
  Capabilities all;
  all.idempotency_keys = !channels_.empty();
  all.reconcile = !channels_.empty();
  for (const auto& channel : channels_) {
    const Capabilities c = channel->capabilities();
    for (const templating::Channel kind : c.channels) {
      if (std::find(all.channels.begin(), all.channels.end(), kind) == all.channels.end()) {
        all.channels.push_back(kind);
      }
    }
    all.idempotency_keys = all.idempotency_keys && c.idempotency_keys;
    all.reconcile = all.reconcile && c.reconcile;
  }
  return all;
}

Channel* Router::For(templating::Channel kind) const {
  for (const auto& [routed, channel] : routes_) {
    if (routed == kind) return channel;
  }
  return nullptr;
}

Result<SendResult> Router::Send(const OutgoingMessage& message) {
  Channel* channel = For(message.channel);
  if (channel == nullptr) {
    return absl::InvalidArgumentError(
        StrCat("no channel carries ", templating::ToString(message.channel), " messages"));
  }
  return channel->Send(message);
}

Result<ReconcileResult> Router::Reconcile(const OutgoingMessage& message) {
  Channel* channel = For(message.channel);
  if (channel == nullptr) return ReconcileResult{};
  return channel->Reconcile(message);
}

Status Router::Flush() {
  Status first = absl::OkStatus();
  for (const auto& channel : channels_) {
    Status flushed = channel->Flush();
    if (first.ok() && !flushed.ok()) first = std::move(flushed);
  }
  return first;
}

}  // namespace cadent::channels
