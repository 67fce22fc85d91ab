#include "cli/campaign_file.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/common/strings.hpp"
#include "core/csv/utf8.hpp"
#include "nlohmann/json.hpp"
#include "yaml-cpp/depthguard.h"
#include "yaml-cpp/yaml.h"

namespace cadent::cli {
namespace {

using nlohmann::json;

// As ParseCampaignJson; refused here already so that the error can name the line.
constexpr int kMaxDepth = 32;
// Nodes produced by the conversion, aliases expanded: a few anchors that refer to each
// other can otherwise stand for billions of nodes.
constexpr size_t kMaxNodes = 50'000;

// A path as engine/campaign_json writes it, for keys it writes unquoted.
bool PlainKey(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

int LineOf(const YAML::Mark& mark) { return mark.is_null() ? 0 : mark.line + 1; }

// A plain (unquoted) scalar's type per the YAML 1.2 core schema, as far as a campaign file
// needs: booleans, null, decimal integers and floats. Anything else (dates, "0x1F", ".inf")
// stays text.
json PlainScalar(const std::string& text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  std::string_view digits(text);
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
  if (!digits.empty() &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::string_view number(text);
    if (number.front() == '+') number.remove_prefix(1);
    int64_t value = 0;
    if (std::from_chars(number.data(), number.data() + number.size(), value).ec == std::errc()) {
      return value;
    }
    uint64_t big = 0;
    if (number.front() != '-' &&
        std::from_chars(number.data(), number.data() + number.size(), big).ec == std::errc()) {
      return big;
    }
    return text;  // out of any integer's range: left as text, refused where a number is due
  }
  // [-+]? ( \.[0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
  size_t i = 0;
  const size_t n = text.size();
  auto digit = [&](size_t at) { return at < n && text[at] >= '0' && text[at] <= '9'; };
  if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
  size_t mantissa = 0;
  while (digit(i)) ++i, ++mantissa;
  bool dot = false;
  if (i < n && text[i] == '.') {
    dot = true;
    ++i;
    while (digit(i)) ++i, ++mantissa;
  }
  if (mantissa == 0) return text;
  bool exponent = false;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    size_t j = i + 1;
    if (j < n && (text[j] == '+' || text[j] == '-')) ++j;
    if (!digit(j)) return text;
    while (digit(j)) ++j;
    i = j;
    exponent = true;
  }
  if (i != n || (!dot && !exponent)) return text;
  std::string_view number(text);
  if (number.front() == '+') number.remove_prefix(1);
  double value = 0;
  if (std::from_chars(number.data(), number.data() + number.size(), value).ec != std::errc()) {
    return text;
  }
  return value;
}

// YAML node -> JSON tree, recording the line of every path for error messages.
class Converter {
 public:
  explicit Converter(std::string_view file) : file_(file) {}

  // False on a problem that stops the conversion (fatal_ says which). `path` is the node's
  // path as the JSON parser will name it; empty below a key it would quote (not recorded).
  bool Convert(const YAML::Node& node, const std::string& path, int depth, json& out) {
    if (++nodes_ > kMaxNodes) {
      fatal_ = StrCat(Where(node), "the file stands for more than ", kMaxNodes,
                      " values (anchors and aliases expanded)");
      return false;
    }
    if (depth > kMaxDepth) {
      fatal_ = StrCat(Where(node), "nested deeper than ", kMaxDepth,
                      " levels; a campaign definition is not");
      return false;
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out = nullptr;
        return true;
      case YAML::NodeType::Scalar: {
        const std::string& tag = node.Tag();
        // "!" is the tag of a quoted (or block) scalar: always text.
        if (tag == "!" || tag == "tag:yaml.org,2002:str") {
          out = node.Scalar();
        } else {
          out = PlainScalar(node.Scalar());
        }
        return true;
      }
      case YAML::NodeType::Sequence: {
        out = json::array();
        size_t index = 0;
        for (const YAML::Node& item : node) {
          const std::string item_path = path.empty() ? "" : StrCat(path, "[", index, "]");
          Remember(item_path, LineOf(item.Mark()));
          json value;
          if (!Convert(item, item_path, depth + 1, value)) return false;
          out.push_back(std::move(value));
          ++index;
        }
        return true;
      }
      case YAML::NodeType::Map: {
        out = json::object();
        for (const auto& entry : node) {
          if (!entry.first.IsScalar()) {
            fatal_ = StrCat(Where(entry.first), "a key must be plain text");
            return false;
          }
          const std::string& key = entry.first.Scalar();
          const int line = LineOf(entry.first.Mark());
          if (out.contains(key)) {
            errors_.push_back(
                StrCat(Prefix(line), "duplicate key \"", key, "\" (each key may appear once)"));
            continue;
          }
          std::string key_path;
          if (PlainKey(key) && (depth == 0 || !path.empty())) {
            key_path = depth == 0 ? key : StrCat(path, ".", key);
            Remember(key_path, line);
          }
          json value;
          if (!Convert(entry.second, key_path, depth + 1, value)) return false;
          out[key] = std::move(value);
        }
        return true;
      }
    }
    return true;
  }

