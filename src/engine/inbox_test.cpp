#include "engine/inbox.hpp"

#include "engine/engine_test_fixture.hpp"

namespace cadent {
namespace {

using channels::InboundKind;
using channels::InboundMessage;

constexpr char kNoSpacing[] = R"({"min_spacing_s":0,"max_spacing_s":0})";

class InboxTest : public engine_testing::EngineFixture {
 protected:
  // ann and bob get the intro of a three-step campaign from alice.
  void SendIntros() {
    AddThreeStepTemplates();
    SetPostalAddress();
    AddSender("alice", "email", kNoSpacing);
    ann_ = AddContact("ann", "example.com", "US", "America/New_York");
    bob_ = AddContact("bob", "example.org", "US", "America/New_York");
    campaign_ = Create(ThreeStepEmail("inbox", {"alice"}));
    Launch(campaign_);
    OpenOutbox();
    StartEngine();
    RunUntil(At("2026-12-02T00:00:00Z"));
    ASSERT_EQ(OutboxLines().size(), 2u);
  }
  std::string MessageIdOf(const Contact& contact) {
    Result<std::vector<EngineStore::SentEmail>> thread =
        db().engine().EmailThread(ws_, EnrollmentOf(campaign_, contact).id);
    EXPECT_TRUE(thread.ok() && thread->size() == 1u);
    return thread.ok() && !thread->empty() ? (*thread)[0].rfc_message_id : "";
  }
  std::optional<Event> EventFor(const InboundMessage& inbound) {
    Result<std::optional<Event>> event = InboundEvent(db(), ws_, inbound, clock_.Now());
    EXPECT_TRUE(event.ok()) << event.status();
    return event.ok() ? *event : std::nullopt;
  }

  Contact ann_;
  Contact bob_;
  CampaignId campaign_;
};

TEST_F(InboxTest, AReplyNamingOurMessageStopsThatEnrollment) {
  SendIntros();
  InboundMessage reply;
  reply.kind = InboundKind::kReply;
  reply.references = {"someone-elses@mail.example", MessageIdOf(ann_)};
  reply.from_address = "ann@example.com";
  reply.subject = "Re: hello";
  reply.message_id = "CAF123@mail.gmail.com";
  std::optional<Event> event = EventFor(reply);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->kind, EventKind::kReplied);
  EXPECT_EQ(event->contact_id, ann_.id);
  EXPECT_EQ(event->enrollment_id, EnrollmentOf(campaign_, ann_).id);
  EXPECT_TRUE(event->message_id.valid());
  EXPECT_EQ(event->source, "imap");
  ASSERT_TRUE(db().engine().AddEvent(*event).ok());
  RunDue();
  EXPECT_EQ(EnrollmentOf(campaign_, ann_).status, sequence::EnrollmentStatus::kStopped);
  EXPECT_NE(EnrollmentOf(campaign_, bob_).status, sequence::EnrollmentStatus::kStopped);
}

TEST_F(InboxTest, WithoutOurMessageIdTheSenderAddressDecides) {
  SendIntros();
  InboundMessage reply;
  reply.kind = InboundKind::kReply;
  reply.from_address = "BOB@example.org";
  std::optional<Event> event = EventFor(reply);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->contact_id, bob_.id);
  EXPECT_FALSE(event->enrollment_id.valid());
  // A forged id of ours (right number, wrong domain) is no match either way.
  reply.references = {StrCat(MessageIdOf(ann_), "x")};
  reply.from_address = "stranger@example.net";
  EXPECT_FALSE(EventFor(reply).has_value());
  reply.kind = InboundKind::kUnrelated;
  reply.from_address = "ann@example.com";
  EXPECT_FALSE(EventFor(reply).has_value());
}

TEST_F(InboxTest, AutoRepliesAndBouncesBecomeTheirOwnEvents) {
  SendIntros();
  InboundMessage away;
  away.kind = InboundKind::kAutoReply;
  away.references = {MessageIdOf(ann_)};
  away.detail = "auto-reply: Auto-Submitted: auto-replied";
  EXPECT_EQ(EventFor(away)->kind, EventKind::kAutoReplied);

  InboundMessage hard;
  hard.kind = InboundKind::kHardBounce;
  hard.references = {MessageIdOf(bob_)};
  hard.recipient = "bob@example.org";
  hard.status = "5.1.1";
  hard.detail = "smtp; 550 5.1.1 user unknown";
  std::optional<Event> bounced = EventFor(hard);
  ASSERT_TRUE(bounced.has_value());
  EXPECT_EQ(bounced->kind, EventKind::kBounced);
  EXPECT_EQ(bounced->contact_id, bob_.id);
  EXPECT_THAT(bounced->detail, ::testing::HasSubstr("5.1.1"));
  // A bounce without the original message: the failed recipient names the contact.
  hard.references.clear();
  hard.kind = InboundKind::kSoftBounce;
  hard.recipient = "ann@example.com";
  std::optional<Event> soft = EventFor(hard);
  ASSERT_TRUE(soft.has_value());
  EXPECT_EQ(soft->kind, EventKind::kSoftBounced);
  EXPECT_EQ(soft->contact_id, ann_.id);

  // Recorded and applied: the auto-reply and the soft bounce stop nothing; the hard bounce
  // stops bob and suppresses his address.
  ASSERT_TRUE(db().engine().AddEvent(*EventFor(away)).ok());
  ASSERT_TRUE(db().engine().AddEvent(*soft).ok());
  ASSERT_TRUE(db().engine().AddEvent(*bounced).ok());
  RunDue();
  EXPECT_NE(EnrollmentOf(campaign_, ann_).status, sequence::EnrollmentStatus::kStopped);
  EXPECT_EQ(EnrollmentOf(campaign_, bob_).status, sequence::EnrollmentStatus::kStopped);
}

}  // namespace
}  // namespace cadent
