// The compiler: parse each part, find the links, derive the text part, lower to ops.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/strings.hpp"
#include "core/csv/utf8.hpp"
#include "core/templating/internal.hpp"
#include "core/templating/template.hpp"

namespace cadent::templating {
namespace {

using internal::Escape;
using internal::Field;
using internal::FieldKind;
using internal::HtmlFragmentToText;
using internal::Node;
using internal::Op;
using internal::OpKind;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

enum class PartKind { kSubject, kHtml, kText, kDerivedText };

struct PartSource {
  std::string_view name;
  std::string_view source;
};

struct Parsed {
  std::vector<Node> subject;
  std::vector<Node> html;
  std::vector<Node> text;
  bool has_subject = false;
  bool has_html = false;
  bool has_text = false;
  std::vector<Diagnostic> errors;
  // For warnings: each part's nodes with its name and source.
};

Diagnostic MakeDiagnostic(std::string_view part, std::string_view source, size_t offset,
                          std::string message,
                          Diagnostic::Severity severity = Diagnostic::Severity::kError) {
  const auto [line, column] = internal::LineColumn(source, offset);
  return Diagnostic{severity, std::string(part), line, column, std::move(message)};
}

// Checks bounds and encoding, then parses. Errors go to `errors`.
std::vector<Node> ParseChecked(std::string_view part, std::string_view source, const Limits& limits,
                               int* spin_counter, std::vector<Diagnostic>* errors) {
  if (source.size() > limits.max_source_bytes) {
    errors->push_back(Diagnostic{Diagnostic::Severity::kError, std::string(part), 1, 1,
                                 StrCat(part, " is ", source.size(), " bytes; the limit is ",
                                        limits.max_source_bytes, " bytes")});
    return {};
  }
  if (const size_t bad = csv::FindInvalidUtf8(source); bad != std::string_view::npos) {
    errors->push_back(MakeDiagnostic(part, source, bad, "invalid UTF-8"));
    return {};
  }
  if (const size_t nul = source.find('\0'); nul != std::string_view::npos) {
    errors->push_back(MakeDiagnostic(part, source, nul, "NUL byte in template"));
    return {};
  }
  internal::ParsedPart parsed = internal::ParsePart(source, limits, spin_counter);
  for (const internal::ParseError& error : parsed.errors) {
    errors->push_back(MakeDiagnostic(part, source, error.offset, error.message));
  }
  return std::move(parsed.nodes);
}

Parsed ParseAll(const TemplateSource& source, const Limits& limits) {
  Parsed parsed;
  int spins = 0;
  auto channel_error = [&](std::string_view part, std::string message) {
    parsed.errors.push_back(
        Diagnostic{Diagnostic::Severity::kError, std::string(part), 1, 1, std::move(message)});
  };
  if (source.channel == Channel::kWebhook) {
    channel_error("text", "webhook is not a template channel (webhook steps have no template)");
  } else if (source.channel == Channel::kEmail) {
    if (TrimView(source.subject).empty()) channel_error("subject", "an email needs a subject");
    if (TrimView(source.html).empty() && TrimView(source.text).empty()) {
      channel_error("html", "an email needs an html or a text body");
    }
  } else {
    const std::string_view channel = ToString(source.channel);
    if (!source.subject.empty()) {
      channel_error("subject", StrCat("a ", channel, " template has no subject"));
    }
    if (!source.html.empty()) {
      channel_error("html", StrCat("a ", channel, " template has no html (use text)"));
    }
    if (TrimView(source.text).empty()) channel_error("text", "the template is empty");
  }
  if (!source.subject.empty()) {
    parsed.has_subject = true;
    parsed.subject = ParseChecked("subject", source.subject, limits, &spins, &parsed.errors);
  }
  if (!source.html.empty()) {
    parsed.has_html = true;
    parsed.html = ParseChecked("html", source.html, limits, &spins, &parsed.errors);
  }
  if (!source.text.empty()) {
    parsed.has_text = true;
    parsed.text = ParseChecked("text", source.text, limits, &spins, &parsed.errors);
  }
  return parsed;
}

// ---- Links ---------------------------------------------------------------------------------

class LinkMarker {
 public:
  std::vector<Node> Run(std::vector<Node> nodes) {
    for (Node& node : nodes) {
      if (node.kind == Node::Kind::kText) {
        Scan(node.text);
      } else {
        Flush();
        out_.push_back(std::move(node));
      }
    }
    Flush();
    if (state_ == State::kValueQuoted || state_ == State::kValueUnquoted) {
      if (is_href_) HrefEnd();
    }
    if (in_anchor_text_) out_.push_back(AnchorEnd(out_.size()));
    return std::move(out_);
  }

