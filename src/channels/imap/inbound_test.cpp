// The inbound classifier over crafted messages: replies, auto-replies from the common
// responders, RFC 3464 reports as Postfix writes them, free-text bounces, and hostile input.
#include "channels/imap/inbound.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/common/strings.hpp"

namespace cadent::channels {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// LF-written fixtures become CRLF, as they arrive over IMAP.
std::string Crlf(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

InboundMessage Classify(std::string_view raw) {
  Result<InboundMessage> result = ClassifyInbound(raw);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : InboundMessage{};
}

TEST(ClassifyInboundTest, ReplyWithInReplyToAndReferences) {
  const InboundMessage m =
      Classify(Crlf("From: \"Zoë Example\" <Zoe@Example.COM>\n"
                    "To: Sales <sales@acme.example>\n"
                    "Subject: Re: Quick question\n"
                    "Message-ID: <CAF=abc@mail.example.com>\n"
                    "In-Reply-To: <4712.1@acme.example>\n"
                    "References: <4711.1@acme.example>\n <4712.1@acme.example>\n"
                    "Content-Type: text/plain; charset=utf-8\n"
                    "\n"
                    "Sounds good, let's talk.\n"
                    "> On Monday you wrote:\n"));
  EXPECT_EQ(m.kind, InboundKind::kReply);
  // In-Reply-To first, then References from the parent back; no duplicate.
  EXPECT_THAT(m.references, ElementsAre("4712.1@acme.example", "4711.1@acme.example"));
  EXPECT_EQ(m.from_address, "zoe@example.com");
  EXPECT_EQ(m.subject, "Re: Quick question");
  EXPECT_EQ(m.detail, "Re: Quick question");
  EXPECT_EQ(m.message_id, "CAF=abc@mail.example.com");
  EXPECT_EQ(m.recipient, "");
  EXPECT_EQ(m.status, "");
}

TEST(ClassifyInboundTest, ReplyWithOnlyReferences) {
  const InboundMessage m =
      Classify(Crlf("From: bob@example.org\n"
                    "Subject: AW: Angebot\n"
                    "Message-ID: <r2@example.org>\n"
                    "References: <root@elsewhere.example> <4711.2@acme.example>\n"
                    "\n"
                    "Danke!\n"));
  EXPECT_EQ(m.kind, InboundKind::kReply);
  EXPECT_THAT(m.references, ElementsAre("4711.2@acme.example", "root@elsewhere.example"));
  EXPECT_EQ(m.from_address, "bob@example.org");
}

TEST(ClassifyInboundTest, MessageWithoutReferencesIsUnrelatedButNamesItsSender) {
  const InboundMessage m =
      Classify(Crlf("From: New Person <NEW@example.net>\n"
                    "Subject: Hello\n"
                    "\n"
                    "Are you the right person for...\n"));
  EXPECT_EQ(m.kind, InboundKind::kUnrelated);
  EXPECT_THAT(m.references, IsEmpty());
  EXPECT_EQ(m.from_address, "new@example.net");
}

TEST(ClassifyInboundTest, NonAsciiSubjectIsDecoded) {
  const InboundMessage m =
      Classify(Crlf("From: a@example.com\n"
                    "Subject: =?UTF-8?B?UmU6IFRyZWZmZW4gYW0gRG9ubmVyc3RhZz8g8J+RjQ==?=\n"
                    "In-Reply-To: <9.1@acme.example>\n"
                    "\n"
                    "ja\n"));
  EXPECT_EQ(m.kind, InboundKind::kReply);
  EXPECT_EQ(m.subject, "Re: Treffen am Donnerstag? \xF0\x9F\x91\x8D");
}

TEST(ClassifyInboundTest, GmailVacationResponderIsAnAutoReply) {
  // Gmail's vacation responder: Auto-Submitted: auto-replied, threaded to the message.
  const InboundMessage m =
      Classify(Crlf("From: Zoe <zoe@gmail.example>\n"
                    "Subject: Re: Quick question\n"
                    "Message-ID: <CAvac@mail.gmail.example>\n"
                    "In-Reply-To: <4711.1@acme.example>\n"
                    "References: <4711.1@acme.example>\n"
                    "Auto-Submitted: auto-replied\n"
                    "Content-Type: text/plain; charset=UTF-8\n"
                    "\n"
                    "I am travelling until Monday.\n"));
  EXPECT_EQ(m.kind, InboundKind::kAutoReply);
  EXPECT_THAT(m.references, ElementsAre("4711.1@acme.example"));
  EXPECT_EQ(m.detail, "auto-reply: Auto-Submitted: auto-replied");
  EXPECT_EQ(m.from_address, "zoe@gmail.example");
}

TEST(ClassifyInboundTest, OutlookAutomaticReplyIsRecognisedByItsSubject) {
  // Exchange's out-of-office answer: no Auto-Submitted, but its subject prefix.
  // X-Auto-Response-Suppress alone would not make it one (see the next test).
  const InboundMessage m =
      Classify(Crlf("From: Max Mustermann <max@contoso.example>\n"
                    "To: sales@acme.example\n"
                    "Subject: Automatic reply: Quick question\n"
                    "Thread-Topic: Quick question\n"
                    "In-Reply-To: <4711.1@acme.example>\n"
                    "X-Auto-Response-Suppress: All\n"
                    "X-MS-Exchange-Inbox-Rules-Loop: max@contoso.example\n"
                    "Content-Type: text/plain\n"
                    "\n"
                    "I am out of the office until 3 March.\n"));
  EXPECT_EQ(m.kind, InboundKind::kAutoReply);
  EXPECT_THAT(m.detail, HasSubstr("Automatic reply: Quick question"));
  EXPECT_THAT(m.references, ElementsAre("4711.1@acme.example"));
}

TEST(ClassifyInboundTest, AutoResponseSuppressAloneIsAnOrdinaryReply) {
  const InboundMessage m =
      Classify(Crlf("From: max@contoso.example\n"
                    "Subject: RE: Quick question\n"
                    "In-Reply-To: <4711.1@acme.example>\n"
                    "X-Auto-Response-Suppress: All\n"
                    "\n"
                    "Yes, call me.\n"));
  EXPECT_EQ(m.kind, InboundKind::kReply);
}

TEST(ClassifyInboundTest, AutoReplySignalsTable) {
  struct Case {
    std::string headers;
    InboundKind kind;
  };
  const Case cases[] = {
      {"Auto-Submitted: auto-generated\n", InboundKind::kAutoReply},
      {"Auto-Submitted: auto-replied; owner-email=\"x@example.com\"\n", InboundKind::kAutoReply},
      {"Auto-Submitted: no\n", InboundKind::kReply},
      {"Auto-Submitted: No (human)\n", InboundKind::kReply},
      {"X-Autoreply: yes\n", InboundKind::kAutoReply},
      {"X-Autorespond: Vacation\n", InboundKind::kAutoReply},
      {"Precedence: auto_reply\n", InboundKind::kAutoReply},
      {"Precedence: bulk\n", InboundKind::kAutoReply},
      {"Precedence: junk\n", InboundKind::kAutoReply},
      {"Precedence: list\n", InboundKind::kReply},
      {"Subject: Out of Office: Quick question\n", InboundKind::kAutoReply},
      {"Subject: Abwesenheitsnotiz: Angebot\n", InboundKind::kAutoReply},
      {"Subject: AUTOMATISCHE ANTWORT: Angebot\n", InboundKind::kAutoReply},
      {"Subject: =?UTF-8?Q?R=C3=A9ponse_automatique_:_Offre?=\n", InboundKind::kAutoReply},
      {"Subject: [Autoreply] Quick question\n", InboundKind::kAutoReply},
      {"Subject: Re: Out of office next week?\n", InboundKind::kReply},
      {"Subject: Re: Quick question\n", InboundKind::kReply},
  };
  for (const Case& c : cases) {
    const InboundMessage m = Classify(Crlf(
        StrCat("From: x@example.com\nIn-Reply-To: <1.1@acme.example>\n", c.headers, "\nbody\n")));
    EXPECT_EQ(ToString(m.kind), ToString(c.kind)) << c.headers;
  }
}

// A Postfix bounce: multipart/report with the human part, the delivery-status and the
// returned message.
std::string PostfixBounce(std::string_view action, std::string_view status,
                          std::string_view diagnostic) {
  return Crlf(
      StrCat("Return-Path: <>\n"
             "From: MAILER-DAEMON@mx.acme.example (Mail Delivery System)\n"
             "Subject: Undelivered Mail Returned to Sender\n"
             "To: sales@acme.example\n"
             "Auto-Submitted: auto-replied\n"
             "MIME-Version: 1.0\n"
             "Content-Type: multipart/report; report-type=delivery-status;\n"
             "\tboundary=\"5D1E4A0.1700000000/mx.acme.example\"\n"
             "Message-Id: <20240101.5D1E4A0@mx.acme.example>\n"
             "\n"
             "This is a MIME-encapsulated message.\n"
             "\n"
             "--5D1E4A0.1700000000/mx.acme.example\n"
             "Content-Description: Notification\n"
             "Content-Type: text/plain; charset=us-ascii\n"
             "\n"
             "This is the mail system at host mx.acme.example.\n"
             "\n"
             "I'm sorry to have to inform you that your message could not\n"
             "be delivered to one or more recipients.\n"
             "\n"
             "--5D1E4A0.1700000000/mx.acme.example\n"
             "Content-Description: Delivery report\n"
             "Content-Type: message/delivery-status\n"
             "\n"
             "Reporting-MTA: dns; mx.acme.example\n"
             "X-Postfix-Queue-ID: 5D1E4A0\n"
             "X-Postfix-Sender: rfc822; sales@acme.example\n"
             "Arrival-Date: Mon,  1 Jan 2024 10:00:00 +0000 (UTC)\n"
             "\n"
             "Final-Recipient: rfc822; Nobody@Example.COM\n"
             "Original-Recipient: rfc822;nobody@example.com\n"
             "Action: ",
             action,
             "\n"
             "Status: ",
             status,
             "\n"
             "Remote-MTA: dns; mx.example.com\n"
             "Diagnostic-Code: smtp; ",
             diagnostic,
             "\n"
             "\n"
             "--5D1E4A0.1700000000/mx.acme.example\n"
             "Content-Description: Undelivered Message\n"
             "Content-Type: message/rfc822\n"
             "\n"
             "From: Sales <sales@acme.example>\n"
             "To: nobody@example.com\n"
             "Subject: Quick question\n"
             "Message-ID: <4711.1@acme.example>\n"
             "\n"
             "Hi there\n"
             "\n"
             "--5D1E4A0.1700000000/mx.acme.example--\n"));
}

TEST(ClassifyInboundTest, PostfixDsnFor511IsAHardBounce) {
  const InboundMessage m =
      Classify(PostfixBounce("failed", "5.1.1",
                             "550 5.1.1 <nobody@example.com>: Recipient address rejected:\n"
                             "    User unknown in virtual mailbox table"));
  EXPECT_EQ(m.kind, InboundKind::kHardBounce);
  EXPECT_EQ(m.recipient, "nobody@example.com");
  EXPECT_EQ(m.status, "5.1.1");
  EXPECT_EQ(m.detail,
            "smtp; 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in "
            "virtual mailbox table");
  EXPECT_THAT(m.references, ElementsAre("4711.1@acme.example"));
  EXPECT_EQ(m.from_address, "mailer-daemon@mx.acme.example");
  EXPECT_EQ(m.message_id, "20240101.5D1E4A0@mx.acme.example");
}

TEST(ClassifyInboundTest, DelayedDsnIsASoftBounce) {
  const InboundMessage m = Classify(PostfixBounce(
      "delayed", "4.4.1", "connect to mx.example.com[192.0.2.1]:25: Connection timed out"));
  EXPECT_EQ(m.kind, InboundKind::kSoftBounce);
  EXPECT_EQ(m.status, "4.4.1");
  EXPECT_EQ(m.recipient, "nobody@example.com");
  EXPECT_THAT(m.references, ElementsAre("4711.1@acme.example"));
}

TEST(ClassifyInboundTest, FailedWith4xxIsSoftAndMissingStatusComesFromTheDiagnostic) {
  EXPECT_EQ(Classify(PostfixBounce("failed", "4.2.2", "452 4.2.2 mailbox full")).kind,
            InboundKind::kSoftBounce);
  const InboundMessage m = Classify(PostfixBounce("failed", "bogus", "550 no such user"));
  EXPECT_EQ(m.kind, InboundKind::kHardBounce);
  EXPECT_EQ(m.status, "5.0.0");
  const InboundMessage unknown = Classify(PostfixBounce("failed", "", "something odd"));
  EXPECT_EQ(unknown.kind, InboundKind::kSoftBounce);
  EXPECT_EQ(unknown.status, "");
}

TEST(ClassifyInboundTest, SuccessReportIsUnrelated) {
  const InboundMessage m = Classify(PostfixBounce("delivered", "2.0.0", "250 2.0.0 Ok"));
  EXPECT_EQ(m.kind, InboundKind::kUnrelated);
}

TEST(ClassifyInboundTest, DsnWithRfc822HeadersAndSeveralRecipients) {
  // Only the headers come back; the first recipient was delivered, the second failed.
  const InboundMessage m = Classify(
      Crlf("From: Mail Delivery Subsystem <mailer-daemon@googlemail.example>\n"
           "Subject: Delivery Status Notification (Failure)\n"
           "Content-Type: multipart/report; report-type=\"delivery-status\"; boundary=\"b1\"\n"
           "\n"
           "--b1\n"
           "Content-Type: text/plain\n"
           "\n"
           "Address not found\n"
           "--b1\n"
           "Content-Type: message/delivery-status\n"
           "\n"
           "Reporting-MTA: dns; googlemail.example\n"
           "\n"
           "Final-Recipient: rfc822; ok@example.com\n"
           "Action: delivered\n"
           "Status: 2.0.0\n"
           "\n"
           "Final-Recipient: rfc822; <Gone@Example.com>\n"
           "Action: failed\n"
           "Status: 5.1.1 (bad destination mailbox address)\n"
           "Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does\n"
           " not exist.\n"
           "--b1\n"
           "Content-Type: text/rfc822-headers\n"
           "\n"
           "From: sales@acme.example\n"
           "To: gone@example.com\n"
           "Message-ID: <77.3@acme.example>\n"
           "Subject: Follow-up\n"
           "--b1--\n"));
  EXPECT_EQ(m.kind, InboundKind::kHardBounce);
  EXPECT_EQ(m.recipient, "gone@example.com");
  EXPECT_EQ(m.status, "5.1.1");
  EXPECT_THAT(m.detail, HasSubstr("does not exist."));
  EXPECT_THAT(m.references, ElementsAre("77.3@acme.example"));
}

TEST(ClassifyInboundTest, ReadReceiptIsAnAutoReply) {
  const InboundMessage m = Classify(
      Crlf("From: x@example.com\n"
           "In-Reply-To: <1.1@acme.example>\n"
           "Content-Type: multipart/report; report-type=disposition-notification; boundary=b\n"
           "\n"
           "--b\n"
           "Content-Type: text/plain\n"
           "\n"
           "Read.\n"
           "--b--\n"));
  EXPECT_EQ(m.kind, InboundKind::kAutoReply);
  EXPECT_EQ(m.detail, "auto-reply: report-type=disposition-notification");
}

TEST(ClassifyInboundTest, FreeTextBounceIsHardOnlyWithA5xxCode) {
  const std::string with_code = Crlf(
      "From: Mail Delivery System <Mailer-Daemon@mx.old.example>\n"
      "Subject: Mail delivery failed: returning message to sender\n"
      "X-Failed-Recipients: lost@example.com\n"
      "\n"
      "This message was created automatically by mail delivery software.\n"
      "\n"
      "  lost@example.com\n"
      "    host mx.example.com [192.0.2.7]\n"
      "    SMTP error from remote mail server after RCPT TO:<lost@example.com>:\n"
      "    550 5.1.1 User unknown (version 1.2.3 ignored)\n"
      "\n"
      "------ This is a copy of the message, including all the headers. ------\n"
      "Message-ID: <88.1@acme.example>\n"
      "Subject: Hello\n");
  const InboundMessage hard = Classify(with_code);
  EXPECT_EQ(hard.kind, InboundKind::kHardBounce);
  EXPECT_EQ(hard.status, "5.1.1");
  EXPECT_EQ(hard.recipient, "lost@example.com");
  EXPECT_EQ(hard.detail, "550 5.1.1 User unknown (version 1.2.3 ignored)");
  EXPECT_THAT(hard.references, ElementsAre("88.1@acme.example"));

  const InboundMessage soft =
      Classify(Crlf("From: postmaster@mx.old.example\n"
                    "Subject: Undeliverable\n"
                    "\n"
                    "Your message could not be delivered (version 1.2.3).\n"));
  EXPECT_EQ(soft.kind, InboundKind::kSoftBounce);
  EXPECT_EQ(soft.status, "");
  EXPECT_EQ(soft.detail, "non-standard bounce without a status code");
}

TEST(ClassifyInboundTest, GarbageAndEmptyInputDoNotCrash) {
  for (const std::string& input :
       {std::string(), std::string("\0\0\0\xff\xfe", 5), std::string("no colon at all"),
        std::string(":::::\n\n\n"), std::string("Content-Type: multipart/mixed\n\n--\n--\n"),
        std::string("From: <<<@@@>>>\nIn-Reply-To: <<<>>>\nReferences: <\n\nx")}) {
    Result<InboundMessage> result = ClassifyInbound(input);
    if (result.ok()) {
      EXPECT_NE(result->kind, InboundKind::kHardBounce);
    } else {
      EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(ClassifyInboundTest, TenMegabyteMessage) {
  std::string raw = Crlf(
      "From: big@example.com\n"
      "In-Reply-To: <5.1@acme.example>\n"
      "Content-Type: text/plain\n"
      "\n");
  const std::string line(998, 'x');
  while (raw.size() < 10 * 1024 * 1024) StrAppend(&raw, line, "\r\n");
  const InboundMessage m = Classify(raw);
  EXPECT_EQ(m.kind, InboundKind::kReply);
  EXPECT_THAT(m.references, ElementsAre("5.1@acme.example"));
}

TEST(ClassifyInboundTest, DeeplyNestedMultipartsAreReadFromTheHeaders) {
  for (const int depth : {20, 100'000}) {
    std::string raw = Crlf(
        "From: deep@example.com\n"
        "In-Reply-To: <6.1@acme.example>\n"
        "Auto-Submitted: auto-replied\n");
    for (int i = 0; i < depth; ++i) {
      StrAppend(&raw, "Content-Type: multipart/mixed; boundary=b", i, "\r\n\r\n--b", i, "\r\n");
    }
    StrAppend(&raw, "Content-Type: text/plain\r\n\r\nhi");
    for (int i = depth - 1; i >= 0; --i) StrAppend(&raw, "\r\n--b", i, "--");
    StrAppend(&raw, "\r\n");
    const InboundMessage m = Classify(raw);
    EXPECT_EQ(m.kind, InboundKind::kAutoReply) << depth;
    EXPECT_THAT(m.references, ElementsAre("6.1@acme.example"));
  }
}

TEST(ClassifyInboundTest, ReferencesAreBounded) {
  std::string refs;
  for (int i = 0; i < 10'000; ++i) StrAppend(&refs, " <", i, "@x.example>");
  const InboundMessage m =
      Classify(Crlf(StrCat("From: a@example.com\nReferences:", refs, "\n\nbody\n")));
  EXPECT_EQ(m.kind, InboundKind::kReply);
  ASSERT_EQ(m.references.size(), kMaxReferences);
  EXPECT_EQ(m.references.front(), "9999@x.example");
}

}  // namespace
}  // namespace cadent::channels
