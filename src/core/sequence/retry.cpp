// The retry table over the channels' send codes, and the deterministic backoff.
#include "core/sequence/retry.hpp"

#include <algorithm>
#include <array>

namespace cadent::sequence {
namespace {

constexpr std::array<std::string_view, kSendCodeCount> kSendCodeNames = {
    "accepted", "transient", "rate_limited", "rejected", "hard_bounce", "blocked", "unauthorized"};
static_assert(static_cast<size_t>(SendCode::kUnauthorized) + 1 == kSendCodeCount);

constexpr std::array<std::string_view, 6> kRetryActionNames = {
    "done", "retry", "fail", "fail_suppress", "retry_flag_sender", "fail_flag_sender"};
static_assert(static_cast<size_t>(RetryAction::kFailFlagSender) + 1 == kRetryActionNames.size());

// The table, indexed by SendCode (docs/STATE_MACHINES.md shows it).
constexpr std::array<RetryAction, kSendCodeCount> kActions = {
    RetryAction::kDone,             // accepted
    RetryAction::kRetry,            // transient
    RetryAction::kRetry,            // rate_limited (Retry-After is a floor for the delay)
    RetryAction::kFail,             // rejected
    RetryAction::kFailSuppress,     // hard_bounce
    RetryAction::kFailFlagSender,   // blocked
    RetryAction::kRetryFlagSender,  // unauthorized
};

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// base * 2^(attempts-1), capped; doubles step by step so a large attempt count cannot
// overflow.
Duration Backoff(int attempts, const RetryPolicy& policy) {
  const Duration cap = std::max(Duration::zero(), Duration(policy.cap));
  Duration delay = std::max(Duration::zero(), Duration(policy.base));
  for (int i = 1; i < attempts && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

// Uniform in [delay/2, delay], the same for the same (message, attempts): a dispatcher
// that decides twice (a crash between deciding and writing) lands on the same time, while
// messages failing together spread out instead of retrying in a herd.
Duration Jitter(Duration delay, MessageId message, int attempts) {
  const int64_t high = delay.count();
  const int64_t low = high / 2;
  const uint64_t span = static_cast<uint64_t>(high - low) + 1;
  const uint64_t hash = SplitMix64(SplitMix64(static_cast<uint64_t>(message.value())) ^
                                   static_cast<uint64_t>(attempts));
  return Duration(low + static_cast<int64_t>(hash % span));
}

}  // namespace

std::string_view ToString(SendCode code) {
  const auto index = static_cast<size_t>(code);
  return index < kSendCodeNames.size() ? kSendCodeNames[index] : std::string_view("invalid");
}

std::optional<SendCode> ParseSendCode(std::string_view text) {
  for (size_t i = 0; i < kSendCodeNames.size(); ++i) {
    if (kSendCodeNames[i] == text) return static_cast<SendCode>(i);
  }
  return std::nullopt;
}

std::string_view ToString(RetryAction action) {
  const auto index = static_cast<size_t>(action);
  return index < kRetryActionNames.size() ? kRetryActionNames[index] : std::string_view("invalid");
}

RetryDecision DecideRetry(SendCode code, int attempts, Instant now,
                          std::optional<Duration> retry_after, MessageId message,
                          const RetryPolicy& policy) {
  const auto index = static_cast<size_t>(code);
  // A code outside the enum is a bug in an adapter; failing the message is the safe answer
  // (a retry could repeat a send forever).
  RetryDecision decision{index < kActions.size() ? kActions[index] : RetryAction::kFail, now};
  if (decision.action != RetryAction::kRetry && decision.action != RetryAction::kRetryFlagSender) {
    return decision;
  }
  if (attempts >= policy.max_attempts) {
    decision.action =
        decision.action == RetryAction::kRetry ? RetryAction::kFail : RetryAction::kFailFlagSender;
    return decision;
  }
  Duration delay = Jitter(Backoff(std::max(attempts, 1), policy), message, attempts);
  if (retry_after.has_value()) delay = std::max(delay, *retry_after);
  decision.at = now + delay;
  return decision;
}

}  // namespace cadent::sequence