 private:
  enum class State {
    kData,
    kTagName,
    kAnchorAttrs,
    kAttrName,
    kAfterAttrName,
    kBeforeValue,
    kValueQuoted,
    kValueUnquoted,
    kOtherTag,
    kOtherQuote,
    kComment,
  };

  void Flush() {
    if (cur_.empty()) return;
    Node node;
    node.kind = Node::Kind::kText;
    node.text = std::move(cur_);
    out_.push_back(std::move(node));
    cur_.clear();
  }
  void Marker(Node::Kind kind) {
    Flush();
    Node node;
    node.kind = kind;
    out_.push_back(std::move(node));
  }
  void EndAnchorTag() {
    state_ = State::kData;
    if (has_href_) {
      Marker(Node::Kind::kAnchorText);
      anchor_start_ = out_.size();
      in_anchor_text_ = true;
    }
  }

  // The text of out_[begin, end) when every node there is text.
  std::optional<std::string> StaticText(size_t begin, size_t end) const {
    std::string text;
    for (size_t k = begin; k < end && k < out_.size(); ++k) {
      if (out_[k].kind != Node::Kind::kText) return std::nullopt;
      text += out_[k].text;
    }
    return text;
  }

  void HrefBegin() {
    Marker(Node::Kind::kHrefBegin);
    href_start_ = out_.size();
  }

  void HrefEnd() {
    Flush();
    Node node;
    node.kind = Node::Kind::kHrefEnd;
    if (auto text = StaticText(href_start_, out_.size()); text.has_value()) {
      node.is_static = true;
      internal::AppendDecodedEntities(*text, &node.text);
    }
    out_.push_back(std::move(node));
  }

  // The end marker for the anchor whose content ends before out_[end].
  Node AnchorEnd(size_t end) const {
    Node node;
    node.kind = Node::Kind::kAnchorEnd;
    if (auto text = StaticText(anchor_start_, end); text.has_value()) {
      node.is_static = true;
      node.text = HtmlFragmentToText(*text);
    }
    return node;
  }

