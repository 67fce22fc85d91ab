// Campaign definitions: names, graph navigation, Check, the presets and variant picking.
#include "core/sequence/sequence.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <unordered_map>
#include <utility>

#include "core/common/strings.hpp"

namespace cadent::sequence {
namespace {

constexpr std::array<std::string_view, 5> kStepKindNames = {"send", "wait", "condition", "webhook",
                                                            "end"};
constexpr std::array<std::string_view, 5> kConditionKindNames = {"opened", "clicked", "replied",
                                                                 "accepted", "bounced"};
constexpr std::array<std::string_view, 2> kFailurePolicyNames = {"stop", "continue"};
constexpr std::array<std::string_view, 2> kCampaignKindNames = {"sequence", "networking"};
constexpr std::array<std::string_view, 5> kFilterOpNames = {"eq", "ne", "contains", "empty",
                                                            "not_empty"};
static_assert(static_cast<size_t>(StepKind::kEnd) + 1 == kStepKindNames.size());
static_assert(static_cast<size_t>(ConditionKind::kBounced) + 1 == kConditionKindNames.size());
static_assert(static_cast<size_t>(FailurePolicy::kContinue) + 1 == kFailurePolicyNames.size());
static_assert(static_cast<size_t>(CampaignKind::kNetworking) + 1 == kCampaignKindNames.size());
static_assert(static_cast<size_t>(FieldFilter::Op::kNotEmpty) + 1 == kFilterOpNames.size());

template <typename Enum, size_t N>
std::string_view Name(const std::array<std::string_view, N>& names, Enum value) {
  const auto index = static_cast<size_t>(value);
  return index < N ? names[index] : std::string_view("invalid");
}

template <typename Enum, size_t N>
std::optional<Enum> ParseName(const std::array<std::string_view, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr size_t kMaxIdLength = 64;

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    const char c =
        text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (c != prefix[i]) return false;
  }
  return true;
}

// http(s)://host..., with no whitespace or control characters: the engine POSTs to it as is.
bool ValidWebhookUrl(std::string_view url) {
  size_t host = 0;
  if (StartsWithNoCase(url, "https://")) {
    host = 8;
  } else if (StartsWithNoCase(url, "http://")) {
    host = 7;
  } else {
    return false;
  }
  if (host >= url.size() || url[host] == '/' || url[host] == '?' || url[host] == '#') {
    return false;
  }
  return std::none_of(url.begin(), url.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
}

std::string Quoted(std::string_view text) { return StrCat("\"", text, "\""); }

std::string StepPath(size_t index) { return StrCat("steps[", index, "]"); }

uint8_t ChannelBit(templating::Channel channel) {
  return static_cast<uint8_t>(1u << static_cast<unsigned>(channel));
}
constexpr uint8_t kAllChannels = 0xff;

// The step graph as indices: edges of each step with the field that makes them.
struct Edge {
  size_t to = 0;
  std::string_view field;  // "next", "on_yes", "on_no"
};

class Graph {
 public:
  explicit Graph(const Sequence& sequence) : steps_(sequence.steps) {
    for (size_t i = 0; i < steps_.size(); ++i) index_.emplace(steps_[i].id, i);  // first wins
    edges_.resize(steps_.size());
    for (size_t i = 0; i < steps_.size(); ++i) {
      const Step& step = steps_[i];
      switch (step.kind) {
        case StepKind::kCondition:
          AddEdge(i, step.on_yes, "on_yes");
          AddEdge(i, step.on_no, "on_no");
          break;
        case StepKind::kEnd:
          break;
        default:
          if (!step.next.empty()) {
            AddEdge(i, step.next, "next");
          } else if (i + 1 < steps_.size()) {
            edges_[i].push_back(Edge{i + 1, "next"});
          }
          break;
      }
    }
  }

  std::optional<size_t> IndexOf(std::string_view id) const {
    const auto it = index_.find(id);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  const std::vector<Edge>& EdgesOf(size_t step) const { return edges_[step]; }
  size_t StepCount() const { return steps_.size(); }

 private:
  // A dangling edge is reported by Check and leads nowhere here.
  void AddEdge(size_t from, std::string_view id, std::string_view field) {
    if (id.empty()) return;
    if (const std::optional<size_t> to = IndexOf(id)) edges_[from].push_back(Edge{*to, field});
  }

  const std::vector<Step>& steps_;
  std::unordered_map<std::string_view, size_t> index_;
  std::vector<std::vector<Edge>> edges_;
};

struct Found {
  size_t order;  // the step index; steps.size() for problems of the whole sequence
  Problem problem;
};

// Every back edge of a depth-first search closes one cycle; each is reported at the step
// whose edge goes back, with the loop spelled out.
void FindCycles(const Sequence& sequence, const Graph& graph, std::vector<Found>& found) {
  enum class Color : uint8_t { kNew, kOnPath, kDone };
  std::vector<Color> color(graph.StepCount(), Color::kNew);
  struct Frame {
    size_t step;
    size_t next_edge;
  };
  for (size_t root = 0; root < graph.StepCount(); ++root) {
    if (color[root] != Color::kNew) continue;
    std::vector<Frame> path{{root, 0}};
    color[root] = Color::kOnPath;
    while (!path.empty()) {
      Frame& frame = path.back();
      const std::vector<Edge>& edges = graph.EdgesOf(frame.step);
      if (frame.next_edge == edges.size()) {
        color[frame.step] = Color::kDone;
        path.pop_back();
        continue;
      }
      const Edge edge = edges[frame.next_edge++];
      if (color[edge.to] == Color::kNew) {
        color[edge.to] = Color::kOnPath;
        path.push_back(Frame{edge.to, 0});
      } else if (color[edge.to] == Color::kOnPath) {
        std::string loop;
        bool in_loop = false;
        for (const Frame& f : path) {
          in_loop = in_loop || f.step == edge.to;
          if (in_loop) StrAppend(&loop, sequence.steps[f.step].id, " -> ");
        }
        StrAppend(&loop, sequence.steps[edge.to].id);
        const size_t from = path.back().step;
        found.push_back(
            Found{from, Problem{StrCat(StepPath(from), ".", edge.field),
                                StrCat("goes back to ", Quoted(sequence.steps[edge.to].id), " (",
                                       loop, "); every path must reach the end")}});
      }
    }
  }
}

// For each step, the channels sent on every path from the entry to it (a must-analysis:
// the greatest fixpoint of "intersection over predecessors"). Steps the entry cannot reach
// keep every bit, so they raise no channel problem.
std::vector<uint8_t> ChannelsBefore(const Sequence& sequence, const Graph& graph) {
  const size_t n = graph.StepCount();
  std::vector<uint8_t> before(n, kAllChannels);
  if (n == 0) return before;
  before[0] = 0;
  auto sent = [&](size_t i) {
    const Step& step = sequence.steps[i];
    return static_cast<uint8_t>(before[i] |
                                (step.kind == StepKind::kSend ? ChannelBit(step.channel) : 0));
  };
  // Each pass can only clear bits, so this ends within (bits x steps) passes.
  bool changed = true;
  while (changed) {
    changed = false;
    std::vector<uint8_t> next(n, kAllChannels);
    next[0] = 0;
    for (size_t i = 0; i < n; ++i) {
      for (const Edge& edge : graph.EdgesOf(i)) {
        if (edge.to != 0) next[edge.to] = static_cast<uint8_t>(next[edge.to] & sent(i));
      }
    }
    changed = next != before;
    before = std::move(next);
  }
  return before;
}

void CheckSend(const Step& step, const std::string& at, CampaignKind kind,
               std::vector<Problem>& out) {
  if (step.delay.amount < 0) out.push_back({StrCat(at, ".delay"), "must not be negative"});
  if (kind == CampaignKind::kNetworking) {
    if (step.message_field.empty()) {
      out.push_back({StrCat(at, ".message_field"),
                     "a networking send step needs the custom field that holds its text"});
    }
    if (step.channel == templating::Channel::kEmail && step.subject_field.empty()) {
      out.push_back({StrCat(at, ".subject_field"),
                     "a networking email step needs the custom field that holds its subject"});
    }
    if (!step.variants.empty()) {
      out.push_back({StrCat(at, ".variants"),
                     "a networking campaign sends the text of message_field; variants are not "
                     "used"});
    }
    return;
  }
  if (step.variants.empty()) {
    out.push_back({StrCat(at, ".variants"), "a send step needs at least one variant"});
    return;
  }
  for (size_t k = 0; k < step.variants.size(); ++k) {
    const Variant& variant = step.variants[k];
    const std::string vat = StrCat(at, ".variants[", k, "]");
    if (variant.name.empty()) {
      out.push_back({StrCat(vat, ".name"), "must not be empty"});
    } else {
      for (size_t j = 0; j < k; ++j) {
        if (step.variants[j].name == variant.name) {
          out.push_back(
              {StrCat(vat, ".name"), StrCat("duplicate variant name ", Quoted(variant.name),
                                            " (also variants[", j, "])")});
          break;
        }
      }
    }
    if (variant.template_name.empty() && !variant.template_id.valid()) {
      out.push_back({StrCat(vat, ".template_name"), "must name a template"});
    }
    if (variant.weight <= 0) {
      out.push_back({StrCat(vat, ".weight"), StrCat("must be > 0, got ", variant.weight)});
    }
  }
}

std::string_view ObservedOn(ConditionKind condition, uint8_t* bit) {
  switch (condition) {
    case ConditionKind::kOpened:
    case ConditionKind::kClicked:
      *bit = ChannelBit(templating::Channel::kEmail);
      return "an email";
    case ConditionKind::kAccepted:
      *bit = ChannelBit(templating::Channel::kLinkedInInvite);
      return "a linkedin_invite";
    case ConditionKind::kReplied:
    case ConditionKind::kBounced:
      break;
  }
  *bit = 0;
  return "";
}

// A zero gap between messages would send them together: it means "the default".
calendar::DelayRule GapOrDefault(const calendar::DelayRule& gap) {
  if (gap.amount > 0) return gap;
  calendar::DelayRule two_business_days;
  two_business_days.amount = 2;
  two_business_days.unit = calendar::DelayRule::Unit::kBusinessDays;
  return two_business_days;
}

Step SendStep(std::string id, templating::Channel channel, const std::string& template_name) {
  Step step;
  step.id = std::move(id);
  step.kind = StepKind::kSend;
  step.channel = channel;
  Variant variant;
  variant.name = "A";
  variant.template_name = template_name;
  step.variants.push_back(std::move(variant));
  return step;
}

}  // namespace

std::string_view ToString(StepKind kind) { return Name(kStepKindNames, kind); }
std::optional<StepKind> ParseStepKind(std::string_view text) {
  return ParseName<StepKind>(kStepKindNames, text);
}
std::string_view ToString(ConditionKind kind) { return Name(kConditionKindNames, kind); }
std::optional<ConditionKind> ParseConditionKind(std::string_view text) {
  return ParseName<ConditionKind>(kConditionKindNames, text);
}
std::string_view ToString(FailurePolicy policy) { return Name(kFailurePolicyNames, policy); }
std::optional<FailurePolicy> ParseFailurePolicy(std::string_view text) {
  return ParseName<FailurePolicy>(kFailurePolicyNames, text);
}
std::string_view ToString(CampaignKind kind) { return Name(kCampaignKindNames, kind); }
std::optional<CampaignKind> ParseCampaignKind(std::string_view text) {
  return ParseName<CampaignKind>(kCampaignKindNames, text);
}
std::string_view ToString(FieldFilter::Op op) { return Name(kFilterOpNames, op); }
std::optional<FieldFilter::Op> ParseFilterOp(std::string_view text) {
  return ParseName<FieldFilter::Op>(kFilterOpNames, text);
}

const Step* Sequence::Find(std::string_view id) const {
  for (const Step& step : steps) {
    if (step.id == id) return &step;
  }
  return nullptr;
}

const Step* Sequence::After(const Step& step) const {
  // Conditions branch (on_yes / on_no) and an end step ends the path.
  if (step.kind == StepKind::kCondition || step.kind == StepKind::kEnd) return nullptr;
  if (!step.next.empty()) return Find(step.next);
  // std::less gives a total order even for a step that is not one of ours.
  const std::less<const Step*> less;
  const Step* const first = steps.data();
  const Step* const last = first + steps.size();
  const Step* self = &step;
  if (less(self, first) || !less(self, last)) self = Find(step.id);  // a copy: by its id
  if (self == nullptr || self + 1 == last) return nullptr;
  return self + 1;
}

std::string Problem::ToString() const {
  if (where.empty()) return message;
  return StrCat(where, ": ", message);
}

std::vector<Problem> Check(const Sequence& sequence, CampaignKind kind) {
  const std::vector<Step>& steps = sequence.steps;
  const size_t n = steps.size();
  std::vector<Found> found;
  auto add = [&](size_t order, std::string where, std::string message) {
    found.push_back(Found{order, Problem{std::move(where), std::move(message)}});
  };

  const Graph graph(sequence);
  const std::vector<uint8_t> before = ChannelsBefore(sequence, graph);
  bool any_send = false;
  for (size_t i = 0; i < n; ++i) {
    const Step& step = steps[i];
    const std::string at = StepPath(i);
    if (!ValidId(step.id)) {
      add(i, StrCat(at, ".id"),
          StrCat(Quoted(step.id), " is not a valid id: use 1 to 64 of a-z, 0-9, _ and -"));
    } else if (const std::optional<size_t> first = graph.IndexOf(step.id); first && *first < i) {
      add(i, StrCat(at, ".id"),
          StrCat("duplicate id ", Quoted(step.id), " (also ", StepPath(*first), ")"));
    }

    auto check_edge = [&](std::string_view field, const std::string& target) {
      if (!target.empty() && !graph.IndexOf(target)) {
        add(i, StrCat(at, ".", field), StrCat("no step has the id ", Quoted(target)));
      }
    };
    std::vector<Problem> step_problems;
    switch (step.kind) {
      case StepKind::kSend:
        any_send = true;
        CheckSend(step, at, kind, step_problems);
        break;
      case StepKind::kWait:
        if (step.delay.amount <= 0) {
          step_problems.push_back({StrCat(at, ".delay"), "a wait step needs a positive delay"});
        }
        break;
      case StepKind::kCondition: {
        if (step.within <= std::chrono::hours::zero()) {
          step_problems.push_back({StrCat(at, ".within"), "must be > 0"});
        }
        uint8_t bit = 0;
        const std::string_view channel = ObservedOn(step.condition, &bit);
        if (bit != 0 && (before[i] & bit) == 0) {
          step_problems.push_back(
              {StrCat(at, ".condition"), StrCat(Quoted(ToString(step.condition)), " needs ",
                                                channel, " send step before it on every path")});
        }
        break;
      }
      case StepKind::kWebhook:
        if (!ValidWebhookUrl(step.url)) {
          step_problems.push_back(
              {StrCat(at, ".url"),
               StrCat("must be an http:// or https:// URL, got ", Quoted(step.url))});
        }
        break;
      case StepKind::kEnd:
        break;
    }
    for (Problem& problem : step_problems)
      add(i, std::move(problem.where), std::move(problem.message));

    if (step.kind == StepKind::kCondition) {
      check_edge("on_yes", step.on_yes);
      check_edge("on_no", step.on_no);
    }
    if (step.kind == StepKind::kCondition || step.kind == StepKind::kEnd) {
      if (!step.next.empty()) {
        add(i, StrCat(at, ".next"),
            step.kind == StepKind::kEnd ? "an end step has no next step"
                                        : "a condition step continues with on_yes and on_no");
      }
    } else {
      check_edge("next", step.next);
    }
  }
  FindCycles(sequence, graph, found);
  if (n == 0) {
    add(n, "steps", "a sequence needs at least one step");
  } else if (!any_send) {
    add(n, "steps", "a sequence needs at least one send step");
  }

  std::stable_sort(found.begin(), found.end(),
                   [](const Found& a, const Found& b) { return a.order < b.order; });
  std::vector<Problem> problems;
  problems.reserve(found.size());
  for (Found& f : found) problems.push_back(std::move(f.problem));
  return problems;
}

Sequence MakeConnector(const ConnectorPreset& preset) {
  Sequence sequence;
  sequence.steps.push_back(
      SendStep("invite", templating::Channel::kLinkedInInvite, preset.invite_template));
  if (preset.follow_up_templates.empty()) return sequence;

  Step accepted;
  accepted.id = "accepted";
  accepted.kind = StepKind::kCondition;
  accepted.condition = ConditionKind::kAccepted;
  accepted.within = preset.accept_within;
  accepted.on_yes = "follow_up_1";
  accepted.on_no = "";  // not accepted: the enrollment ends
  sequence.steps.push_back(std::move(accepted));

  const calendar::DelayRule gap = GapOrDefault(preset.gap);
  for (size_t i = 0; i < preset.follow_up_templates.size(); ++i) {
    Step step = SendStep(StrCat("follow_up_", i + 1), templating::Channel::kLinkedInMessage,
                         preset.follow_up_templates[i]);
    // The first follow-up goes as soon as the invite is accepted; later ones are spaced.
    if (i > 0) step.delay = gap;
    sequence.steps.push_back(std::move(step));
  }
  return sequence;
}

Sequence MakeMessenger(const MessengerPreset& preset) {
  Sequence sequence;
  const calendar::DelayRule gap = GapOrDefault(preset.gap);
  for (size_t i = 0; i < preset.message_templates.size(); ++i) {
    Step step = SendStep(StrCat("message_", i + 1), templating::Channel::kLinkedInMessage,
                         preset.message_templates[i]);
    if (i > 0) step.delay = gap;
    sequence.steps.push_back(std::move(step));
  }
  return sequence;
}

size_t PickVariant(const Step& step, uint64_t seed, EnrollmentId enrollment) {
  uint64_t total = 0;
  for (const Variant& variant : step.variants) {
    if (variant.weight > 0) total += static_cast<uint64_t>(variant.weight);
  }
  if (total == 0) return 0;  // Check refuses this; the first variant is a safe answer
  // The modulo bias is below total / 2^64: invisible at any realistic weight.
  uint64_t point = SplitMix64(seed ^ static_cast<uint64_t>(enrollment.value())) % total;
  for (size_t i = 0; i < step.variants.size(); ++i) {
    const int weight = step.variants[i].weight;
    if (weight <= 0) continue;
    if (point < static_cast<uint64_t>(weight)) return i;
    point -= static_cast<uint64_t>(weight);
  }
  return step.variants.size() - 1;  // unreachable: point < total
}

}  // namespace cadent::sequence
