// Template files as users keep them in version control: YAML front matter then the body,
// or one JSON object.
//
//   ---                                   {"name": "intro", "channel": "email",
//   name: intro                            "subject": "Hi {{first_name}}",
//   channel: email                         "html": "<p>...</p>", "text": "..."}
//   subject: "Quick question, {{first_name|there}}"
//   note: shorter opener
//   ---
//   <p>Hi {{first_name|there}},</p>
//
// With front matter the body is the HTML part of an email (`format: text` makes it the text
// part of a text-only email) and the whole message on the other channels. A file with
// neither is all body, its name and subject coming from command-line options.
#pragma once

#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/templating/template.hpp"

namespace cadent::cli {

struct TemplateFile {
  std::string name;  // empty when the file does not say
  std::string note;
  templating::TemplateSource source;
  bool has_channel = false;  // the file named its channel
  bool has_subject = false;
};

inline constexpr size_t kMaxTemplateFileBytes = 1024 * 1024;

// Parses a template file's text. `file` names it in errors ("intro.tmpl:3: ...").
// kInvalidArgument for bad front matter or JSON, an unknown key or channel, or a file over
// kMaxTemplateFileBytes; template syntax is checked later, by the template service.
Result<TemplateFile> ParseTemplateFile(std::string_view file, std::string_view text);

}  // namespace cadent::cli