  void Scan(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
      const char c = text[i];
      switch (state_) {
        case State::kData:
          if (c == '<') {
            Flush();
            tag_start_ = out_.size();
            name_.clear();
            closing_ = false;
            state_ = State::kTagName;
          }
          cur_.push_back(c);
          ++i;
          break;
        case State::kTagName:
          if (c == '/' && name_.empty() && !closing_) {
            closing_ = true;
            cur_.push_back(c);
            ++i;
          } else if (IsAlnum(c) || (c == '!' && name_.empty()) ||
                     (c == '-' && !name_.empty() && name_[0] == '!')) {
            name_.push_back(Lower(c));
            cur_.push_back(c);
            ++i;
            if (name_ == "!--") {
              state_ = State::kComment;
              dashes_ = 0;
            }
          } else if (name_.empty()) {
            state_ = State::kData;  // "a < b"; reprocess c
          } else if (name_ == "a") {
            if (in_anchor_text_) {
              // </a>, or an <a> that implicitly closes an open one.
              Node end = AnchorEnd(tag_start_);
              out_.insert(out_.begin() + static_cast<std::ptrdiff_t>(tag_start_), std::move(end));
              in_anchor_text_ = false;
            }
            if (closing_) {
              state_ = State::kOtherTag;
            } else {
              has_href_ = false;
              state_ = State::kAnchorAttrs;
            }
          } else {
            state_ = State::kOtherTag;
          }
          break;
        case State::kAnchorAttrs:
          if (c == '>') {
            cur_.push_back(c);
            ++i;
            EndAnchorTag();
            break;
          }
          if (!IsSpace(c) && c != '/') {
            attr_.clear();
            state_ = State::kAttrName;
            break;  // reprocess
          }
          cur_.push_back(c);
          ++i;
          break;
        case State::kAttrName:
          if (c == '=') {
            state_ = State::kBeforeValue;
          } else if (IsSpace(c)) {
            state_ = State::kAfterAttrName;
          } else if (c == '>' || c == '/') {
            state_ = State::kAnchorAttrs;
            break;  // reprocess
          } else {
            attr_.push_back(Lower(c));
          }
          cur_.push_back(c);
          ++i;
          break;
        case State::kAfterAttrName:
          if (c == '=') {
            state_ = State::kBeforeValue;
          } else if (!IsSpace(c)) {
            state_ = State::kAnchorAttrs;
            break;  // another attribute; reprocess
          }
          cur_.push_back(c);
          ++i;
          break;
        case State::kBeforeValue:
          if (IsSpace(c)) {
            cur_.push_back(c);
            ++i;
          } else if (c == '"' || c == '\'') {
            quote_ = c;
            cur_.push_back(c);
            ++i;
            is_href_ = attr_ == "href" && !has_href_;
            if (is_href_) HrefBegin();
            state_ = State::kValueQuoted;
          } else if (c == '>') {
            state_ = State::kAnchorAttrs;  // reprocess
          } else {
            is_href_ = attr_ == "href" && !has_href_;
            if (is_href_) HrefBegin();
            state_ = State::kValueUnquoted;
          }
          break;
        case State::kValueQuoted:
          if (c == quote_) {
            if (is_href_) {
              HrefEnd();
              has_href_ = true;
              is_href_ = false;
            }
            state_ = State::kAnchorAttrs;
          }
          cur_.push_back(c);
          ++i;
          break;
        case State::kValueUnquoted:
          if (IsSpace(c) || c == '>') {
            if (is_href_) {
              HrefEnd();
              has_href_ = true;
              is_href_ = false;
            }
            state_ = State::kAnchorAttrs;
            break;  // reprocess
          }
          cur_.push_back(c);
          ++i;
          break;
        case State::kOtherTag:
          if (c == '"' || c == '\'') {
            quote_ = c;
            state_ = State::kOtherQuote;
          } else if (c == '>') {
            state_ = State::kData;
          }
          cur_.push_back(c);
          ++i;
          break;
        case State::kOtherQuote:
          if (c == quote_) state_ = State::kOtherTag;
          cur_.push_back(c);
          ++i;
          break;
        case State::kComment:
          if (c == '>' && dashes_ >= 2) {
            state_ = State::kData;
          } else {
            dashes_ = c == '-' ? dashes_ + 1 : 0;
          }
          cur_.push_back(c);
          ++i;
          break;
      }
    }
  }

