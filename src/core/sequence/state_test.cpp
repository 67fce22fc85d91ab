#include "core/sequence/state.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <tuple>

#include "absl/strings/str_split.h"
#include "core/common/strings.hpp"
#include "gtest/gtest.h"

namespace cadent::sequence {
namespace {

struct TransitionRow {
  int line = 0;
  std::string machine, state, event, expected;
};

std::vector<TransitionRow> ReadTransitions() {
  std::ifstream in(CADENT_SOURCE_DIR "/src/core/sequence/testdata/transitions.tsv");
  EXPECT_TRUE(in.good()) << "cannot read testdata/transitions.tsv";
  std::vector<TransitionRow> rows;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    EXPECT_EQ(f.size(), 4u) << "transitions.tsv line " << number;
    if (f.size() != 4) continue;
    rows.push_back(TransitionRow{number, f[0], f[1], f[2], f[3]});
  }
  return rows;
}

// One machine's side of the file check: parse the row's names with the machine's own Parse
// functions, compare Next() with the expected cell, and record which pair the row covered.
template <typename S, typename E>
void CheckRow(const TransitionRow& row, std::optional<S> (*parse_status)(std::string_view),
              std::optional<E> (*parse_event)(std::string_view),
              std::set<std::tuple<std::string, size_t, size_t>>& covered) {
  const std::optional<S> status = parse_status(row.state);
  const std::optional<E> event = parse_event(row.event);
  ASSERT_TRUE(status.has_value()) << "unknown state " << row.state;
  ASSERT_TRUE(event.has_value()) << "unknown event " << row.event;
  const std::optional<S> next = Next(*status, *event);
  if (row.expected == "-") {
    EXPECT_FALSE(next.has_value()) << "expected invalid, got " << ToString(*next);
  } else {
    const std::optional<S> expected = parse_status(row.expected);
    ASSERT_TRUE(expected.has_value()) << "unknown expected state " << row.expected;
    ASSERT_TRUE(next.has_value()) << "expected " << row.expected << ", got invalid";
    EXPECT_EQ(ToString(*next), ToString(*expected));
  }
  const bool inserted =
      covered.emplace(row.machine, static_cast<size_t>(*status), static_cast<size_t>(*event))
          .second;
  EXPECT_TRUE(inserted) << "the pair is listed twice";
}

TEST(Transitions, EveryRowOfTheFileMatchesNext) {
  const std::vector<TransitionRow> rows = ReadTransitions();
  std::set<std::tuple<std::string, size_t, size_t>> covered;
  for (const TransitionRow& row : rows) {
    SCOPED_TRACE(StrCat("transitions.tsv line ", row.line, ": ", row.machine, " ", row.state, " ",
                        row.event, " -> ", row.expected));
    if (row.machine == "campaign") {
      CheckRow<CampaignStatus, CampaignEvent>(row, ParseCampaignStatus, ParseCampaignEvent,
                                              covered);
    } else if (row.machine == "enrollment") {
      CheckRow<EnrollmentStatus, EnrollmentEvent>(row, ParseEnrollmentStatus, ParseEnrollmentEvent,
                                                  covered);
    } else if (row.machine == "message") {
      CheckRow<MessageStatus, MessageEvent>(row, ParseMessageStatus, ParseMessageEvent, covered);
    } else {
      ADD_FAILURE() << "unknown machine " << row.machine;
    }
  }
  // Every combination exactly once: no duplicates (checked per row) and the full count.
  EXPECT_EQ(rows.size(), kCampaignStatusCount * kCampaignEventCount +
                             kEnrollmentStatusCount * kEnrollmentEventCount +
                             kMessageStatusCount * kMessageEventCount);
  EXPECT_EQ(covered.size(), rows.size());
  for (size_t s = 0; s < kCampaignStatusCount; ++s) {
    for (size_t e = 0; e < kCampaignEventCount; ++e) {
      EXPECT_TRUE(covered.contains({"campaign", s, e}))
          << "missing campaign " << ToString(CampaignStatus(s)) << " "
          << ToString(CampaignEvent(e));
    }
  }
  for (size_t s = 0; s < kEnrollmentStatusCount; ++s) {
    for (size_t e = 0; e < kEnrollmentEventCount; ++e) {
      EXPECT_TRUE(covered.contains({"enrollment", s, e}))
          << "missing enrollment " << ToString(EnrollmentStatus(s)) << " "
          << ToString(EnrollmentEvent(e));
    }
  }
  for (size_t s = 0; s < kMessageStatusCount; ++s) {
    for (size_t e = 0; e < kMessageEventCount; ++e) {
      EXPECT_TRUE(covered.contains({"message", s, e}))
          << "missing message " << ToString(MessageStatus(s)) << " " << ToString(MessageEvent(e));
    }
  }
}

// Every name round-trips, names are distinct, and unknown or differently cased text is
// refused.
template <typename Enum>
void CheckNames(size_t count, std::optional<Enum> (*parse)(std::string_view)) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < count; ++i) {
    const Enum value = static_cast<Enum>(i);
    const std::string_view name = ToString(value);
    SCOPED_TRACE(name);
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, "invalid");
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name";
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << "not snake_case";
    const std::optional<Enum> parsed = parse(name);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, value);
    std::string upper(name);
    upper[0] = static_cast<char>(upper[0] - 'a' + 'A');
    EXPECT_FALSE(parse(upper).has_value());
  }
  EXPECT_FALSE(parse("").has_value());
  EXPECT_FALSE(parse("nonsense").has_value());
}

