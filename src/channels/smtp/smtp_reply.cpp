#include "channels/smtp/smtp_reply.hpp"

#include <charconv>

#include "core/common/strings.hpp"

namespace cadent::channels {
namespace {

constexpr size_t kMaxReplyText = 512;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "5.1.1 " at the start of `text` (after the reply code and its separator): class, subject
// (1-3 digits) and detail (1-3 digits), followed by a space or the end.
bool ParseEnhanced(std::string_view text, int& status_class, int& subject, int& detail) {
  if (text.size() < 5 || !IsDigit(text[0]) || text[1] != '.') return false;
  size_t i = 2;
  auto number = [&](int& out) {
    const size_t start = i;
    while (i < text.size() && IsDigit(text[i]) && i - start < 3) ++i;
    if (i == start) return false;
    std::from_chars(text.data() + start, text.data() + i, out);
    return true;
  };
  status_class = text[0] - '0';
  if (!number(subject) || i >= text.size() || text[i] != '.') return false;
  ++i;
  if (!number(detail)) return false;
  return i == text.size() || text[i] == ' ';
}

}  // namespace

std::string SmtpReply::enhanced() const {
  if (!has_enhanced()) return "";
  return StrCat(status_class, ".", subject, ".", detail);
}

std::optional<SmtpReply> ParseSmtpReply(std::string_view text) {
  SmtpReply reply;
  bool first = true;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.size() < 3 || !IsDigit(line[0]) || !IsDigit(line[1]) || !IsDigit(line[2])) {
      if (first) return std::nullopt;
      continue;  // a stray line inside a multi-line reply: keep its text, not its code
    }
    int code = 0;
    std::from_chars(line.data(), line.data() + 3, code);
    if (first) {
      if (code < 200 || code > 599) return std::nullopt;
      reply.code = code;
      std::string_view rest = line.size() > 3 ? line.substr(4) : std::string_view();
      int status_class = -1;
      int subject = -1;
      int detail = -1;
      if (ParseEnhanced(rest, status_class, subject, detail) && status_class == code / 100 &&
          (status_class == 2 || status_class == 4 || status_class == 5)) {
        reply.status_class = status_class;
        reply.subject = subject;
        reply.detail = detail;
      }
      first = false;
    }
    if (!reply.text.empty()) reply.text += " | ";
    reply.text.append(line);
    if (reply.text.size() > kMaxReplyText) {
      reply.text.resize(kMaxReplyText);
      break;
    }
  }
  if (first) return std::nullopt;
  return reply;
}

sequence::SendCode SendCodeForSmtpReply(const SmtpReply& reply) {
  using sequence::SendCode;
  const int kind = reply.code / 100;
  if (kind < 4) return SendCode::kTransient;
  const bool enhanced = reply.has_enhanced();
  if (enhanced && reply.subject == 7) {
    switch (reply.detail) {
      case 8:   // authentication credentials invalid
      case 9:   // authentication mechanism too weak
      case 11:  // encryption required for the requested authentication mechanism
      case 12:  // a password transition is needed
      case 13:  // user account disabled
      case 14:  // trust relationship required
        return kind == 5 ? SendCode::kUnauthorized : SendCode::kTransient;
      default:
        break;
    }
  }
  if (kind == 4) {
    if (reply.code == 421 || (enhanced && reply.subject == 7)) return SendCode::kRateLimited;
    return SendCode::kTransient;
  }
  if (reply.code == 530 || reply.code == 534 || reply.code == 535 || reply.code == 538) {
    return SendCode::kUnauthorized;
  }
  if (!enhanced) return SendCode::kRejected;
  if (reply.subject == 1) {
    if (reply.detail == 7 || reply.detail == 8) return SendCode::kBlocked;
    return SendCode::kHardBounce;
  }
  if (reply.subject == 7) return SendCode::kBlocked;
  return SendCode::kRejected;
}

}  // namespace cadent::channels