  std::vector<Node> out_;
  std::string cur_;
  State state_ = State::kData;
  std::string name_;
  std::string attr_;
  bool closing_ = false;
  char quote_ = '"';
  size_t tag_start_ = 0;
  bool has_href_ = false;
  bool is_href_ = false;
  bool in_anchor_text_ = false;
  size_t href_start_ = 0;
  size_t anchor_start_ = 0;
  int dashes_ = 0;
};

// ---- Text from html ------------------------------------------------------------------------

class TextDeriver {
 public:
  std::vector<Node> Run(const std::vector<Node>& html) {
    for (const Node& node : html) {
      switch (node.kind) {
        case Node::Kind::kText:
          if (in_href_) {
            Node piece;
            piece.kind = Node::Kind::kText;
            internal::AppendDecodedEntities(node.text, &piece.text);
            href_static_ += piece.text;
            href_.push_back(std::move(piece));
          }
          converter_.Feed(node.text);
          break;
        case Node::Kind::kVar:
          if (in_href_) {
            href_.push_back(node);
            href_dynamic_ = true;
          } else if (!converter_.hidden()) {
            EmitOpaque(node);
          }
          break;
        case Node::Kind::kSpin:
          if (in_href_) {
            href_.push_back(node);
            href_dynamic_ = true;
          } else if (!converter_.hidden()) {
            Node spin = node;
            for (std::string& option : spin.options) option = HtmlFragmentToText(option);
            EmitOpaque(spin);
          }
          break;
        case Node::Kind::kIf:
        case Node::Kind::kElse:
        case Node::Kind::kEndIf:
          Flush();
          out_.push_back(node);
          break;
        case Node::Kind::kHrefBegin:
          in_href_ = true;
          href_.clear();
          href_static_.clear();
          href_dynamic_ = false;
          break;
        case Node::Kind::kHrefEnd:
          in_href_ = false;
          break;
        case Node::Kind::kAnchorText:
          in_anchor_ = true;
          anchor_nodes_ = out_.size();
          anchor_chars_ = cur_.size();
          break;
        case Node::Kind::kAnchorEnd:
          if (in_anchor_) EndAnchor();
          in_anchor_ = false;
          break;
      }
    }
    Flush();
    return std::move(out_);
  }

 private:
  void Flush() {
    if (cur_.empty()) return;
    Node node;
    node.kind = Node::Kind::kText;
    node.text = std::move(cur_);
    out_.push_back(std::move(node));
    cur_.clear();
  }
  void EmitOpaque(const Node& node) {
    converter_.Opaque();
    Flush();
    out_.push_back(node);
  }

  void EndAnchor() {
    if (href_.empty()) return;
    std::string_view display = TrimView(href_static_);
    if (!href_dynamic_) {
      if (display.empty() || display.starts_with('#') || display.starts_with("javascript:")) {
        return;
      }
    }
    size_t skip = 0;
    if (display.starts_with("mailto:")) {
      skip = 7;
    } else if (display.starts_with("tel:")) {
      skip = 4;
    }
    if (!href_dynamic_ && out_.size() == anchor_nodes_ && anchor_chars_ <= cur_.size()) {
      const std::string_view text = TrimView(std::string_view(cur_).substr(anchor_chars_));
      if (text == display || text == display.substr(skip)) return;
    }
    converter_.Inline(" (");
    bool first = true;
    for (const Node& piece : href_) {
      if (piece.kind == Node::Kind::kText) {
        std::string_view text = piece.text;
        if (first) text.remove_prefix(std::min(skip, text.size()));
        converter_.Inline(text);
      } else {
        EmitOpaque(piece);
      }
      first = false;
    }
    converter_.Inline(")");
  }

  std::vector<Node> out_;
  std::string cur_;
  internal::HtmlToText converter_{&cur_};
  bool in_href_ = false;
  std::vector<Node> href_;
  std::string href_static_;
  bool href_dynamic_ = false;
  bool in_anchor_ = false;
  size_t anchor_nodes_ = 0;
  size_t anchor_chars_ = 0;
};

// ---- Lowering ------------------------------------------------------------------------------

class Lowerer {
 public:
  explicit Lowerer(CompiledTemplate::Impl* impl) : impl_(impl) {}

