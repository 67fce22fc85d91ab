#include "cli/template_file.hpp"

#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace cadent::cli {
namespace {

constexpr std::string_view kKeys = "name, channel, subject, note, format";

Status SetChannel(std::string_view file, std::string_view value, TemplateFile& out) {
  const std::optional<templating::Channel> channel = templating::ParseChannel(value);
  if (!channel) {
    return absl::InvalidArgumentError(
        StrCat(file, ": unknown channel '", value,
               "' (one of email, linkedin_invite, linkedin_message, sms)"));
  }
  out.source.channel = *channel;
  out.has_channel = true;
  return OkStatus();
}

Result<TemplateFile> ParseJson(std::string_view file, std::string_view text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return absl::InvalidArgumentError(
        StrCat(file, ": invalid JSON at byte ", e.byte, ": ", e.what()));
  }
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(StrCat(file, ": a JSON template file is one object"));
  }
  TemplateFile out;
  for (const auto& [key, value] : doc.items()) {
    if (!value.is_string()) {
      return absl::InvalidArgumentError(StrCat(file, ": \"", key, "\" must be a string"));
    }
    const std::string& v = value.get_ref<const std::string&>();
    if (key == "name") {
      out.name = v;
    } else if (key == "channel") {
      TRY(SetChannel(file, v, out));
    } else if (key == "subject") {
      out.source.subject = v;
      out.has_subject = true;
    } else if (key == "html") {
      out.source.html = v;
    } else if (key == "text") {
      out.source.text = v;
    } else if (key == "note") {
      out.note = v;
    } else {
      return absl::InvalidArgumentError(StrCat(
          file, ": unknown key \"", key, "\" (expected name, channel, subject, html, text, note)"));
    }
  }
  return out;
}

Result<TemplateFile> ParseFrontMatter(std::string_view file, std::string_view text) {
  // text starts with "---\n" (or "---\r\n"); the front matter ends at the next "---" line.
  const size_t first_newline = text.find('\n');
  size_t pos = first_newline + 1;
  int line = 2;
  size_t end = std::string_view::npos;
  size_t body = text.size();
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view current =
        text.substr(pos, eol == std::string_view::npos ? text.size() - pos : eol - pos);
    if (!current.empty() && current.back() == '\r') current.remove_suffix(1);
    if (current == "---") {
      end = pos;
      body = eol == std::string_view::npos ? text.size() : eol + 1;
      break;
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
    ++line;
  }
  if (end == std::string_view::npos) {
    return absl::InvalidArgumentError(
        StrCat(file, ":1: front matter opened with '---' is never closed by a '---' line"));
  }
  const std::string yaml_text(text.substr(first_newline + 1, end - first_newline - 1));
  TemplateFile out;
  bool text_format = false;
  try {
    const YAML::Node doc = YAML::Load(yaml_text);
    if (!doc.IsNull() && !doc.IsMap()) {
      return absl::InvalidArgumentError(
          StrCat(file, ":2: front matter must be 'key: value' lines (", kKeys, ")"));
    }
    for (const auto& entry : doc) {
      const std::string key = entry.first.as<std::string>();
      const int at = entry.first.Mark().line + 2;  // the opening '---' is line 1
      if (!entry.second.IsScalar()) {
        return absl::InvalidArgumentError(
            StrCat(file, ":", at, ": '", key, "' must be a single value"));
      }
      const std::string value = entry.second.as<std::string>();
      if (key == "name") {
        out.name = value;
      } else if (key == "channel") {
        TRY(SetChannel(StrCat(file, ":", at), value, out));
      } else if (key == "subject") {
        out.source.subject = value;
        out.has_subject = true;
      } else if (key == "note") {
        out.note = value;
      } else if (key == "format") {
        if (value != "html" && value != "text") {
          return absl::InvalidArgumentError(
              StrCat(file, ":", at, ": format is 'html' or 'text', not '", value, "'"));
        }
        text_format = value == "text";
      } else {
        return absl::InvalidArgumentError(
            StrCat(file, ":", at, ": unknown key '", key, "' (expected ", kKeys, ")"));
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        StrCat(file, ":", e.mark.line + 2, ":", e.mark.column + 1, ": ", e.msg));
  }
  std::string content(text.substr(body));
  if (out.source.channel == templating::Channel::kEmail && !text_format) {
    out.source.html = std::move(content);
  } else {
    out.source.text = std::move(content);
  }
  return out;
}

}  // namespace

Result<TemplateFile> ParseTemplateFile(std::string_view file, std::string_view text) {
  if (text.size() > kMaxTemplateFileBytes) {
    return absl::InvalidArgumentError(StrCat(file, ": ", text.size(),
                                             " bytes; a template file is at most ",
                                             kMaxTemplateFileBytes, " bytes"));
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
  if (text.starts_with("---\n") || text.starts_with("---\r\n")) {
    return ParseFrontMatter(file, text);
  }
  // JSON when the file says so by its name, or when it is a JSON object: a plain body may
  // start with "{firstName}" and is not JSON.
  if (file.ends_with(".json")) return ParseJson(file, text);
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{' &&
      nlohmann::json::accept(text.begin(), text.end())) {
    return ParseJson(file, text);
  }
  TemplateFile out;
  out.source.html = std::string(text);
  return out;
}

}  // namespace cadent::cli
