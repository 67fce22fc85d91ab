// A Channel made of channels. A message with a `transport` goes to the channel of that
// name() ("smtp", "sendgrid", "outbox", ...) and is refused when there is none; one without
// goes to the first channel whose capabilities list its kind (email, sms, webhook, ...). `cadent
// run` and `serve` route webhooks to the webhook channel and email to each sender account's
// transport.
#pragma once

#include <memory>
#include <vector>

#include "channels/channel.hpp"

namespace cadent::channels {

class Router final : public Channel {
 public:
  explicit Router(std::vector<std::unique_ptr<Channel>> channels);

  std::string_view name() const override { return "router"; }
  // The union of the channels' kinds; idempotency keys and reconcile only when all have them.
  Capabilities capabilities() const override;
  // kInvalidArgument when the message names a transport no channel has, or has none and no
  // channel carries its kind.
  Result<SendResult> Send(const OutgoingMessage& message) override;
  // Each channel gets its share of the batch as one SendBatch; results in the batch's order.
  std::vector<Result<SendResult>> SendBatch(std::span<const OutgoingMessage* const> batch) override;
  Result<ReconcileResult> Reconcile(const OutgoingMessage& message) override;
  // Flushes every channel; the first error is returned after all were asked.
  Status Flush() override;

 private:
  Channel* For(templating::Channel kind) const;
  Result<Channel*> Route(const OutgoingMessage& message) const;
  std::vector<std::unique_ptr<Channel>> channels_;
  // The channel of each kind, fixed at construction (capabilities() builds a vector: not
  // something to call per message).
  std::vector<std::pair<templating::Channel, Channel*>> routes_;
};

}  // namespace cadent::channels
