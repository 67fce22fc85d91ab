// What the dispatcher does after a channel answers: one table over the channels' outcome
// codes (retry.cpp, tested row by row), and the backoff for retries.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/common/clock.hpp"
#include "core/common/ids.hpp"

namespace cadent::sequence {

// How a channel reports the fate of one send. Every adapter maps its provider's answers onto
// these (SMTP 4xx -> kTransient, 5.1.x -> kHardBounce, 5.7.x -> kBlocked, HTTP 429 ->
// kRateLimited, 5xx -> kTransient, 4xx -> kRejected, ...).
enum class SendCode : uint8_t {
  kAccepted,      // the provider took it
  kTransient,     // connection failure, timeout, 4xx SMTP, HTTP 5xx: try again later
  kRateLimited,   // the provider says slow down (HTTP 429, SMTP 421/451 rate): honour Retry-After
  kRejected,      // the provider refuses this message for good (bad request, too large)
  kHardBounce,    // the recipient does not exist (SMTP 5.1.x): suppress the address
  kBlocked,       // a policy block against the sender (SMTP 5.7.x): flag the sender
  kUnauthorized,  // the sender's credentials are refused: flag the sender, retry later
};
inline constexpr size_t kSendCodeCount = 7;
std::string_view ToString(SendCode code);  // "accepted", "transient", "rate_limited", ...
std::optional<SendCode> ParseSendCode(std::string_view text);

enum class RetryAction : uint8_t {
  kDone,             // accepted: record sent, go to the next step
  kRetry,            // back to planned, due at RetryDecision::at
  kFail,             // failed; the step's failure policy applies
  kFailSuppress,     // failed, and the recipient's address is suppressed (hard bounce)
  kRetryFlagSender,  // retry later and flag the sender account for the user
  kFailFlagSender,   // failed, and the sender account is flagged (policy block)
};
std::string_view ToString(RetryAction action);

struct RetryPolicy {
  int max_attempts = 6;  // attempts in all; the last transient failure fails the message
  std::chrono::seconds base{60};
  std::chrono::seconds cap{std::chrono::hours(6)};
};

struct RetryDecision {
  RetryAction action = RetryAction::kDone;
  Instant at;  // for the retry actions: when the message is due again
};

// The row of the table for `code` after attempt number `attempts` (1 = the first attempt)
// failed or succeeded at `now`. Retries back off exponentially (base * 2^(attempts-1),
// capped) with full jitter in [delay/2, delay], deterministic in (message, attempts); a
// Retry-After from the provider is a floor. Out of attempts, a retry becomes kFail.
RetryDecision DecideRetry(SendCode code, int attempts, Instant now,
                          std::optional<Duration> retry_after, MessageId message,
                          const RetryPolicy& policy = {});

}  // namespace cadent::sequence