TEST(StateNames, RoundTrip) {
  CheckNames<CampaignStatus>(kCampaignStatusCount, ParseCampaignStatus);
  CheckNames<CampaignEvent>(kCampaignEventCount, ParseCampaignEvent);
  CheckNames<EnrollmentStatus>(kEnrollmentStatusCount, ParseEnrollmentStatus);
  CheckNames<EnrollmentEvent>(kEnrollmentEventCount, ParseEnrollmentEvent);
  CheckNames<MessageStatus>(kMessageStatusCount, ParseMessageStatus);
  CheckNames<MessageEvent>(kMessageEventCount, ParseMessageEvent);
}

TEST(StateNames, SpelledAsDocumented) {
  EXPECT_EQ(ToString(CampaignStatus::kScheduled), "scheduled");
  EXPECT_EQ(ToString(EnrollmentStatus::kWaiting), "waiting");
  EXPECT_EQ(ToString(MessageEvent::kTransientFailure), "transient_failure");
  EXPECT_EQ(ToString(MessageEvent::kLeaseExpired), "lease_expired");
  EXPECT_EQ(ToString(MessageEvent::kReconciledNotSent), "reconciled_not_sent");
  EXPECT_EQ(ToString(MessageStatus::kCancelled), "cancelled");
}

TEST(Transitions, OutOfRangeValuesAreInvalid) {
  // Statuses read from storage as integers must not index past the table.
  EXPECT_FALSE(Next(static_cast<CampaignStatus>(kCampaignStatusCount), CampaignEvent::kStart));
  EXPECT_FALSE(Next(CampaignStatus::kDraft, static_cast<CampaignEvent>(kCampaignEventCount)));
  EXPECT_FALSE(Next(static_cast<MessageStatus>(200), MessageEvent::kClaim));
  EXPECT_EQ(ToString(static_cast<MessageStatus>(200)), "invalid");
}

template <typename S, typename E>
void CheckTerminalAndChanges(size_t statuses, size_t events,
                             const std::vector<std::pair<S, S>>& changes) {
  // No duplicates.
  std::set<std::pair<S, S>> unique(changes.begin(), changes.end());
  EXPECT_EQ(unique.size(), changes.size()) << "AllowedChanges lists a pair twice";
  // Exactly the pairs Next() allows.
  std::set<std::pair<S, S>> from_next;
  for (size_t s = 0; s < statuses; ++s) {
    bool any = false;
    for (size_t e = 0; e < events; ++e) {
      if (const std::optional<S> to = Next(S(s), E(e))) {
        from_next.emplace(S(s), *to);
        any = true;
      }
    }
    EXPECT_EQ(IsTerminal(S(s)), !any) << ToString(S(s));
  }
  EXPECT_EQ(unique, from_next);
  // In table order: by the from status.
  for (size_t i = 1; i < changes.size(); ++i) {
    EXPECT_LE(changes[i - 1].first, changes[i].first) << "not in table order at " << i;
  }
}

TEST(AllowedChanges, NoDuplicatesAndAgreesWithNext) {
  CheckTerminalAndChanges<CampaignStatus, CampaignEvent>(kCampaignStatusCount, kCampaignEventCount,
                                                         AllowedChanges(CampaignStatus{}));
  CheckTerminalAndChanges<EnrollmentStatus, EnrollmentEvent>(
      kEnrollmentStatusCount, kEnrollmentEventCount, AllowedChanges(EnrollmentStatus{}));
  CheckTerminalAndChanges<MessageStatus, MessageEvent>(kMessageStatusCount, kMessageEventCount,
                                                       AllowedChanges(MessageStatus{}));
}

TEST(AllowedChanges, CollapsesEventsWithTheSameChange) {
  // claimed -> planned by defer, release and lease_expired: one pair for storage.
  const auto changes = AllowedChanges(MessageStatus{});
  EXPECT_EQ(std::count(changes.begin(), changes.end(),
                       std::pair{MessageStatus::kClaimed, MessageStatus::kPlanned}),
            1);
  EXPECT_EQ(changes.size(), 15u);  // 17 rows, 2 of them repeat a (from, to) pair
  EXPECT_EQ(AllowedChanges(CampaignStatus{}).size(), 10u);
  // active -> active (plan) is a change storage must accept.
  const auto enrollment = AllowedChanges(EnrollmentStatus{});
  EXPECT_NE(std::find(enrollment.begin(), enrollment.end(),
                      std::pair{EnrollmentStatus::kActive, EnrollmentStatus::kActive}),
            enrollment.end());
  EXPECT_EQ(enrollment.size(), 12u);
}

TEST(IsTerminal, TheDocumentedEnds) {
  EXPECT_TRUE(IsTerminal(CampaignStatus::kCompleted));
  EXPECT_TRUE(IsTerminal(CampaignStatus::kStopped));
  EXPECT_FALSE(IsTerminal(CampaignStatus::kPaused));
  EXPECT_TRUE(IsTerminal(EnrollmentStatus::kFailed));
  EXPECT_FALSE(IsTerminal(EnrollmentStatus::kHeld));
  for (MessageStatus s : {MessageStatus::kSent, MessageStatus::kFailed, MessageStatus::kSkipped,
                          MessageStatus::kCancelled}) {
    EXPECT_TRUE(IsTerminal(s)) << ToString(s);
  }
  // Unknown waits for reconciliation; it is not an end.
  EXPECT_FALSE(IsTerminal(MessageStatus::kUnknown));
}

}  // namespace
}  // namespace cadent::sequence