  std::vector<Op> Lower(const std::vector<Node>& nodes, PartKind part) {
    std::vector<Op> ops;
    std::vector<size_t> open;  // index of the kIf op, then of the else's kJump
    std::string literal;
    auto flush = [&] {
      if (literal.empty()) return;
      Op op;
      op.kind = OpKind::kLiteral;
      std::tie(op.a, op.b) = Intern(literal);
      op.index = static_cast<uint32_t>(internal::CountCodePoints(literal));
      ops.push_back(op);
      literal.clear();
    };
    for (const Node& node : nodes) {
      switch (node.kind) {
        case Node::Kind::kText:
          literal += node.text;
          break;
        case Node::Kind::kVar: {
          flush();
          Op op;
          op.kind = OpKind::kVar;
          op.field = node.var.field;
          op.escape = EscapeFor(part, node.var.raw);
          op.has_fallback = node.var.has_fallback;
          if (op.has_fallback) std::tie(op.a, op.b) = Intern(node.var.fallback);
          op.index = CustomIndex(node.var);
          op.name = NameIndex(node.var.name);
          ops.push_back(op);
          break;
        }
        case Node::Kind::kIf: {
          flush();
          Op op;
          op.kind = node.negate ? OpKind::kIfPresent : OpKind::kIfAbsent;
          op.field = node.var.field;
          op.name = CustomIndex(node.var);  // kIf*: `name` holds the custom key index
          open.push_back(ops.size());
          ops.push_back(op);
          break;
        }
        case Node::Kind::kElse: {
          flush();
          Op op;
          op.kind = OpKind::kJump;
          ops[open.back()].index = static_cast<uint32_t>(ops.size() + 1);
          open.back() = ops.size();
          ops.push_back(op);
          break;
        }
        case Node::Kind::kEndIf:
          flush();
          ops[open.back()].index = static_cast<uint32_t>(ops.size());
          open.pop_back();
          break;
        case Node::Kind::kSpin: {
          flush();
          Op op;
          op.kind = OpKind::kSpin;
          op.a = static_cast<uint32_t>(impl_->spin_options.size());
          op.b = static_cast<uint32_t>(node.options.size());
          op.index = static_cast<uint32_t>(node.spin_index);
          for (const std::string& option : node.options) {
            const auto [offset, length] = Intern(option);
            impl_->spin_options.push_back(internal::Span32{offset, length});
          }
          ops.push_back(op);
          break;
        }
        case Node::Kind::kHrefBegin:
        case Node::Kind::kHrefEnd:
        case Node::Kind::kAnchorText:
        case Node::Kind::kAnchorEnd: {
          flush();
          Op op;
          op.kind = node.kind == Node::Kind::kHrefBegin    ? OpKind::kHrefBegin
                    : node.kind == Node::Kind::kHrefEnd    ? OpKind::kHrefEnd
                    : node.kind == Node::Kind::kAnchorText ? OpKind::kAnchorText
                                                           : OpKind::kAnchorEnd;
          if (node.is_static) {
            op.precomputed = true;
            std::tie(op.a, op.b) = Intern(node.text);
          }
          ops.push_back(op);
          break;
        }
      }
    }
    flush();
    return ops;
  }

 private:
  static Escape EscapeFor(PartKind part, bool raw) {
    switch (part) {
      case PartKind::kHtml:
        return raw ? Escape::kRawHtml : Escape::kHtml;
      case PartKind::kDerivedText:
        return raw ? Escape::kHtmlToText : Escape::kText;
      case PartKind::kSubject:
      case PartKind::kText:
        break;
    }
    return Escape::kText;
  }

  std::pair<uint32_t, uint32_t> Intern(std::string_view text) {
    const auto offset = static_cast<uint32_t>(impl_->arena.size());
    impl_->arena.append(text);
    return {offset, static_cast<uint32_t>(text.size())};
  }

  uint32_t CustomIndex(const internal::VarRef& var) {
    if (var.field != Field::kCustom) return 0;
    auto& keys = impl_->custom_keys;
    const auto it = std::find(keys.begin(), keys.end(), var.custom_key);
    if (it != keys.end()) return static_cast<uint32_t>(it - keys.begin());
    keys.push_back(var.custom_key);
    return static_cast<uint32_t>(keys.size() - 1);
  }

  uint32_t NameIndex(const std::string& name) {
    auto& names = impl_->names;
    const auto it = std::find(names.begin(), names.end(), name);
    if (it != names.end()) return static_cast<uint32_t>(it - names.begin());
    names.push_back(name);
    return static_cast<uint32_t>(names.size() - 1);
  }

  CompiledTemplate::Impl* impl_;
};

void AddVariables(const std::vector<Node>& nodes, std::vector<std::string>* variables) {
  for (const Node& node : nodes) {
    if (node.kind != Node::Kind::kVar && node.kind != Node::Kind::kIf) continue;
    if (std::find(variables->begin(), variables->end(), node.var.name) == variables->end()) {
      variables->push_back(node.var.name);
    }
  }
}

}  // namespace

