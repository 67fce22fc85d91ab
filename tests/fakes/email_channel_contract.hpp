// One contract suite for the HTTP email adapters, run against each provider's fake: status
// classes, Retry-After, faults (timeouts, refused and closed connections), credentials,
// lookup errors, batches and connection reuse. The TEST_Ps live in
// src/channels/email/http_email_channel_test.cpp; each <provider>_channel_test.cpp
// instantiates the suite with its ProviderCase.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "channels/channel.hpp"
#include "channels/email/http_email_channel.hpp"
#include "channels/email/transport.hpp"
#include "fakes/fake_provider.hpp"

namespace cadent::channels {

struct ProviderCase {
  std::string name;                                            // the channel's name()
  std::function<std::unique_ptr<fakes::FakeProvider>()> fake;  // not started
  std::function<std::unique_ptr<Channel>(HttpEmailOptions)> channel;
  // The transport with the fake's valid credentials and the given endpoint.
  std::function<EmailTransport(std::string endpoint)> transport;
  // Makes the transport's credentials wrong.
  std::function<void(EmailTransport&)> spoil;
};

inline std::string PrintToString(const ProviderCase& c) { return c.name; }

// The clock's time: Wed, 18 Nov 2026 11:06:40 GMT.
inline constexpr int64_t kContractUnixSeconds = 1'795'000'000;

// An email with non-ASCII names and subject and the headers the dispatcher adds.
OutgoingMessage ContractMessage(int64_t id);

class EmailChannelContract : public ::testing::TestWithParam<ProviderCase> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // A channel whose sender 1 of workspace 1 uses `transport` (others: kNotFound).
  std::unique_ptr<Channel> MakeChannel(EmailTransport transport,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                       int parallel = 4);

  FakeClock clock_{FromUnixMicros(kContractUnixSeconds * 1'000'000)};
  std::unique_ptr<fakes::FakeProvider> fake_;
};

}  // namespace cadent::channels
