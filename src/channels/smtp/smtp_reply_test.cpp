// SMTP replies and the refusal table, row by row.
#include "channels/smtp/smtp_reply.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cadent::channels {
namespace {

using sequence::SendCode;

TEST(SmtpReplyTest, ReadsCodeEnhancedCodeAndText) {
  const auto reply = ParseSmtpReply("550 5.1.1 <ana@example.org>: Recipient address rejected\r\n");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->code, 550);
  EXPECT_EQ(reply->enhanced(), "5.1.1");
  EXPECT_EQ(reply->text, "550 5.1.1 <ana@example.org>: Recipient address rejected");
}

TEST(SmtpReplyTest, JoinsAMultiLineReplyAndTakesTheCodeOfItsFirstLine) {
  const auto reply = ParseSmtpReply(
      "421-4.7.28 Our system has detected an unusual rate of\r\n"
      "421-4.7.28 unsolicited mail originating from your IP address.\r\n"
      "421 4.7.28 Please visit the help center.\r\n");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->code, 421);
  EXPECT_EQ(reply->enhanced(), "4.7.28");
  EXPECT_EQ(reply->text,
            "421-4.7.28 Our system has detected an unusual rate of | 421-4.7.28 unsolicited mail "
            "originating from your IP address. | 421 4.7.28 Please visit the help center.");
}

TEST(SmtpReplyTest, AnEnhancedCodeOfAnotherClassThanTheReplyIsIgnored) {
  const auto reply = ParseSmtpReply("550 4.1.1 confused server");
  ASSERT_TRUE(reply.has_value());
  EXPECT_FALSE(reply->has_enhanced());
  EXPECT_EQ(SendCodeForSmtpReply(*reply), SendCode::kRejected);
}

TEST(SmtpReplyTest, GarbageIsNoReply) {
  for (const char* text : {"", "\r\n", "hello", "55 short", "999 out of range", "099 low",
                           "abc 5.1.1 letters", "\x01\x02\x03"}) {
    EXPECT_FALSE(ParseSmtpReply(text).has_value()) << text;
  }
}

TEST(SmtpReplyTest, MalformedEnhancedCodesAreNotRead) {
  for (const char* text : {"550 5.1 missing detail", "550 5..1 empty subject", "550 5.1.1x glued",
                           "550 5.1234.1 long subject", "550 x.1.1 letter"}) {
    const auto reply = ParseSmtpReply(text);
    ASSERT_TRUE(reply.has_value()) << text;
    EXPECT_FALSE(reply->has_enhanced()) << text;
  }
}

TEST(SmtpReplyTest, TextIsBounded) {
  const auto reply = ParseSmtpReply("550 5.7.1 " + std::string(10'000, 'x'));
  ASSERT_TRUE(reply.has_value());
  EXPECT_LE(reply->text.size(), 512u);
}

struct Row {
  const char* reply;
  SendCode code;
};

TEST(SmtpReplyTest, RefusalTable) {
  const Row rows[] = {
      {"250 2.0.0 Ok", SendCode::kTransient},  // not a refusal: no outcome from a reply alone
      {"354 go ahead", SendCode::kTransient},
      {"421 4.7.0 Try again later, closing connection", SendCode::kRateLimited},
      {"421 Service not available", SendCode::kRateLimited},
      {"451 4.7.1 Greylisted, please try again", SendCode::kRateLimited},
      {"450 4.2.1 Mailbox busy", SendCode::kTransient},
      {"451 4.3.0 Temporary lookup failure", SendCode::kTransient},
      {"452 4.5.3 Too many recipients", SendCode::kTransient},
      {"454 4.7.8 temporary authentication failure", SendCode::kTransient},
      {"530 5.7.0 Authentication required", SendCode::kUnauthorized},
      {"535 5.7.8 Username and Password not accepted", SendCode::kUnauthorized},
      {"534 5.7.9 Please log in with your web browser", SendCode::kUnauthorized},
      {"538 5.7.11 Encryption required", SendCode::kUnauthorized},
      {"550 5.7.13 User account disabled", SendCode::kUnauthorized},
      {"550 5.1.1 The email account that you tried to reach does not exist", SendCode::kHardBounce},
      {"550 5.1.2 Bad destination system address", SendCode::kHardBounce},
      {"556 5.1.10 Recipient address has null MX", SendCode::kHardBounce},
      {"553 5.1.7 Bad sender's mailbox address syntax", SendCode::kBlocked},
      {"550 5.1.8 Bad sender's system address", SendCode::kBlocked},
      {"550 5.7.1 Message rejected as spam", SendCode::kBlocked},
      {"550 5.7.26 Unauthenticated email from example.com is not accepted (DMARC)",
       SendCode::kBlocked},
      {"552 5.2.2 Mailbox full", SendCode::kRejected},
      {"552 5.3.4 Message size exceeds fixed limit", SendCode::kRejected},
      {"554 5.6.0 Message content rejected", SendCode::kRejected},
      {"500 5.5.2 Syntax error", SendCode::kRejected},
      {"550 User unknown", SendCode::kRejected},  // no enhanced code: not enough to suppress
      {"554 Transaction failed", SendCode::kRejected},
  };
  for (const Row& row : rows) {
    const auto reply = ParseSmtpReply(row.reply);
    ASSERT_TRUE(reply.has_value()) << row.reply;
    EXPECT_EQ(sequence::ToString(SendCodeForSmtpReply(*reply)), sequence::ToString(row.code))
        << row.reply;
  }
}

}  // namespace
}  // namespace cadent::channels