std::string Diagnostic::ToString() const {
  return StrCat(part, ":", line, ":", column, ": ", message);
}

Channel CompiledTemplate::channel() const { return impl_->channel; }
const Limits& CompiledTemplate::limits() const { return impl_->limits; }
const std::vector<std::string>& CompiledTemplate::variables() const { return impl_->variables; }
bool CompiledTemplate::text_from_html() const { return impl_->text_from_html; }

Result<CompiledTemplate> Compile(const TemplateSource& source, const Limits& limits) {
  Parsed parsed = ParseAll(source, limits);
  if (!parsed.errors.empty()) {
    return absl::InvalidArgumentError(parsed.errors.front().ToString());
  }
  auto impl = std::make_shared<CompiledTemplate::Impl>();
  impl->channel = source.channel;
  impl->limits = limits;
  Lowerer lowerer(impl.get());
  AddVariables(parsed.subject, &impl->variables);
  AddVariables(parsed.html, &impl->variables);
  AddVariables(parsed.text, &impl->variables);
  if (parsed.has_subject) {
    impl->has_subject = true;
    impl->subject = lowerer.Lower(parsed.subject, PartKind::kSubject);
  }
  if (parsed.has_html) {
    impl->has_html = true;
    std::vector<Node> marked = LinkMarker().Run(std::move(parsed.html));
    impl->html = lowerer.Lower(marked, PartKind::kHtml);
    if (!parsed.has_text) {
      impl->has_text = true;
      impl->text_from_html = true;
      impl->text = lowerer.Lower(TextDeriver().Run(marked), PartKind::kDerivedText);
    }
  }
  if (parsed.has_text) {
    impl->has_text = true;
    impl->text = lowerer.Lower(parsed.text, PartKind::kText);
  }
  return CompiledTemplate(std::move(impl));
}

Validation Validate(const TemplateSource& source, std::span<const std::string> known_custom_fields,
                    const Limits& limits) {
  Validation validation;
  Parsed parsed = ParseAll(source, limits);
  validation.errors = std::move(parsed.errors);
  const PartSource parts[] = {
      {"subject", source.subject}, {"html", source.html}, {"text", source.text}};
  const std::vector<Node>* nodes[] = {&parsed.subject, &parsed.html, &parsed.text};
  auto add_once = [](std::vector<std::string>* list, const std::string& name) {
    if (std::find(list->begin(), list->end(), name) != list->end()) return false;
    list->push_back(name);
    return true;
  };
  for (size_t p = 0; p < 3; ++p) {
    for (const Node& node : *nodes[p]) {
      if (node.kind != Node::Kind::kVar && node.kind != Node::Kind::kIf) continue;
      const internal::VarRef& var = node.var;
      if (var.field == Field::kCustom) {
        const bool known = std::any_of(
            known_custom_fields.begin(), known_custom_fields.end(),
            [&](const std::string& field) { return EqualsIgnoreCase(field, var.custom_key); });
        if (!known && add_once(&validation.unknown_variables, var.name)) {
          validation.warnings.push_back(MakeDiagnostic(
              parts[p].name, parts[p].source, node.offset,
              StrCat("unknown variable '", var.name,
                     "': not a built-in field nor a custom field of this workspace's contacts"),
              Diagnostic::Severity::kWarning));
        }
      }
      if (node.kind == Node::Kind::kVar && !var.has_fallback && !var.guarded &&
          internal::KindOf(var.field) != FieldKind::kSystem &&
          add_once(&validation.variables_without_fallback, var.name)) {
        validation.warnings.push_back(MakeDiagnostic(
            parts[p].name, parts[p].source, node.offset,
            StrCat("'", var.name, "' has no fallback: it renders empty when missing (write {{",
                   var.name, " | default: \"...\"}})"),
            Diagnostic::Severity::kWarning));
      }
    }
  }
  return validation;
}

}  // namespace cadent::templating
