#include "core/sequence/sequence.hpp"

#include <string>

#include "core/common/strings.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cadent::sequence {
namespace {

using templating::Channel;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

calendar::DelayRule Delay(int64_t amount, calendar::DelayRule::Unit unit) {
  calendar::DelayRule rule;
  rule.amount = amount;
  rule.unit = unit;
  return rule;
}

calendar::DelayRule Days(int64_t amount) { return Delay(amount, calendar::DelayRule::Unit::kDays); }

Variant V(std::string name, std::string template_name, int weight = 1) {
  Variant variant;
  variant.name = std::move(name);
  variant.template_name = std::move(template_name);
  variant.weight = weight;
  return variant;
}

Step Send(std::string id, Channel channel, std::vector<Variant> variants,
          calendar::DelayRule delay = {}) {
  Step step;
  step.id = std::move(id);
  step.kind = StepKind::kSend;
  step.channel = channel;
  step.variants = std::move(variants);
  step.delay = delay;
  return step;
}

Step Email(std::string id, calendar::DelayRule delay = {}) {
  const std::string name = id;
  return Send(std::move(id), Channel::kEmail, {V("A", name)}, delay);
}

Step Wait(std::string id, calendar::DelayRule delay) {
  Step step;
  step.id = std::move(id);
  step.kind = StepKind::kWait;
  step.delay = delay;
  return step;
}

Step Condition(std::string id, ConditionKind condition, std::string on_yes, std::string on_no) {
  Step step;
  step.id = std::move(id);
  step.kind = StepKind::kCondition;
  step.condition = condition;
  step.on_yes = std::move(on_yes);
  step.on_no = std::move(on_no);
  return step;
}

Step Webhook(std::string id, std::string url) {
  Step step;
  step.id = std::move(id);
  step.kind = StepKind::kWebhook;
  step.url = std::move(url);
  return step;
}

Step End(std::string id) {
  Step step;
  step.id = std::move(id);
  step.kind = StepKind::kEnd;
  return step;
}

Step WithNext(Step step, std::string next) {
  step.next = std::move(next);
  return step;
}

std::vector<std::string> Rendered(const std::vector<Problem>& problems) {
  std::vector<std::string> out;
  out.reserve(problems.size());
  for (const Problem& p : problems) out.push_back(p.ToString());
  return out;
}

// A problem at exactly `where` whose message contains `text`.
auto ProblemAt(const std::string& where, const std::string& text) {
  return Contains(AllOf(Field(&Problem::where, where), Field(&Problem::message, HasSubstr(text))));
}

Sequence LinearEmail() {
  Sequence sequence;
  sequence.steps.push_back(Email("intro"));
  Step follow_up = Email("follow_up", Days(3));
  follow_up.same_thread = true;
  sequence.steps.push_back(std::move(follow_up));
  sequence.steps.push_back(Email("breakup", Days(4)));
  return sequence;
}

// intro (email) -> opened? yes: warm, no: cold; both reach the webhook, then the end.
Sequence BranchingEmail() {
  Sequence sequence;
  sequence.steps = {
      Send("intro", Channel::kEmail, {V("A", "intro_a", 70), V("B", "intro_b", 30)}),
      Condition("opened", ConditionKind::kOpened, "warm", "cold"),
      WithNext(Email("warm", Days(1)), "notify"),
      Email("cold", Days(2)),
      Webhook("notify", "https://crm.example.com/hooks/cadent?x=1"),
      End("done"),
  };
  return sequence;
}

TEST(Check, AcceptsALinearEmailSequence) {
  EXPECT_THAT(Rendered(Check(LinearEmail(), CampaignKind::kSequence)), IsEmpty());
}

TEST(Check, AcceptsABranchingSequence) {
  EXPECT_THAT(Rendered(Check(BranchingEmail(), CampaignKind::kSequence)), IsEmpty());
}

TEST(Check, AcceptsAMultiChannelSequenceWithWaitsAndEnds) {
  Sequence sequence;
  sequence.steps = {
      Send("invite", Channel::kLinkedInInvite, {V("A", "invite")}),
      Wait("pause", Days(1)),
      Condition("accepted", ConditionKind::kAccepted, "dm", "email"),
      WithNext(Send("dm", Channel::kLinkedInMessage, {V("A", "dm")}), "end"),
      Email("email", Days(1)),
      Condition("clicked", ConditionKind::kClicked, "sms", ""),
      WithNext(Send("sms", Channel::kSms, {V("A", "sms")}), "end"),
      End("end"),
  };
  EXPECT_THAT(Rendered(Check(sequence, CampaignKind::kSequence)), IsEmpty());
}

TEST(Check, RejectsDuplicateIds) {
  Sequence sequence = LinearEmail();
  sequence.steps[2].id = "intro";
  const auto problems = Check(sequence, CampaignKind::kSequence);
  EXPECT_THAT(problems, ProblemAt("steps[2].id", "duplicate id \"intro\" (also steps[0])"));
  EXPECT_EQ(problems.size(), 1u) << testing::PrintToString(Rendered(problems));
}

TEST(Check, RejectsBadIds) {
  Sequence sequence = LinearEmail();
  sequence.steps[0].id = "Intro Step";
  sequence.steps[1].id = std::string(65, 'a');
  sequence.steps[2].id = "";
  const auto problems = Check(sequence, CampaignKind::kSequence);
  EXPECT_THAT(problems, ProblemAt("steps[0].id", "\"Intro Step\" is not a valid id"));
  EXPECT_THAT(problems, ProblemAt("steps[1].id", "is not a valid id"));
  EXPECT_THAT(problems, ProblemAt("steps[2].id", "\"\" is not a valid id"));
  // 64 characters of the allowed set are fine.
  sequence.steps[0].id = std::string(64, 'z');
  sequence.steps[1].id = "a-b_c9";
  sequence.steps[2].id = "x";
  EXPECT_THAT(Rendered(Check(sequence, CampaignKind::kSequence)), IsEmpty());
}

TEST(Check, RejectsDanglingEdges) {
  Sequence sequence = BranchingEmail();
  sequence.steps[0].next = "nowhere";
  sequence.steps[1].on_no = "gone";
  const auto problems = Check(sequence, CampaignKind::kSequence);
  EXPECT_THAT(problems, ProblemAt("steps[0].next", "no step has the id \"nowhere\""));
  EXPECT_THAT(problems, ProblemAt("steps[1].on_no", "no step has the id \"gone\""));
}

TEST(Check, RejectsNextOnConditionsAndEnds) {
  Sequence sequence = BranchingEmail();
  sequence.steps[1].next = "warm";
  sequence.steps[5].next = "intro";
  const auto problems = Check(sequence, CampaignKind::kSequence);
  EXPECT_THAT(problems, ProblemAt("steps[1].next", "continues with on_yes and on_no"));
  EXPECT_THAT(problems, ProblemAt("steps[5].next", "an end step has no next"));
}

TEST(Check, RejectsACycle) {
  Sequence sequence;
  sequence.steps = {Email("a"), Wait("b", Days(1)), WithNext(Email("c"), "b")};
  const auto problems = Check(sequence, CampaignKind::kSequence);
  EXPECT_THAT(problems, ProblemAt("steps[2].next", "goes back to \"b\" (b -> c -> b)"));
  EXPECT_EQ(problems.size(), 1u) << testing::PrintToString(Rendered(problems));
}

TEST(Check, RejectsACycleThroughACondition) {
  Sequence sequence;
  sequence.steps = {Email("a"), Condition("opened", ConditionKind::kOpened, "", "a")};
  EXPECT_THAT(Check(sequence, CampaignKind::kSequence),
              ProblemAt("steps[1].on_no", "(a -> opened -> a)"));
  // A self-loop.
  sequence.steps = {WithNext(Email("a"), "a")};
  EXPECT_THAT(Check(sequence, CampaignKind::kSequence), ProblemAt("steps[0].next", "(a -> a)"));
}

TEST(Check, RejectsASequenceWithoutSendSteps) {
  Sequence sequence;
  sequence.steps = {Wait("w", Days(1)), Webhook("h", "https://example.com/")};
  EXPECT_THAT(Check(sequence, CampaignKind::kSequence),
              ProblemAt("steps", "at least one send step"));
  EXPECT_THAT(Check(Sequence{}, CampaignKind::kSequence), ProblemAt("steps", "at least one step"));
}

TEST(Check, RejectsZeroWeightAndDuplicateVariantNames) {
  Sequence sequence = LinearEmail();
  sequence.steps[0].variants = {V("A", "a"), V("B", "b", 0), V("A", "c", -2)};
  const auto problems = Check(sequence, CampaignKind::kSequence);
  EXPECT_THAT(problems, ProblemAt("steps[0].variants[1].weight", "must be > 0, got 0"));
  EXPECT_THAT(problems, ProblemAt("steps[0].variants[2].weight", "must be > 0, got -2"));
  EXPECT_THAT(problems, ProblemAt("steps[0].variants[2].name",
                                  "duplicate variant name \"A\" (also variants[0])"));
  EXPECT_EQ(problems.size(), 3u) << testing::PrintToString(Rendered(problems));
}

TEST(Check, RejectsVariantsWithoutNameOrTemplate) {
  Sequence sequence = LinearEmail();
  sequence.steps[1].variants = {V("", "")};
  const auto problems = Check(sequence, CampaignKind::kSequence);
  EXPECT_THAT(problems, ProblemAt("steps[1].variants[0].name", "must not be empty"));
  EXPECT_THAT(problems, ProblemAt("steps[1].variants[0].template_name", "must name a template"));
  // A resolved template id is enough.
  sequence.steps[1].variants = {V("A", "")};
  sequence.steps[1].variants[0].template_id = TemplateId(5);
  EXPECT_THAT(Rendered(Check(sequence, CampaignKind::kSequence)), IsEmpty());
}

TEST(Check, RejectsASendStepWithoutVariantsInASequenceCampaign) {
  Sequence sequence = LinearEmail();
  sequence.steps[1].variants.clear();
  sequence.steps[1].message_field = "custom.opener";  // only networking campaigns use this
  EXPECT_THAT(Check(sequence, CampaignKind::kSequence),
              ProblemAt("steps[1].variants", "at least one variant"));
}

TEST(Check, NetworkingStepsTakeTheirTextFromAField) {
  Sequence sequence;
  Step message = Send("note", Channel::kLinkedInMessage, {});
  message.message_field = "custom.note";
  Step email = Send("mail", Channel::kEmail, {});
  email.message_field = "custom.body";
  email.subject_field = "custom.subject";
  sequence.steps = {message, email};
  EXPECT_THAT(Rendered(Check(sequence, CampaignKind::kNetworking)), IsEmpty());

  sequence.steps[0].message_field.clear();
  sequence.steps[1].subject_field.clear();
  sequence.steps[1].variants = {V("A", "a")};
  const auto problems = Check(sequence, CampaignKind::kNetworking);
  EXPECT_THAT(problems, ProblemAt("steps[0].message_field", "needs the custom field"));
  EXPECT_THAT(problems, ProblemAt("steps[1].subject_field", "holds its subject"));
  EXPECT_THAT(problems, ProblemAt("steps[1].variants", "variants are not used"));
}

TEST(Check, RejectsAWaitWithoutDelay) {
  Sequence sequence = LinearEmail();
  sequence.steps.insert(sequence.steps.begin() + 1, Wait("pause", Days(0)));
  EXPECT_THAT(Check(sequence, CampaignKind::kSequence),
              ProblemAt("steps[1].delay", "a wait step needs a positive delay"));
  // A time of day alone does not make a delay.
  sequence.steps[1].delay.at_local_time = std::chrono::minutes(9 * 60);
  EXPECT_THAT(Check(sequence, CampaignKind::kSequence), ProblemAt("steps[1].delay", "positive"));
  sequence.steps[1].delay = Delay(90, calendar::DelayRule::Unit::kMinutes);
  EXPECT_THAT(Rendered(Check(sequence, CampaignKind::kSequence)), IsEmpty());
}

TEST(Check, RejectsOpenedWithoutAnEarlierEmail) {
  Sequence sequence;
  sequence.steps = {Send("invite", Channel::kLinkedInInvite, {V("A", "invite")}),
                    Condition("opened", ConditionKind::kOpened, "", ""), Email("later")};
  EXPECT_THAT(Check(sequence, CampaignKind::kSequence),
              ProblemAt("steps[1].condition", "\"opened\" needs an email send step before it"));
  // An email on only one of the paths into the condition is not enough either.
  sequence.steps = {
      Send("invite", Channel::kLinkedInInvite, {V("A", "invite")}),
      Condition("accepted", ConditionKind::kAccepted, "mail", "clicked"),
      Email("mail"),
      Condition("clicked", ConditionKind::kClicked, "", ""),
  };
  EXPECT_THAT(Check(sequence, CampaignKind::kSequence),
              ProblemAt("steps[3].condition", "\"clicked\" needs an email send step"));
  // With the email on both paths it is fine.
  sequence.steps[1].on_no = "mail";
  EXPECT_THAT(Rendered(Check(sequence, CampaignKind::kSequence)), IsEmpty());
}

TEST(Check, RejectsAcceptedWithoutAnEarlierInvite) {
  Sequence sequence;
  sequence.steps = {Email("intro"), Condition("accepted", ConditionKind::kAccepted, "", ""),
                    Send("invite", Channel::kLinkedInInvite, {V("A", "invite")})};
  EXPECT_THAT(Check(sequence, CampaignKind::kSequence),
              ProblemAt("steps[1].condition", "\"accepted\" needs a linkedin_invite send step"));
  // Replies are observable on any channel.
  sequence.steps[1].condition = ConditionKind::kReplied;
  EXPECT_THAT(Rendered(Check(sequence, CampaignKind::kSequence)), IsEmpty());
}

TEST(Check, RejectsANonPositiveWindow) {
  Sequence sequence = BranchingEmail();
  sequence.steps[1].within = std::chrono::hours(0);
  EXPECT_THAT(Check(sequence, CampaignKind::kSequence), ProblemAt("steps[1].within", "> 0"));
}

TEST(Check, RejectsNonHttpWebhookUrls) {
  for (const char* url : {"ftp://example.com/hook", "example.com/hook", "", "https://",
                          "http:///path", "https://exa mple.com/", "javascript:alert(1)"}) {
    Sequence sequence = BranchingEmail();
    sequence.steps[4].url = url;
    EXPECT_THAT(Check(sequence, CampaignKind::kSequence),
                ProblemAt("steps[4].url", "must be an http:// or https:// URL"))
        << url;
  }
  Sequence sequence = BranchingEmail();
  sequence.steps[4].url = "HTTP://Example.com:8080/hook";
  EXPECT_THAT(Rendered(Check(sequence, CampaignKind::kSequence)), IsEmpty());
}

TEST(Check, ReportsEveryProblemInStepOrder) {
  Sequence sequence;
  sequence.steps = {
      Wait("W", Days(0)),
      Webhook("hook", "mailto:x@example.com"),
      Condition("c", ConditionKind::kOpened, "missing", ""),
  };
  std::vector<std::string> wheres;
  for (const Problem& p : Check(sequence, CampaignKind::kSequence)) wheres.push_back(p.where);
  EXPECT_THAT(wheres, testing::ElementsAre("steps[0].id", "steps[0].delay", "steps[1].url",
                                           "steps[2].condition", "steps[2].on_yes", "steps"));
}

TEST(Problem, ToStringIsWhereThenMessage) {
  EXPECT_EQ((Problem{"steps[2].variants[0].weight", "must be > 0"}).ToString(),
            "steps[2].variants[0].weight: must be > 0");
  EXPECT_EQ((Problem{"", "no steps"}).ToString(), "no steps");
}

TEST(Sequence, FindAndAfter) {
  const Sequence sequence = BranchingEmail();
  EXPECT_EQ(sequence.Find("cold"), &sequence.steps[3]);
  EXPECT_EQ(sequence.Find("nope"), nullptr);
  // Explicit next, then list order, then the end.
  EXPECT_EQ(sequence.After(sequence.steps[2]), &sequence.steps[4]);
  EXPECT_EQ(sequence.After(sequence.steps[3]), &sequence.steps[4]);
  EXPECT_EQ(sequence.After(sequence.steps[0]), &sequence.steps[1]);
  EXPECT_EQ(sequence.After(sequence.steps[5]), nullptr);  // an end step
  EXPECT_EQ(sequence.After(sequence.steps[1]), nullptr);  // conditions branch instead
  const Sequence linear = LinearEmail();
  EXPECT_EQ(linear.After(linear.steps[2]), nullptr);
  // A copy of a step is found by its id.
  const Step copy = linear.steps[0];
  EXPECT_EQ(linear.After(copy), &linear.steps[1]);
}

TEST(DefinitionNames, RoundTrip) {
  for (StepKind kind : {StepKind::kSend, StepKind::kWait, StepKind::kCondition, StepKind::kWebhook,
                        StepKind::kEnd}) {
    EXPECT_EQ(ParseStepKind(ToString(kind)), kind);
  }
  for (ConditionKind kind :
       {ConditionKind::kOpened, ConditionKind::kClicked, ConditionKind::kReplied,
        ConditionKind::kAccepted, ConditionKind::kBounced}) {
    EXPECT_EQ(ParseConditionKind(ToString(kind)), kind);
  }
  EXPECT_EQ(ToString(ConditionKind::kAccepted), "accepted");
  EXPECT_EQ(ParseFailurePolicy("continue"), FailurePolicy::kContinue);
  EXPECT_EQ(ToString(FailurePolicy::kStop), "stop");
  EXPECT_EQ(ParseCampaignKind("networking"), CampaignKind::kNetworking);
  EXPECT_EQ(ToString(CampaignKind::kSequence), "sequence");
  for (auto op : {FieldFilter::Op::kEquals, FieldFilter::Op::kNotEquals, FieldFilter::Op::kContains,
                  FieldFilter::Op::kEmpty, FieldFilter::Op::kNotEmpty}) {
    EXPECT_EQ(ParseFilterOp(ToString(op)), op);
  }
  EXPECT_EQ(ToString(FieldFilter::Op::kNotEmpty), "not_empty");
  EXPECT_FALSE(ParseStepKind("Send").has_value());
  EXPECT_FALSE(ParseFilterOp("").has_value());
}

TEST(Presets, Connector) {
  ConnectorPreset preset;
  preset.invite_template = "invite";
  preset.follow_up_templates = {"thanks", "case_study", "last"};
  const Sequence sequence = MakeConnector(preset);
  EXPECT_THAT(Rendered(Check(sequence, CampaignKind::kSequence)), IsEmpty());
  ASSERT_EQ(sequence.steps.size(), 5u);

  const Step& invite = sequence.steps[0];
  EXPECT_EQ(invite.kind, StepKind::kSend);
  EXPECT_EQ(invite.channel, Channel::kLinkedInInvite);
  ASSERT_EQ(invite.variants.size(), 1u);
  EXPECT_EQ(invite.variants[0].template_name, "invite");

  const Step& accepted = sequence.steps[1];
  EXPECT_EQ(accepted.kind, StepKind::kCondition);
  EXPECT_EQ(accepted.condition, ConditionKind::kAccepted);
  EXPECT_EQ(accepted.within, std::chrono::hours(24 * 14));
  EXPECT_EQ(sequence.Find(accepted.on_yes), &sequence.steps[2]);
  EXPECT_EQ(accepted.on_no, "");  // not accepted: no follow-ups

  const calendar::DelayRule two_business_days = Delay(2, calendar::DelayRule::Unit::kBusinessDays);
  const std::vector<std::string> templates = {"thanks", "case_study", "last"};
  for (size_t i = 0; i < 3; ++i) {
    const Step& step = sequence.steps[2 + i];
    SCOPED_TRACE(step.id);
    EXPECT_EQ(step.kind, StepKind::kSend);
    EXPECT_EQ(step.channel, Channel::kLinkedInMessage);
    ASSERT_EQ(step.variants.size(), 1u);
    EXPECT_EQ(step.variants[0].template_name, templates[i]);
    EXPECT_EQ(step.delay, i == 0 ? calendar::DelayRule{} : two_business_days);
  }
  // The follow-ups run in list order to the end.
  EXPECT_EQ(sequence.After(sequence.steps[2]), &sequence.steps[3]);
  EXPECT_EQ(sequence.After(sequence.steps[4]), nullptr);
}

TEST(Presets, ConnectorOptions) {
  ConnectorPreset preset;
  preset.invite_template = "invite";
  preset.follow_up_templates = {"a", "b"};
  preset.accept_within = std::chrono::hours(24 * 7);
  preset.gap = Days(5);
  const Sequence sequence = MakeConnector(preset);
  EXPECT_THAT(Rendered(Check(sequence, CampaignKind::kSequence)), IsEmpty());
  ASSERT_EQ(sequence.steps.size(), 4u);
  EXPECT_EQ(sequence.steps[1].within, std::chrono::hours(24 * 7));
  EXPECT_EQ(sequence.steps[3].delay, Days(5));

  // Without follow-ups there is nothing to wait for: the invite alone.
  preset.follow_up_templates.clear();
  const Sequence invite_only = MakeConnector(preset);
  EXPECT_THAT(Rendered(Check(invite_only, CampaignKind::kSequence)), IsEmpty());
  ASSERT_EQ(invite_only.steps.size(), 1u);
  EXPECT_EQ(invite_only.steps[0].channel, Channel::kLinkedInInvite);
}

TEST(Presets, Messenger) {
  MessengerPreset preset;
  preset.message_templates = {"hello", "nudge", "bye"};
  preset.gap = Days(3);
  const Sequence sequence = MakeMessenger(preset);
  EXPECT_THAT(Rendered(Check(sequence, CampaignKind::kSequence)), IsEmpty());
  ASSERT_EQ(sequence.steps.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const Step& step = sequence.steps[i];
    EXPECT_EQ(step.kind, StepKind::kSend);
    EXPECT_EQ(step.channel, Channel::kLinkedInMessage);
    ASSERT_EQ(step.variants.size(), 1u);
    EXPECT_EQ(step.variants[0].template_name, preset.message_templates[i]);
    EXPECT_EQ(step.delay, i == 0 ? calendar::DelayRule{} : Days(3));
  }
  // No templates, no sequence: Check says so.
  EXPECT_THAT(Check(MakeMessenger({}), CampaignKind::kSequence),
              ProblemAt("steps", "at least one step"));
}

Step Weighted(std::vector<int> weights) {
  Step step = Email("s");
  step.variants.clear();
  for (size_t i = 0; i < weights.size(); ++i) {
    step.variants.push_back(V(std::string(1, static_cast<char>('A' + i)), "t", weights[i]));
  }
  return step;
}

std::vector<int> Counts(const Step& step, uint64_t seed, int64_t enrollments) {
  std::vector<int> counts(step.variants.size(), 0);
  for (int64_t id = 1; id <= enrollments; ++id) {
    const size_t picked = PickVariant(step, seed, EnrollmentId(id));
    EXPECT_LT(picked, step.variants.size());
    if (picked < counts.size()) ++counts[picked];
  }
  return counts;
}

TEST(PickVariant, Deterministic) {
  const Step step = Weighted({1, 1, 1});
  int differs_by_seed = 0;
  for (int64_t id = 1; id <= 100; ++id) {
    const size_t first = PickVariant(step, 99, EnrollmentId(id));
    EXPECT_EQ(PickVariant(step, 99, EnrollmentId(id)), first);
    if (PickVariant(step, 100, EnrollmentId(id)) != first) ++differs_by_seed;
  }
  // Another seed (another step or campaign) shuffles the assignment.
  EXPECT_GT(differs_by_seed, 30);
}

TEST(PickVariant, FollowsTheWeights) {
  std::vector<int> counts = Counts(Weighted({70, 30}), 12345, 10'000);
  EXPECT_NEAR(counts[0], 7'000, 300);
  EXPECT_NEAR(counts[1], 3'000, 300);

  counts = Counts(Weighted({5, 3, 2}), 7, 10'000);
  EXPECT_NEAR(counts[0], 5'000, 300);
  EXPECT_NEAR(counts[1], 3'000, 300);
  EXPECT_NEAR(counts[2], 2'000, 300);
}

TEST(PickVariant, SingleAndZeroWeights) {
  EXPECT_EQ(Counts(Weighted({4}), 1, 1'000), std::vector<int>({1'000}));
  // A zero weight (refused by Check) is never picked.
  const std::vector<int> counts = Counts(Weighted({0, 1, 0, 1}), 3, 1'000);
  EXPECT_EQ(counts[0], 0);
  EXPECT_EQ(counts[2], 0);
  EXPECT_EQ(counts[1] + counts[3], 1'000);
}

}  // namespace
}  // namespace cadent::sequence