  const std::string& fatal() const { return fatal_; }
  const std::vector<std::string>& errors() const { return errors_; }

  // The line of a path, or of its nearest ancestor that has one; 0 when none does.
  int Line(std::string_view path) const {
    while (!path.empty()) {
      if (const auto it = lines_.find(std::string(path)); it != lines_.end()) return it->second;
      const size_t cut = path.back() == ']' ? path.rfind('[') : path.find_last_of(".[");
      if (cut == std::string_view::npos || cut == 0) break;
      path = path.substr(0, cut);
    }
    return 0;
  }

  std::string Prefix(int line) const {
    return line > 0 ? StrCat(file_, ":", line, ": ") : StrCat(file_, ": ");
  }

 private:
  std::string Where(const YAML::Node& node) const { return Prefix(LineOf(node.Mark())); }

  void Remember(const std::string& path, int line) {
    if (line > 0 && !path.empty()) lines_.emplace(path, line);  // an alias keeps the first
  }

  std::string_view file_;
  size_t nodes_ = 0;
  std::string fatal_;
  std::vector<std::string> errors_;
  std::unordered_map<std::string, int> lines_;
};

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += "\n";
    out += line;
  }
  return out;
}

// Each line of a ParseCampaignJson error is "path: message": prefixed with the file and
// the path's line when the YAML had it.
Status WithLines(const Status& status, const Converter* converter, std::string_view file) {
  std::vector<std::string> lines;
  std::string_view message = ToStd(status.message());
  while (!message.empty()) {
    const size_t end = message.find('\n');
    const std::string_view line = message.substr(0, end);
    int at = 0;
    if (converter != nullptr) {
      if (const size_t colon = line.find(": "); colon != std::string_view::npos) {
        at = converter->Line(line.substr(0, colon));
      }
    }
    lines.push_back(at > 0 ? StrCat(file, ":", at, ": ", line) : StrCat(file, ": ", line));
    if (end == std::string_view::npos) break;
    message.remove_prefix(end + 1);
  }
  return Status(status.code(), JoinLines(lines));
}

Result<CampaignDefinition> ParseYaml(std::string_view file, std::string_view text) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    return absl::InvalidArgumentError(StrCat(file, ":", e.mark.line + 1, ":", e.mark.column + 1,
                                             ": nested deeper than ", kMaxDepth,
                                             " levels; a campaign definition is not"));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        StrCat(file, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  if (documents.size() > 1) {
    return absl::InvalidArgumentError(
        StrCat(file, ":", LineOf(documents[1].Mark()),
               ": a second YAML document (after ---); a campaign file holds one campaign"));
  }
  if (documents.empty() || documents[0].IsNull()) {
    return absl::InvalidArgumentError(
        StrCat(file,
               ": the file is empty; a campaign file holds name:, steps: and the settings "
               "(docs/CAMPAIGNS.md)"));
  }
  Converter converter(file);
  json tree;
  bool converted = false;
  try {
    converted = converter.Convert(documents[0], "", 0, tree);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat(file, ":", e.mark.line + 1, ": ", e.msg));
  }
  if (!converted) return absl::InvalidArgumentError(converter.fatal());
  if (!converter.errors().empty()) {
    return absl::InvalidArgumentError(JoinLines(converter.errors()));
  }
  Result<CampaignDefinition> definition =
      ParseCampaignJson(tree.dump(-1, ' ', false, json::error_handler_t::replace));
  if (!definition.ok()) return WithLines(definition.status(), &converter, file);
  return definition;
}

}  // namespace

Result<CampaignDefinition> ParseCampaignFile(std::string_view file, std::string_view text) {
  if (text.size() > kMaxCampaignFileBytes) {
    return absl::InvalidArgumentError(StrCat(file, ": ", text.size(),
                                             " bytes; a campaign file is at most ",
                                             kMaxCampaignFileBytes, " bytes"));
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
  if (const size_t bad = csv::FindInvalidUtf8(text); bad != std::string_view::npos) {
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + bad, '\n'));
    return absl::InvalidArgumentError(
        StrCat(file, ":", line, ": not valid UTF-8 (byte ", bad + 1, "); save the file as UTF-8"));
  }
  if (text.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(StrCat(file, ": contains a NUL byte; not a text file"));
  }
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    Result<CampaignDefinition> definition = ParseCampaignJson(text);
    if (!definition.ok()) return WithLines(definition.status(), nullptr, file);
    return definition;
  }
  return ParseYaml(file, text);
}

}  // namespace cadent::cli
