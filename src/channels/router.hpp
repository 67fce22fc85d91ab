// A Channel made of channels: each message goes to the first one whose capabilities list
// its kind (email, sms, webhook, ...). `cadent run` and `serve` route webhooks to the
// webhook channel and everything else to the outbox (later, to each sender's provider).
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
  // kInvalidArgument when no channel carries the message's kind.
  Result<SendResult> Send(const OutgoingMessage& message) override;
  Result<ReconcileResult> Reconcile(const OutgoingMessage& message) override;
  // Flushes every channel; the first error is returned after all were asked.
  Status Flush() override;

 private:
  Channel* For(templating::Channel kind) const;
  std::vector<std::unique_ptr<Channel>> channels_;
  // The channel of each kind, fixed at construction (capabilities() builds a vector: not
  // something to call per message).
  std::vector<std::pair<templating::Channel, Channel*>> routes_;
};

}  // namespace cadent::channels
