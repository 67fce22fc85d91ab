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

Result<Channel*> Router::Route(const OutgoingMessage& message) const {
  if (!message.transport.empty()) {
    for (const auto& candidate : channels_) {
      if (candidate->name() == message.transport) return candidate.get();
    }
    // Never another channel instead: mail meant for a provider must not land in the outbox.
    return absl::InvalidArgumentError(
        StrCat("transport '", message.transport, "' is not available in this process"));
  }
  Channel* channel = For(message.channel);
  if (channel == nullptr) {
    return absl::InvalidArgumentError(
        StrCat("no channel carries ", templating::ToString(message.channel), " messages"));
  }
  return channel;
}

Result<SendResult> Router::Send(const OutgoingMessage& message) {
  ASSIGN_OR_RETURN(Channel * channel, Route(message));
  return channel->Send(message);
}

std::vector<Result<SendResult>> Router::SendBatch(std::span<const OutgoingMessage* const> batch) {
  std::vector<Result<SendResult>> results(batch.size(), Result<SendResult>(SendResult{}));
  // Channels in order of first appearance, each with the positions of its messages.
  std::vector<std::pair<Channel*, std::vector<size_t>>> groups;
  for (size_t i = 0; i < batch.size(); ++i) {
    Result<Channel*> channel = Route(*batch[i]);
    if (!channel.ok()) {
      results[i] = channel.status();
      continue;
    }
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&](const auto& g) { return g.first == *channel; });
    if (group == groups.end()) group = groups.insert(groups.end(), {*channel, {}});
    group->second.push_back(i);
  }
  for (auto& [channel, positions] : groups) {
    std::vector<const OutgoingMessage*> share;
    share.reserve(positions.size());
    for (const size_t i : positions) share.push_back(batch[i]);
    std::vector<Result<SendResult>> sent = channel->SendBatch(share);
    for (size_t k = 0; k < positions.size(); ++k) {
      results[positions[k]] = k < sent.size()
                                  ? std::move(sent[k])
                                  : Result<SendResult>(absl::InternalError(StrCat(
                                        channel->name(), " returned too few batch results")));
    }
  }
  return results;
}

Result<ReconcileResult> Router::Reconcile(const OutgoingMessage& message) {
  Result<Channel*> channel = Route(message);
  if (!channel.ok()) return ReconcileResult{};
  return (*channel)->Reconcile(message);
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
