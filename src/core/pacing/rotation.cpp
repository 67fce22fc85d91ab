#include "core/pacing/rotation.hpp"

#include <queue>
#include <tuple>
#include <utility>
#include <vector>

namespace cadent::pacing {
namespace {

// A sender of the pool during the best-first search, with a lower bound of its slot that
// is refined in stages until it is the probed slot itself.
struct Candidate {
  enum class Stage { kPacerBound, kWindowBound, kProbed };
  Instant bound;
  SenderId sender;
  Stage stage = Stage::kPacerBound;
  friend bool operator>(const Candidate& a, const Candidate& b) {
    return std::tie(a.bound, a.sender) > std::tie(b.bound, b.sender);
  }
};

// The request's window check, remembering the closed stretches it reported: if
// window(a) = b > a, nothing in [a, b) is allowed and b is, so any t in [a, b) maps to b.
class WindowMemo {
 public:
  explicit WindowMemo(const WindowCheck& window) : window_(window) {}
  Result<Instant> operator()(Instant t) {
    for (const auto& [from, to] : closed_) {
      if (t >= from && t < to) return to;
    }
    ASSIGN_OR_RETURN(const Instant allowed, window_(t));
    if (allowed > t) closed_.emplace_back(t, allowed);
    return allowed;
  }

 private:
  const WindowCheck& window_;
  std::vector<std::pair<Instant, Instant>> closed_;
};

}  // namespace

Result<Reservation> ReserveForContact(Pacer& pacer, std::span<const SenderId> pool,
                                      std::optional<SenderId> assigned, Instant earliest,
                                      const Request& request) {
  if (assigned) return pacer.Reserve(*assigned, earliest, request);
  if (pool.empty()) return absl::InvalidArgumentError("the campaign has no sender in its pool");

  // Best-first: the candidate with the smallest (bound, id) is refined next; once a probed
  // slot comes out on top, no other sender can beat it (every bound is a lower bound), and
  // ties go to the smaller id. Usually one or two probes instead of one per sender.
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  for (const SenderId sender : pool) {
    queue.push(Candidate{pacer.NoSlotBefore(sender, earliest, request), sender});
  }
  std::optional<WindowMemo> window;
  if (request.window != nullptr) window.emplace(*request.window);
  while (!queue.empty()) {
    Candidate candidate = queue.top();
    queue.pop();
    switch (candidate.stage) {
      case Candidate::Stage::kPacerBound:
        if (window) {
          ASSIGN_OR_RETURN(candidate.bound, (*window)(candidate.bound));
        }
        candidate.stage = Candidate::Stage::kWindowBound;
        queue.push(candidate);
        break;
      case Candidate::Stage::kWindowBound: {
        Result<Reservation> probe = pacer.Probe(candidate.sender, earliest, request);
        if (!probe.ok()) {
          if (absl::IsResourceExhausted(probe.status())) break;  // this sender is full
          return probe.status();
        }
        candidate.bound = probe->at;
        candidate.stage = Candidate::Stage::kProbed;
        queue.push(candidate);
        break;
      }
      case Candidate::Stage::kProbed:
        return pacer.Reserve(candidate.sender, earliest, request);
    }
  }
  return absl::ResourceExhaustedError("no sender of the pool has a free slot");
}

}  // namespace cadent::pacing
