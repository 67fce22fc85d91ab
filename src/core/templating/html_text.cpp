// HTML to readable text, and HTML entity decoding.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/templating/internal.hpp"

namespace cadent::templating::internal {
namespace {

// Writes the UTF-8 encoding of `cp` (U+FFFD for NUL, surrogates and out-of-range values)
// into `buffer`; returns its length.
size_t EncodeUtf8(uint32_t cp, char* buffer) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    buffer[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    buffer[0] = static_cast<char>(0xC0 | (cp >> 6));
    buffer[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    buffer[0] = static_cast<char>(0xE0 | (cp >> 12));
    buffer[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buffer[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  buffer[0] = static_cast<char>(0xF0 | (cp >> 18));
  buffer[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  buffer[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  buffer[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

void AppendCodePoint(uint32_t cp, std::string* out) {
  char buffer[4];
  out->append(buffer, EncodeUtf8(cp, buffer));
}

struct NamedEntity {
  std::string_view name;
  uint32_t code_point;
};
constexpr NamedEntity kEntities[] = {
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", 0xA0},    {"copy", 0xA9},     {"reg", 0xAE},     {"trade", 0x2122}, {"mdash", 0x2014},
    {"ndash", 0x2013}, {"hellip", 0x2026}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"euro", 0x20AC},   {"pound", 0xA3},   {"yen", 0xA5},     {"bull", 0x2022},
    {"middot", 0xB7},  {"laquo", 0xAB},    {"raquo", 0xBB},   {"times", 0xD7},   {"shy", 0xAD},
    {"zwnj", 0x200C},  {"zwj", 0x200D},    {"deg", 0xB0},
};

// The code point of entity `name` (without & and ;), or 0 when unknown.
uint32_t EntityCodePoint(std::string_view name) {
  if (name.size() >= 2 && name[0] == '#') {
    uint32_t value = 0;
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const size_t start = hex ? 2 : 1;
    if (start >= name.size()) return 0;
    for (size_t i = start; i < name.size(); ++i) {
      const char c = name[i];
      uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = static_cast<uint32_t>(c - '0');
      } else if (hex && c >= 'a' && c <= 'f') {
        digit = static_cast<uint32_t>(c - 'a' + 10);
      } else if (hex && c >= 'A' && c <= 'F') {
        digit = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return 0;
      }
      value = value * (hex ? 16 : 10) + digit;
      if (value > 0x10FFFF) return 0xFFFD;
    }
    return value == 0 ? 0xFFFD : value;
  }
  for (const NamedEntity& entity : kEntities) {
    if (entity.name == name) return entity.code_point;
  }
  return 0;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsAlpha(c) || (c >= '0' && c <= '9'); }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsOneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

void AppendDecodedEntities(std::string_view html, std::string* out) {
  size_t i = 0;
  while (i < html.size()) {
    const size_t amp = html.find('&', i);
    if (amp == std::string_view::npos) {
      out->append(html.substr(i));
      return;
    }
    out->append(html.substr(i, amp - i));
    size_t end = amp + 1;
    while (end < html.size() && end - amp <= 12 && (IsAlnum(html[end]) || html[end] == '#')) ++end;
    const uint32_t cp = end < html.size() && html[end] == ';'
                            ? EntityCodePoint(html.substr(amp + 1, end - amp - 1))
                            : 0;
    if (cp == 0) {
      out->push_back('&');
      i = amp + 1;
    } else {
      AppendCodePoint(cp, out);
      i = end + 1;
    }
  }
}

std::string HtmlFragmentToText(std::string_view html) {
  std::string text;
  HtmlToText converter(&text);
  converter.Feed(html);
  return text;
}

void HtmlToText::Visible(std::string_view text) {
  if (skip_depth_ > 0) return;
  if (emitted_) {
    if (pending_break_ > 0) {
      for (int k = trailing_newlines_; k < pending_break_; ++k) out_->push_back('\n');
    } else if (pending_space_ && trailing_newlines_ == 0) {
      out_->push_back(' ');
    }
  }
  pending_break_ = 0;
  pending_space_ = false;
  if (text.empty()) return;
  out_->append(text);
  emitted_ = true;
  trailing_newlines_ = 0;
}

void HtmlToText::Opaque() {
  if (skip_depth_ > 0) return;
  Visible({});
  emitted_ = true;
  trailing_newlines_ = 0;
}

void HtmlToText::Inline(std::string_view text) {
  if (!text.empty() && text[0] == ' ') pending_space_ = false;
  Visible(text);
}

void HtmlToText::Break(int newlines) {
  if (!emitted_) return;
  pending_break_ = std::max(pending_break_, newlines);
  pending_space_ = false;
}

void HtmlToText::EndTagName() {
  const std::string_view name =
      tag_overflow_ ? std::string_view() : std::string_view(tag_.data(), tag_length_);
  if (IsOneOf(name, {"script", "style", "head", "title"})) {
    if (closing_) {
      if (skip_depth_ > 0) --skip_depth_;
    } else {
      ++skip_depth_;
    }
    return;
  }
  if (skip_depth_ > 0) return;
  if (name == "br") {
    if (emitted_) pending_break_ = std::min(pending_break_ + 1, 2), pending_space_ = false;
  } else if (IsOneOf(name, {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre",
                            "hr"})) {
    Break(2);
  } else if (name == "ul" || name == "ol") {
    Break(list_depth_ == 0 ? 2 : 1);
    if (closing_) {
      if (list_depth_ > 0) --list_depth_;
    } else {
      if (list_depth_ < static_cast<int>(lists_.size()))
        lists_[static_cast<size_t>(list_depth_)] = name == "ol" ? 1 : 0;
      ++list_depth_;
    }
  } else if (name == "li") {
    Break(1);
    if (!closing_) {
      const bool was_emitted = emitted_;
      emitted_ = true;  // a bullet at the very start still gets written
      if (!was_emitted) pending_break_ = 0;
      const size_t level = static_cast<size_t>(std::max(list_depth_, 1) - 1);
      for (size_t k = 0; k < level && k < 4; ++k) Visible("  "), pending_break_ = 0;
      int* number = level < lists_.size() && list_depth_ > 0 ? &lists_[level] : nullptr;
      if (number != nullptr && *number > 0) {
        char buffer[16];
        const int length = std::snprintf(buffer, sizeof(buffer), "%d. ", *number);
        ++*number;
        Visible(std::string_view(buffer, static_cast<size_t>(length)));
      } else {
        Visible("- ");
      }
      pending_space_ = false;
    }
  } else if (IsOneOf(name, {"div", "tr", "section", "article", "header", "footer", "dd", "dt",
                            "center", "address", "nav", "main", "aside"})) {
    Break(1);
  } else if (name == "td" || name == "th") {
    if (emitted_ && pending_break_ == 0 && trailing_newlines_ == 0) pending_space_ = true;
  }
}

void HtmlToText::EndTag() { state_ = State::kData; }

void HtmlToText::EndEntity(bool terminated) {
  state_ = State::kData;
  const std::string_view name(entity_.data(), entity_length_);
  const uint32_t cp = terminated ? EntityCodePoint(name) : 0;
  if (cp == 0xA0) {
    if (emitted_ && pending_break_ == 0) pending_space_ = true;
    return;
  }
  if (cp == 0) {
    Visible("&");
    Visible(name);
    if (terminated) Visible(";");
    return;
  }
  char buffer[4];
  Visible(std::string_view(buffer, EncodeUtf8(cp, buffer)));
}

void HtmlToText::Feed(std::string_view html) {
  size_t i = 0;
  const size_t n = html.size();
  while (i < n) {
    const char c = html[i];
    switch (state_) {
      case State::kData: {
        if (c == '<') {
          state_ = State::kTagName;
          tag_length_ = 0;
          tag_overflow_ = false;
          closing_ = false;
          ++i;
        } else if (c == '&') {
          state_ = State::kEntity;
          entity_length_ = 0;
          ++i;
        } else if (IsSpace(c)) {
          if (emitted_ && pending_break_ == 0) pending_space_ = true;
          ++i;
        } else {
          size_t end = i + 1;
          while (end < n && html[end] != '<' && html[end] != '&' && !IsSpace(html[end])) ++end;
          Visible(html.substr(i, end - i));
          i = end;
        }
        break;
      }
      case State::kTagName: {
        if (tag_length_ == 0 && !closing_ && c == '/') {
          closing_ = true;
          ++i;
        } else if (IsAlnum(c) || (c == '!' && tag_length_ == 0 && !closing_) ||
                   (c == '-' && tag_length_ > 0 && tag_[0] == '!')) {
          if (tag_length_ < tag_.size()) {
            tag_[tag_length_++] = Lower(c);
          } else {
            tag_overflow_ = true;
          }
          ++i;
          if (tag_length_ == 3 && std::string_view(tag_.data(), 3) == "!--") {
            state_ = State::kComment;
            comment_dashes_ = 0;
          }
        } else if (tag_length_ == 0) {
          // "a < b": not a tag.
          state_ = State::kData;
          Visible(closing_ ? "</" : "<");
        } else {
          EndTagName();
          state_ = State::kTag;  // reprocess c there
        }
        break;
      }
      case State::kTag:
        if (c == '"' || c == '\'') {
          quote_ = c;
          state_ = State::kTagQuote;
        } else if (c == '>') {
          EndTag();
        }
        ++i;
        break;
      case State::kTagQuote:
        if (c == quote_) state_ = State::kTag;
        ++i;
        break;
      case State::kComment:
        if (c == '>' && comment_dashes_ >= 2) {
          state_ = State::kData;
        } else {
          comment_dashes_ = c == '-' ? comment_dashes_ + 1 : 0;
        }
        ++i;
        break;
      case State::kEntity:
        if ((IsAlnum(c) || c == '#') && entity_length_ < entity_.size()) {
          entity_[entity_length_++] = c;
          ++i;
        } else if (c == ';') {
          EndEntity(true);
          ++i;
        } else {
          EndEntity(false);  // reprocess c as data
        }
        break;
    }
  }
}

}  // namespace cadent::templating::internal
