#include "core/sequence/retry.hpp"

#include <fstream>
#include <set>
#include <string>

#include "absl/strings/str_split.h"
#include "core/common/strings.hpp"
#include "gtest/gtest.h"

namespace cadent::sequence {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const Instant kNow = FromUnixMicros(1'780'000'000'000'000);

TEST(RetryTable, EveryRowOfTheFile) {
  std::ifstream in(CADENT_SOURCE_DIR "/src/core/sequence/testdata/retry.tsv");
  ASSERT_TRUE(in.good()) << "cannot read testdata/retry.tsv";
  const RetryPolicy policy;
  std::set<SendCode> at_first, at_max;
  std::string line;
  int number = 0, rows = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    SCOPED_TRACE(StrCat("retry.tsv line ", number, ": ", line));
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    ASSERT_EQ(f.size(), 3u);
    const std::optional<SendCode> code = ParseSendCode(f[0]);
    ASSERT_TRUE(code.has_value()) << "unknown code";
    const int attempts = std::stoi(f[1]);
    const RetryDecision decision =
        DecideRetry(*code, attempts, kNow, std::nullopt, MessageId(number), policy);
    EXPECT_EQ(ToString(decision.action), f[2]);
    if (attempts == 1) at_first.insert(*code);
    if (attempts == policy.max_attempts) at_max.insert(*code);
    ++rows;
  }
  EXPECT_GE(rows, 14);
  EXPECT_EQ(at_first.size(), kSendCodeCount) << "every code at attempt 1";
  EXPECT_EQ(at_max.size(), kSendCodeCount) << "every code at max_attempts";
}

TEST(RetryTable, NamesRoundTrip) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < kSendCodeCount; ++i) {
    const auto code = static_cast<SendCode>(i);
    EXPECT_TRUE(names.insert(ToString(code)).second);
    EXPECT_EQ(ParseSendCode(ToString(code)), code);
  }
  EXPECT_EQ(ToString(SendCode::kRateLimited), "rate_limited");
  EXPECT_EQ(ToString(SendCode::kHardBounce), "hard_bounce");
  EXPECT_FALSE(ParseSendCode("Accepted").has_value());
  EXPECT_EQ(ToString(RetryAction::kFailSuppress), "fail_suppress");
  EXPECT_EQ(ToString(RetryAction::kRetryFlagSender), "retry_flag_sender");
}

// The delay of a retry after `attempts`, under `policy`.
Duration DelayAfter(int attempts, int64_t message, const RetryPolicy& policy = {},
                    std::optional<Duration> retry_after = std::nullopt) {
  const RetryDecision decision =
      DecideRetry(SendCode::kTransient, attempts, kNow, retry_after, MessageId(message), policy);
  EXPECT_EQ(decision.action, RetryAction::kRetry);
  return decision.at - kNow;
}

TEST(Backoff, DoublesWithinJitterBounds) {
  RetryPolicy policy;
  policy.max_attempts = 20;
  policy.base = seconds(60);
  policy.cap = hours(6);
  for (int attempts = 1; attempts <= 5; ++attempts) {
    const Duration full = seconds(60) * (int64_t{1} << (attempts - 1));
    for (int64_t message = 1; message <= 200; ++message) {
      const Duration delay = DelayAfter(attempts, message, policy);
      EXPECT_GE(delay, full / 2) << "attempts " << attempts << " message " << message;
      EXPECT_LE(delay, full) << "attempts " << attempts << " message " << message;
    }
  }
}

TEST(Backoff, JitterSpreadsMessagesOut) {
  std::set<int64_t> delays;
  Duration low = hours(1), high{0};
  for (int64_t message = 1; message <= 1000; ++message) {
    const Duration delay = DelayAfter(3, message);  // full delay 240 s
    delays.insert(delay.count());
    low = std::min(low, delay);
    high = std::max(high, delay);
  }
  EXPECT_GT(delays.size(), 900u);
  // Uniform over [120 s, 240 s]: 1000 draws come near both ends.
  EXPECT_LT(low, seconds(125));
  EXPECT_GT(high, seconds(235));
}

TEST(Backoff, Cap) {
  RetryPolicy policy;
  policy.max_attempts = 100;
  policy.base = seconds(60);
  policy.cap = minutes(10);
  for (int attempts : {5, 10, 40, 64, 99}) {  // 64 and more would overflow a plain shift
    for (int64_t message = 1; message <= 50; ++message) {
      const Duration delay = DelayAfter(attempts, message, policy);
      EXPECT_LE(delay, minutes(10)) << attempts;
      EXPECT_GE(delay, minutes(5)) << attempts;
    }
  }
}

TEST(Backoff, RetryAfterIsAFloor) {
  const RetryPolicy policy;
  // A long Retry-After wins over the 60 s backoff of the first attempt...
  RetryDecision decision =
      DecideRetry(SendCode::kRateLimited, 1, kNow, hours(2), MessageId(7), policy);
  EXPECT_EQ(decision.action, RetryAction::kRetry);
  EXPECT_EQ(decision.at, kNow + hours(2));
  // ...even beyond the cap.
  decision = DecideRetry(SendCode::kRateLimited, 1, kNow, hours(9), MessageId(7), policy);
  EXPECT_EQ(decision.at, kNow + hours(9));
  // A short one does not shorten the backoff.
  const Duration plain = DelayAfter(4, 7);
  decision = DecideRetry(SendCode::kTransient, 4, kNow, seconds(1), MessageId(7), policy);
  EXPECT_EQ(decision.at - kNow, plain);
  // It applies to the flag-sender retry too.
  decision = DecideRetry(SendCode::kUnauthorized, 1, kNow, hours(3), MessageId(7), policy);
  EXPECT_EQ(decision.action, RetryAction::kRetryFlagSender);
  EXPECT_EQ(decision.at, kNow + hours(3));
}

TEST(Backoff, DeterministicInMessageAndAttempts) {
  const Duration first = DelayAfter(3, 42);
  EXPECT_EQ(DelayAfter(3, 42), first);
  // Another message draws again (these two happen to differ).
  EXPECT_NE(DelayAfter(3, 43), first);
  // So does another attempt of the same message: where in [delay/2, delay] it lands
  // changes with the attempt count.
  RetryPolicy policy;
  policy.max_attempts = 20;
  std::set<int64_t> offsets_per_mille;
  for (int attempts = 1; attempts <= 8; ++attempts) {
    const Duration full = seconds(60) * (int64_t{1} << (attempts - 1));
    const Duration delay = DelayAfter(attempts, 42, policy);
    offsets_per_mille.insert((delay - full / 2) * 1000 / (full / 2));
  }
  EXPECT_GT(offsets_per_mille.size(), 4u);
}

TEST(Backoff, OutOfAttemptsFailsWithoutADelay) {
  RetryPolicy policy;
  policy.max_attempts = 3;
  EXPECT_EQ(DecideRetry(SendCode::kTransient, 2, kNow, std::nullopt, MessageId(1), policy).action,
            RetryAction::kRetry);
  const RetryDecision out =
      DecideRetry(SendCode::kTransient, 3, kNow, std::nullopt, MessageId(1), policy);
  EXPECT_EQ(out.action, RetryAction::kFail);
  EXPECT_EQ(out.at, kNow);
  EXPECT_EQ(
      DecideRetry(SendCode::kUnauthorized, 3, kNow, std::nullopt, MessageId(1), policy).action,
      RetryAction::kFailFlagSender);
}

}  // namespace
}  // namespace cadent::sequence
