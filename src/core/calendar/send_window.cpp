// SendWindow: parsing, the canonical form, and the business-hours default.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/calendar/calendar.hpp"
#include "core/common/strings.hpp"

namespace cadent::calendar {
namespace {

using std::chrono::minutes;

// ISO order (Monday first) for reading and writing; stored by c_encoding (Sunday = 0).
constexpr std::array<std::string_view, 7> kIsoNames = {"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};
constexpr unsigned IsoToC(unsigned iso) { return (iso + 1) % 7; }  // 0 = Mon -> 1

bool IsSpace(char c) { return c == ' ' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// A parser over the spec that knows the column (1-based) of what it reads.
class Parser {
 public:
  explicit Parser(std::string_view spec) : spec_(spec) {}

  Result<SendWindow> Run() {
    SendWindow window;
    SkipSpace();
    if (AtEnd()) return Error(pos_, "", "empty window; expected e.g. \"Mon-Fri 09:00-17:00\"");
    if (Word() == "closed") {
      pos_ += 6;
      SkipSpace();
      if (!AtEnd()) return Error(pos_, Rest(), "nothing may follow \"closed\"");
      return window;
    }
    while (true) {
      SkipSpace();
      if (AtEnd()) return Error(pos_, "", "expected days (e.g. \"Mon-Fri\") after ';'");
      std::array<bool, 7> days{};
      TRY(ParseDays(&days));
      SkipSpace();
      std::vector<TimeRange> ranges;
      TRY(ParseRanges(&ranges));
      for (unsigned iso = 0; iso < 7; ++iso) {
        if (!days[iso]) continue;
        auto& list = window.by_weekday[IsoToC(iso)];
        list.insert(list.end(), ranges.begin(), ranges.end());
      }
      SkipSpace();
      if (AtEnd()) break;
      if (spec_[pos_] != ';') {
        return Error(pos_, Token(), "expected ';' between day groups");
      }
      ++pos_;
    }
    for (auto& list : window.by_weekday) Normalize(&list);
    return window;
  }

 private:
  bool AtEnd() const { return pos_ >= spec_.size(); }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(spec_[pos_])) ++pos_;
  }
  std::string_view Rest() const { return spec_.substr(pos_); }
  // The letters at pos_, lower-cased into a small buffer.
  std::string Word() const {
    std::string word;
    for (size_t i = pos_; i < spec_.size() && std::isalpha(static_cast<unsigned char>(spec_[i]));
         ++i) {
      word.push_back(Lower(spec_[i]));
    }
    return word;
  }
  // The token at pos_ for error messages: up to the next space, ',' or ';'.
  std::string_view Token() const {
    size_t end = pos_;
    while (end < spec_.size() && !IsSpace(spec_[end]) && spec_[end] != ';' && spec_[end] != ',') {
      ++end;
    }
    return spec_.substr(pos_, std::max<size_t>(end - pos_, end < spec_.size() ? 1 : 0));
  }

  absl::Status Error(size_t at, std::string_view token, std::string_view what) const {
    return absl::InvalidArgumentError(
        token.empty()
            ? StrCat("send window \"", spec_, "\" column ", at + 1, ": ", what)
            : StrCat("send window \"", spec_, "\" column ", at + 1, ": \"", token, "\": ", what));
  }

  Result<unsigned> ParseDay() {
    const std::string word = Word();
    static constexpr std::array<std::string_view, 7> kLong = {
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
    for (unsigned iso = 0; iso < 7; ++iso) {
      if (word.size() >= 3 && kLong[iso].starts_with(word)) {
        pos_ += word.size();
        return iso;
      }
    }
    return Error(pos_, Token(), "expected a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)");
  }

  absl::Status ParseDays(std::array<bool, 7>* days) {
    while (true) {
      ASSIGN_OR_RETURN(const unsigned first, ParseDay());
      unsigned last = first;
      if (!AtEnd() && spec_[pos_] == '-') {
        ++pos_;
        ASSIGN_OR_RETURN(last, ParseDay());
      }
      // "Sun-Thu" wraps around the week.
      for (unsigned iso = first;; iso = (iso + 1) % 7) {
        (*days)[iso] = true;
        if (iso == last) break;
      }
      if (AtEnd() || spec_[pos_] != ',') return OkStatus();
      ++pos_;
    }
  }

  Result<minutes> ParseTime(bool is_end) {
    const size_t start = pos_;
    size_t i = pos_;
    int hours = 0;
    int digits = 0;
    while (i < spec_.size() && IsDigit(spec_[i]) && digits < 2) {
      hours = hours * 10 + (spec_[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || i + 2 >= spec_.size() || spec_[i] != ':' || !IsDigit(spec_[i + 1]) ||
        !IsDigit(spec_[i + 2])) {
      return Error(start, Token(), "expected a time HH:MM");
    }
    const int mins = (spec_[i + 1] - '0') * 10 + (spec_[i + 2] - '0');
    pos_ = i + 3;
    if (pos_ < spec_.size() && IsDigit(spec_[pos_])) {
      return Error(start, spec_.substr(start, pos_ + 1 - start), "expected a time HH:MM");
    }
    const int total = hours * 60 + mins;
    if (mins > 59 || hours > 24 || (hours == 24 && mins != 0)) {
      return Error(start, spec_.substr(start, pos_ - start), "no such time of day");
    }
    if (total == 24 * 60 && !is_end) {
      return Error(start, spec_.substr(start, pos_ - start), "24:00 may only end a range");
    }
    return minutes(total);
  }

  absl::Status ParseRanges(std::vector<TimeRange>* ranges) {
    if (AtEnd() || !IsDigit(spec_[pos_])) {
      return Error(pos_, AtEnd() ? "" : Token(),
                   AtEnd() ? "expected time ranges (e.g. 09:00-17:00) after the days"
                           : "expected a time range HH:MM-HH:MM");
    }
    while (true) {
      const size_t start = pos_;
      ASSIGN_OR_RETURN(const minutes begin, ParseTime(false));
      if (AtEnd() || spec_[pos_] != '-') {
        return Error(start, spec_.substr(start, pos_ - start),
                     "expected '-' and an end time (HH:MM-HH:MM)");
      }
      ++pos_;
      ASSIGN_OR_RETURN(const minutes end, ParseTime(true));
      if (end <= begin) {
        return Error(start, spec_.substr(start, pos_ - start),
                     "the end must be after the begin (a range cannot cross midnight: write "
                     "two ranges, \"22:00-24:00\" and \"00:00-02:00\" on the next day)");
      }
      ranges->push_back(TimeRange{begin, end});
      if (AtEnd() || spec_[pos_] != ',') return OkStatus();
      ++pos_;
    }
  }

  static void Normalize(std::vector<TimeRange>* list) {
    std::sort(list->begin(), list->end(),
              [](const TimeRange& a, const TimeRange& b) { return a.begin < b.begin; });
    std::vector<TimeRange> merged;
    for (const TimeRange& r : *list) {
      if (!merged.empty() && r.begin <= merged.back().end) {
        merged.back().end = std::max(merged.back().end, r.end);
      } else {
        merged.push_back(r);
      }
    }
    *list = std::move(merged);
  }

  std::string_view spec_;
  size_t pos_ = 0;
};

std::string FormatTime(minutes m) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "%02d:%02d", static_cast<int>(m.count() / 60),
                static_cast<int>(m.count() % 60));
  return buffer;
}

}  // namespace

Result<SendWindow> SendWindow::Parse(std::string_view spec) { return Parser(spec).Run(); }

std::string SendWindow::ToString() const {
  std::string out;
  unsigned iso = 0;
  while (iso < 7) {
    const auto& ranges = by_weekday[IsoToC(iso)];
    unsigned last = iso;
    while (last + 1 < 7 && by_weekday[IsoToC(last + 1)] == ranges) ++last;
    if (!ranges.empty()) {
      if (!out.empty()) out += "; ";
      out += kIsoNames[iso];
      if (last != iso) StrAppend(&out, "-", kIsoNames[last]);
      out += ' ';
      for (size_t i = 0; i < ranges.size(); ++i) {
        if (i > 0) out += ',';
        StrAppend(&out, FormatTime(ranges[i].begin), "-", FormatTime(ranges[i].end));
      }
    }
    iso = last + 1;
  }
  return out.empty() ? "closed" : out;
}

SendWindow SendWindow::BusinessHours() {
  SendWindow window;
  for (unsigned day = 1; day <= 5; ++day) {
    window.by_weekday[day] = {TimeRange{minutes(9 * 60), minutes(17 * 60)}};
  }
  return window;
}

std::string FormatTimeOfDay(std::chrono::minutes since_midnight) {
  return FormatTime(since_midnight);
}

}  // namespace cadent::calendar
