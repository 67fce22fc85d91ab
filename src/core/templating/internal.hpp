// Internals of the template language shared by the compiler and the renderer: the parsed
// node list, the compiled ops, and the HTML-to-text converter.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/templating/template.hpp"

namespace cadent::templating::internal {

// Where a variable's value comes from.
enum class Field : uint8_t {
  kFirstName,
  kLastName,
  kCompany,
  kTitle,
  kEmail,
  kPhone,
  kLinkedInUrl,
  kCountry,
  kTimeZone,
  kSenderFirstName,
  kSenderLastName,
  kSenderEmail,
  kSenderSignature,
  kSenderCompany,
  kUnsubscribeUrl,
  kDayOfWeek,
  kCustom,
};

enum class FieldKind { kContact, kSender, kSystem, kCustom };
FieldKind KindOf(Field field);
std::string_view CanonicalName(Field field);  // not for kCustom

// How a value is written into its part.
enum class Escape : uint8_t {
  kHtml,        // HTML-escaped (& < > " ')
  kRawHtml,     // as is ({{{x}}} or | raw, trusted fields only)
  kText,        // plain text (text parts, subject)
  kHtmlToText,  // a raw HTML value inside a text part generated from the html
};

// A reference to a variable, resolved at compile time.
struct VarRef {
  Field field = Field::kCustom;
  std::string custom_key;  // kCustom: the custom field name as written
  std::string name;        // canonical: "first_name", "sender.signature", "industry"
  bool raw = false;
  bool has_fallback = false;
  std::string fallback;
  bool guarded = false;  // inside {{#if name}} (or the else of {{#unless name}})
};

// The parsed form of one part, before lowering to ops.
struct Node {
  enum class Kind {
    kText,        // literal text (escapes already resolved)
    kVar,         // a variable
    kIf,          // {{#if var}} (negate: {{#unless var}})
    kElse,        // {{else}}
    kEndIf,       // {{/if}}
    kSpin,        // {{spin: a | b}}
    kHrefBegin,   // html only: the href value of an <a> starts here
    kHrefEnd,     // ... and ends here
    kAnchorText,  // the anchor's content starts here
    kAnchorEnd,   // the anchor's content ends here (before </a>)
  };
  Kind kind = Kind::kText;
  std::string text;
  VarRef var;
  bool negate = false;
  std::vector<std::string> options;
  int spin_index = 0;
  // kHrefEnd / kAnchorEnd: the href or the anchor's content had no variable, so `text`
  // holds the decoded url / the visible text, computed at compile time.
  bool is_static = false;
  size_t offset = 0;  // byte offset in the part's source (diagnostics)
};

struct ParseError {
  size_t offset = 0;
  std::string message;
};

// Parses one part. Errors are collected (parsing continues where it can).
struct ParsedPart {
  std::vector<Node> nodes;
  std::vector<ParseError> errors;
};
ParsedPart ParsePart(std::string_view source, const Limits& limits, int* spin_counter);

// Splits text nodes of an html part to insert the link markers.
std::vector<Node> MarkLinks(std::vector<Node> nodes);

// Derives the text part's nodes from the (link-marked) html part's nodes.
std::vector<Node> DeriveText(const std::vector<Node>& html);

// Line and column (1-based, column in code points) of a byte offset.
std::pair<int, int> LineColumn(std::string_view source, size_t offset);

enum class OpKind : uint8_t {
  kLiteral,    // arena[a, a+b)
  kVar,        // field/custom; fallback arena[a, a+b) when has_fallback
  kIfAbsent,   // jump when the variable is absent
  kIfPresent,  // jump when present ({{#unless}})
  kJump,
  kSpin,  // option spans spin_options[a, a+b), occurrence `index`
  kHrefBegin,
  kHrefEnd,
  kAnchorText,
  kAnchorEnd,
};

struct Op {
  OpKind kind = OpKind::kLiteral;
  Escape escape = Escape::kText;
  Field field = Field::kCustom;
  bool has_fallback = false;
  bool precomputed = false;  // kHrefEnd/kAnchorEnd: the url/text is arena[a, a+b)
  uint32_t a = 0;
  uint32_t b = 0;
  // kLiteral: its code points; kVar: custom key index; kIf*/kJump: jump target; kSpin: the
  // spin occurrence.
  uint32_t index = 0;
  // kVar: index into names; kIf*: custom key index.
  uint32_t name = 0;
};

struct Span32 {
  uint32_t offset = 0;
  uint32_t length = 0;
};

}  // namespace cadent::templating::internal

namespace cadent::templating {

struct CompiledTemplate::Impl {
  Channel channel = Channel::kEmail;
  Limits limits;
  std::string arena;                     // every static chunk, fallback and spin option
  std::vector<std::string> names;        // canonical names referenced by ops
  std::vector<std::string> custom_keys;  // custom field keys referenced by ops
  std::vector<internal::Span32> spin_options;
  std::vector<internal::Op> subject;
  std::vector<internal::Op> html;
  std::vector<internal::Op> text;
  bool has_subject = false;
  bool has_html = false;
  bool has_text = false;
  bool text_from_html = false;
  std::vector<std::string> variables;
};

}  // namespace cadent::templating

namespace cadent::templating::internal {

// A streaming HTML-to-text converter: feed it HTML in chunks; it writes readable text to
// `*out` (which the caller may swap between chunks). No allocation of its own.
// Rules: <br> is a line break; p, div, headings, lists, tables and blockquote are blocks
// (a blank line, or a line break for div/li/tr); <li> starts "- " (or "1. " in <ol>);
// script, style, head and title are dropped with their content; comments are dropped;
// entities are decoded; runs of whitespace become one space.
class HtmlToText {
 public:
  explicit HtmlToText(std::string* out) : out_(out) {}
  void set_output(std::string* out) { out_ = out; }

  void Feed(std::string_view html);
  // Something opaque (a variable's value) is written next: pending whitespace is written.
  void Opaque();
  // Writes `text` inline (after pending whitespace, or none when text starts with a space).
  void Inline(std::string_view text);
  // True while inside a tag, a comment or dropped content (no visible text is produced).
  bool hidden() const { return state_ != State::kData || skip_depth_ > 0; }

 private:
  enum class State { kData, kTagName, kTag, kTagQuote, kComment, kEntity };
  void Visible(std::string_view text);
  void Break(int newlines);
  void EndTagName();
  void EndTag();
  void EndEntity(bool terminated);

  std::string* out_;
  State state_ = State::kData;
  bool emitted_ = false;  // anything visible written yet
  bool pending_space_ = false;
  int pending_break_ = 0;  // newlines wanted before the next visible text
  int trailing_newlines_ = 0;
  char quote_ = 0;
  bool closing_ = false;
  std::array<char, 16> tag_{};
  size_t tag_length_ = 0;
  bool tag_overflow_ = false;
  std::array<char, 16> entity_{};
  size_t entity_length_ = 0;
  int skip_depth_ = 0;  // inside script/style/head/title
  int comment_dashes_ = 0;
  std::array<int, 8> lists_{};  // 0 = ul, n>0 = next number in ol
  int list_depth_ = 0;
};

// Code points in valid UTF-8 text (bytes that are not continuation bytes).
size_t CountCodePoints(std::string_view text);

// The readable text of an HTML fragment (HtmlToText over the whole of it).
std::string HtmlFragmentToText(std::string_view html);

// Decodes HTML entities in `html` into `out` (appending).
void AppendDecodedEntities(std::string_view html, std::string* out);

}  // namespace cadent::templating::internal
