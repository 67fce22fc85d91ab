// The template language: compile a message template once, render it for many contacts.
//
// The language is documented with examples in docs/TEMPLATES.md. In short:
//   {{first_name}}  {{ firstName }}  {firstName}  {{custom.industry}}  {{sender.signature}}
//   {{first_name | default: "there"}}  {{first_name|there}}  {{{sender.signature}}}
//   {{#if company}}...{{else}}...{{/if}}  {{spin: Hi | Hello | Hey}}  \{{ (literal braces)
//
// Threading: a CompiledTemplate is immutable and may be rendered from any number of threads
// at once; a Rendered belongs to one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/contacts/contact.hpp"

namespace cadent::templating {

// How a message travels. kWebhook is a sequence's webhook step (an HTTP POST of the contact
// and campaign to the user's URL): a message kind, never a template's channel.
enum class Channel { kEmail, kLinkedInInvite, kLinkedInMessage, kSms, kWebhook };

// "email", "linkedin_invite", "linkedin_message", "sms", "webhook".
std::string_view ToString(Channel channel);
std::optional<Channel> ParseChannel(std::string_view text);

// What the user wrote. Email: `subject` and `html`, and optionally `text` (generated from the
// html when empty); an email may also be text only (html empty, text set). The other channels
// use `text` only: a subject or html there is a compile error.
struct TemplateSource {
  Channel channel = Channel::kEmail;
  std::string subject;
  std::string html;
  std::string text;
};

// Bounds on templates and the channels' hard limits. Exceeding a source bound is a compile
// error; exceeding a channel limit at render time is an error for that contact.
struct Limits {
  size_t max_source_bytes = 256 * 1024;  // per part (subject, html, text)
  int max_nesting = 16;                  // nested {{#if}} blocks
  size_t linkedin_invite_chars = 300;    // 200 for free LinkedIn accounts
  size_t linkedin_message_chars = 8000;
  int sms_max_segments = 10;  // concatenated SMS parts
};

// One problem in a template, located in the part it came from. Line and column are 1-based;
// the column counts code points.
struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string part;  // "subject", "html" or "text"
  int line = 0;
  int column = 0;
  std::string message;

  // "html:3:14: unclosed {{#if company}}"
  std::string ToString() const;
};

// The result of checking a template on save.
struct Validation {
  std::vector<Diagnostic> errors;    // syntax and limit errors: the template cannot be saved
  std::vector<Diagnostic> warnings;  // one per unknown variable / variable without fallback
  // Variables that are neither built in nor among the workspace's known custom fields
  // (canonical spelling; a custom field by its name: "industry"), each once, in order.
  std::vector<std::string> unknown_variables;
  // Variables that can render empty: no fallback and not guarded by an {{#if}} on the same
  // variable. System fields (always present) are not listed.
  std::vector<std::string> variables_without_fallback;

  bool ok() const { return errors.empty(); }
};

// Checks `source` for syntax errors (all parts, every error found) and names unknown
// variables; `known_custom_fields` are the custom field names present in the workspace's
// contacts. Never fails: problems are in the returned Validation.
Validation Validate(const TemplateSource& source, std::span<const std::string> known_custom_fields,
                    const Limits& limits = {});

// The compiled form: an ops vector over precomputed static chunks. Cheap to copy (shared,
// immutable state). Rendering does no parsing.
class CompiledTemplate {
 public:
  struct Impl;

  Channel channel() const;
  const Limits& limits() const;
  // Every variable the template refers to (canonical names), once each, in order.
  const std::vector<std::string>& variables() const;
  // True when the text part is generated from the html.
  bool text_from_html() const;

  // Internal: built by Compile.
  explicit CompiledTemplate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

// Compiles `source`. InvalidArgument with the first error, e.g.
// "html:3:14: unclosed {{#if company}}" (Validate lists all of them).
Result<CompiledTemplate> Compile(const TemplateSource& source, const Limits& limits = {});

// The sender's own fields ({{sender.first_name}}, {{sender.signature}}, ...). Trusted: these
// may be inserted raw.
struct SenderFields {
  std::string first_name;
  std::string last_name;
  std::string email;
  std::string signature;
  std::string company;
};

struct RenderContext {
  const ContactData* contact = nullptr;  // required
  const SenderFields* sender = nullptr;  // optional: sender fields render empty without it
  std::string_view unsubscribe_url;      // {{unsubscribe_url}}
  std::string_view day_of_week;          // {{day_of_week}}: the recipient's local weekday
  uint64_t spin_seed = 0;                // SpinSeed(contact id, step id)
};

// One <a href> in the rendered html.
struct Link {
  std::string url;    // the href value, HTML entities decoded
  std::string text;   // the anchor's visible text: tags dropped, entities decoded
  size_t offset = 0;  // byte offset of the href value in Rendered::html (as written there)
  size_t length = 0;  // its length in bytes: html.replace(offset, length, new) rewrites it
};

struct Rendered {
  enum class SmsEncoding { kGsm7, kUcs2 };

  std::string subject;      // email only; never contains CR, LF, NUL or other control characters
  std::string html;         // email only
  std::string text;         // email text body, or the whole message on other channels
  std::vector<Link> links;  // email html links, in document order
  int sms_segments = 0;     // sms only
  SmsEncoding sms_encoding = SmsEncoding::kGsm7;
  size_t characters = 0;  // code points of `text` (what channel limits count)
  // Variables that rendered empty with no fallback, canonical names, once each. The views
  // point into the CompiledTemplate (or static storage): valid while the template lives.
  std::vector<std::string_view> empty_variables;

  // Empties every field, keeping capacity.
  void clear();
};

// Renders `compiled` for one contact into `out`, reusing its buffers: once warmed, a render
// allocates nothing unless the output grows. InvalidArgument when a channel's hard limit is
// exceeded ("linkedin invitation note is 412 characters; the limit is 300"); the message is
// never truncated. Contact values that are not valid UTF-8 render with U+FFFD in place of
// each bad sequence. Thread-safe for distinct `out`.
Status Render(const CompiledTemplate& compiled, const RenderContext& context, Rendered& out);

// The variables (canonical names) this template would render empty, with no fallback, for
// this contact: the "missing data" report. Ignores channel limits and system fields.
std::vector<std::string> MissingVariables(const CompiledTemplate& compiled,
                                          const ContactData& contact,
                                          const SenderFields* sender = nullptr);

// The spintax seed for one (contact, step): splitmix64(splitmix64(contact_id) ^ step_id).
// Stable across versions and machines: previews, retries and sends agree.
uint64_t SpinSeed(int64_t contact_id, int64_t step_id);

// Makes any header value safe in place (the rule Render applies to subjects): control
// characters (C0 including CR, LF, NUL and tab; DEL; U+0085, U+2028, U+2029) and runs of
// spaces become one space, and leading and trailing spaces are dropped.
void MakeHeaderSafe(std::string& value);

// SMS segmentation the carrier way: GSM 03.38 (extension characters count 2 septets and are
// never split) at 160 septets single / 153 per part, otherwise UCS-2 at 70 / 67 UTF-16 code
// units (surrogate pairs never split). Empty text is 0 segments.
struct SmsCount {
  Rendered::SmsEncoding encoding = Rendered::SmsEncoding::kGsm7;
  int segments = 0;
  size_t units = 0;  // septets (GSM-7) or UTF-16 code units (UCS-2)
};
SmsCount CountSms(std::string_view utf8_text);

}  // namespace cadent::templating
