// The template parser: source text to a node list, with variable names resolved.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/strings.hpp"
#include "core/templating/internal.hpp"

namespace cadent::templating::internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '-'; }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Lower case without '_' and '-': "firstName", "first_name" and "First-Name" all match.
std::string Fold(std::string_view name) {
  std::string folded;
  for (char c : name) {
    if (c != '_' && c != '-') folded.push_back(Lower(c));
  }
  return folded;
}

struct Alias {
  std::string_view folded;
  Field field;
};
constexpr Alias kContactAliases[] = {
    {"firstname", Field::kFirstName},
    {"lastname", Field::kLastName},
    {"company", Field::kCompany},
    {"companyname", Field::kCompany},
    {"title", Field::kTitle},
    {"jobtitle", Field::kTitle},
    {"email", Field::kEmail},
    {"phone", Field::kPhone},
    {"linkedinurl", Field::kLinkedInUrl},
    {"country", Field::kCountry},
    {"timezone", Field::kTimeZone},
    {"unsubscribeurl", Field::kUnsubscribeUrl},
    {"dayofweek", Field::kDayOfWeek},
};
constexpr Alias kSenderAliases[] = {
    {"firstname", Field::kSenderFirstName}, {"lastname", Field::kSenderLastName},
    {"email", Field::kSenderEmail},         {"signature", Field::kSenderSignature},
    {"company", Field::kSenderCompany},     {"companyname", Field::kSenderCompany},
};

template <size_t N>
std::optional<Field> FindAlias(const Alias (&aliases)[N], std::string_view folded) {
  for (const Alias& alias : aliases) {
    if (alias.folded == folded) return alias.field;
  }
  return std::nullopt;
}

bool IsIdentifier(std::string_view name) {
  if (name.empty() || !IsIdentStart(name[0])) return false;
  return std::all_of(name.begin(), name.end(), IsIdentChar);
}

// Resolves a variable name; nullopt (with `error` set) when it is malformed.
std::optional<VarRef> Resolve(std::string_view name, std::string* error) {
  VarRef ref;
  if (name.starts_with("custom.")) {
    const std::string_view key = Trim(name.substr(7));
    if (key.empty() || key.find_first_of("{}|\"") != std::string_view::npos) {
      *error = StrCat("invalid custom field name '", name, "'");
      return std::nullopt;
    }
    ref.field = Field::kCustom;
    ref.custom_key = std::string(key);
    ref.name = ref.custom_key;
    return ref;
  }
  if (name.starts_with("sender.")) {
    const auto field = FindAlias(kSenderAliases, Fold(name.substr(7)));
    if (!field.has_value() || !IsIdentifier(name.substr(7))) {
      *error = StrCat("unknown sender field '", name,
                      "' (sender.first_name, sender.last_name, sender.email, "
                      "sender.signature, sender.company)");
      return std::nullopt;
    }
    ref.field = *field;
    ref.name = std::string(CanonicalName(*field));
    return ref;
  }
  if (!IsIdentifier(name)) {
    *error = StrCat("invalid variable name '", name, "'");
    return std::nullopt;
  }
  if (const auto field = FindAlias(kContactAliases, Fold(name)); field.has_value()) {
    ref.field = *field;
    ref.name = std::string(CanonicalName(*field));
    return ref;
  }
  ref.field = Field::kCustom;
  ref.custom_key = std::string(name);
  ref.name = ref.custom_key;
  return ref;
}

// A built-in name written in single braces ({firstName}); custom fields never are.
std::optional<VarRef> ResolveSingleBrace(std::string_view name) {
  std::string error;
  if (!name.starts_with("sender.") && !IsIdentifier(name)) return std::nullopt;
  auto ref = Resolve(name, &error);
  if (!ref.has_value() || ref->field == Field::kCustom) return std::nullopt;
  return ref;
}

// Removes one pair of surrounding double quotes, resolving \" and \\ inside.
std::string Unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::string(s);
  std::string out;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == '\\' && i + 2 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) ++i;
    out.push_back(s[i]);
  }
  return out;
}

// Splits on '|' outside double quotes.
std::vector<std::string_view> SplitPipes(std::string_view s) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && quoted && i + 1 < s.size()) {
      ++i;
    } else if (s[i] == '"') {
      quoted = !quoted;
    } else if (s[i] == '|' && !quoted) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

// The end of a "{{" tag: the index of its "}}" (outside quotes), or npos.
size_t FindClose(std::string_view s, size_t from) {
  bool quoted = false;
  for (size_t i = from; i + 1 < s.size(); ++i) {
    if (s[i] == '\\' && quoted) {
      ++i;
    } else if (s[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && s[i] == '}' && s[i + 1] == '}') {
      return i;
    }
  }
  // An unbalanced quote: fall back to the first "}}".
  const size_t plain = s.find("}}", from);
  return plain;
}

class Parser {
 public:
  Parser(std::string_view source, const Limits& limits, int* spin_counter)
      : source_(source), limits_(limits), spin_counter_(spin_counter) {}

  ParsedPart Run() {
    size_t i = 0;
    const size_t n = source_.size();
    while (i < n) {
      const char c = source_[i];
      if (c == '\\' && i + 1 < n && source_[i + 1] == '{') {
        // \{ or \{{ or \{{{: the braces are text.
        ++i;
        while (i < n && source_[i] == '{') literal_.push_back(source_[i++]);
        continue;
      }
      if (c != '{') {
        const size_t next = source_.find_first_of("\\{", i + 1);
        const size_t end = next == std::string_view::npos ? n : next;
        literal_.append(source_.substr(i, end - i));
        i = end;
        continue;
      }
      if (source_.substr(i).starts_with("{{{")) {
        const size_t close = source_.find("}}}", i + 3);
        if (close == std::string_view::npos) {
          Error(i, "unclosed '{{{' (no matching '}}}')");
          break;
        }
        Variable(i, Trim(source_.substr(i + 3, close - i - 3)), /*raw=*/true);
        i = close + 3;
        continue;
      }
      if (source_.substr(i).starts_with("{{")) {
        const size_t close = FindClose(source_, i + 2);
        if (close == std::string_view::npos) {
          Error(i, "unclosed '{{' (no matching '}}')");
          break;
        }
        Tag(i, Trim(source_.substr(i + 2, close - i - 2)));
        i = close + 2;
        if (fatal_) break;
        continue;
      }
      // A single brace is a variable only around a built-in name: "{firstName}".
      size_t end = i + 1;
      while (end < n && (IsIdentChar(source_[end]) || source_[end] == '.')) ++end;
      if (end < n && source_[end] == '}' && end > i + 1) {
        if (auto ref = ResolveSingleBrace(source_.substr(i + 1, end - i - 1)); ref.has_value()) {
          AddVar(i, std::move(*ref));
          i = end + 1;
          continue;
        }
      }
      literal_.push_back('{');
      ++i;
    }
    if (!fatal_) {
      for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
        Error(it->offset, StrCat("unclosed {{", it->text, "}}"));
      }
    }
    FlushLiteral();
    return std::move(result_);
  }

 private:
  struct Open {
    size_t offset;
    std::string text;  // "#if company"
    std::string name;  // canonical variable name
    bool negate;
    bool in_else;
  };

  void Error(size_t offset, std::string message) {
    result_.errors.push_back(ParseError{offset, std::move(message)});
  }

  void FlushLiteral() {
    if (literal_.empty()) return;
    Node node;
    node.kind = Node::Kind::kText;
    node.text = std::move(literal_);
    node.offset = literal_offset_;
    result_.nodes.push_back(std::move(node));
    literal_.clear();
  }

  void Push(Node node) {
    FlushLiteral();
    result_.nodes.push_back(std::move(node));
  }

  bool Guarded(const std::string& name) const {
    for (const Open& open : open_) {
      if (open.name == name && open.negate == open.in_else) return true;
    }
    return false;
  }

  void AddVar(size_t offset, VarRef ref) {
    ref.guarded = Guarded(ref.name);
    Node node;
    node.kind = Node::Kind::kVar;
    node.var = std::move(ref);
    node.offset = offset;
    Push(std::move(node));
  }

  void Variable(size_t offset, std::string_view expression, bool raw) {
    const std::vector<std::string_view> parts = SplitPipes(expression);
    const std::string_view name = Trim(parts[0]);
    if (name.empty()) {
      Error(offset, "empty variable name");
      return;
    }
    std::string error;
    auto ref = Resolve(name, &error);
    if (!ref.has_value()) {
      Error(offset, std::move(error));
      return;
    }
    ref->raw = raw;
    for (size_t k = 1; k < parts.size(); ++k) {
      const std::string_view filter = Trim(parts[k]);
      if (filter == "raw") {
        ref->raw = true;
        continue;
      }
      std::string_view fallback = filter;
      if (filter.starts_with("default")) {
        const std::string_view rest = Trim(filter.substr(7));
        if (rest.starts_with(':')) fallback = Trim(rest.substr(1));
      }
      if (fallback.empty()) {
        Error(offset, StrCat("empty fallback for '", ref->name, "' (write {{", ref->name,
                             " | default: \"text\"}})"));
        return;
      }
      if (ref->has_fallback) {
        Error(offset, StrCat("two fallbacks for '", ref->name, "'"));
        return;
      }
      ref->has_fallback = true;
      ref->fallback = Unquote(fallback);
    }
    if (ref->raw &&
        (KindOf(ref->field) == FieldKind::kContact || KindOf(ref->field) == FieldKind::kCustom)) {
      Error(offset, StrCat("'", ref->name,
                           "' comes from contact data and is always escaped; raw output is "
                           "only for sender and system fields"));
      return;
    }
    AddVar(offset, std::move(*ref));
  }

  void Tag(size_t offset, std::string_view inner) {
    if (inner.empty()) {
      Error(offset, "empty tag '{{}}'");
      return;
    }
    if (inner[0] == '!') return;  // {{! comment }}
    if (inner.size() >= 2 && inner.front() == '"' && inner.back() == '"') {
      literal_.append(Unquote(inner));  // {{"{{"}}: a literal string
      return;
    }
    if (inner[0] == '#') {
      const std::string_view body = inner.substr(1);
      const size_t space = body.find_first_of(" \t\r\n");
      const std::string_view helper = body.substr(0, space);
      const std::string_view argument =
          space == std::string_view::npos ? std::string_view() : Trim(body.substr(space));
      if (helper != "if" && helper != "unless") {
        Error(offset, StrCat("unknown helper '", helper, "' (only #if and #unless exist)"));
        return;
      }
      if (argument.empty()) {
        Error(offset, StrCat("{{#", helper, "}} needs a variable: {{#", helper, " company}}"));
        return;
      }
      if (static_cast<int>(open_.size()) >= limits_.max_nesting) {
        Error(offset, StrCat("blocks nested deeper than ", limits_.max_nesting, " levels"));
        fatal_ = true;
        return;
      }
      std::string error;
      auto ref = Resolve(argument, &error);
      if (!ref.has_value()) {
        Error(offset, std::move(error));
        return;
      }
      Node node;
      node.kind = Node::Kind::kIf;
      node.negate = helper == "unless";
      node.offset = offset;
      open_.push_back(Open{offset, std::string(inner), ref->name, node.negate, false});
      node.var = std::move(*ref);
      Push(std::move(node));
      return;
    }
    if (inner == "else") {
      if (open_.empty()) {
        Error(offset, "{{else}} outside {{#if}}");
        return;
      }
      if (open_.back().in_else) {
        Error(offset, StrCat("second {{else}} in {{", open_.back().text, "}}"));
        return;
      }
      open_.back().in_else = true;
      Node node;
      node.kind = Node::Kind::kElse;
      node.offset = offset;
      Push(std::move(node));
      return;
    }
    if (inner[0] == '/') {
      const std::string_view closing = Trim(inner.substr(1));
      if (open_.empty()) {
        Error(offset, StrCat("{{/", closing, "}} closes nothing"));
        return;
      }
      const std::string_view expected = open_.back().negate ? "unless" : "if";
      if (closing != expected) {
        Error(offset, StrCat("{{/", closing, "}} where {{/", expected, "}} closes {{",
                             open_.back().text, "}}"));
        return;
      }
      open_.pop_back();
      Node node;
      node.kind = Node::Kind::kEndIf;
      node.offset = offset;
      Push(std::move(node));
      return;
    }
    if (inner.starts_with("spin:")) {
      Node node;
      node.kind = Node::Kind::kSpin;
      node.offset = offset;
      for (std::string_view option : SplitPipes(inner.substr(5))) {
        node.options.push_back(Unquote(Trim(option)));
      }
      node.spin_index = (*spin_counter_)++;
      Push(std::move(node));
      return;
    }
    Variable(offset, inner, /*raw=*/false);
  }

  std::string_view source_;
  const Limits& limits_;
  int* spin_counter_;
  ParsedPart result_;
  std::string literal_;
  size_t literal_offset_ = 0;
  std::vector<Open> open_;
  bool fatal_ = false;
};

}  // namespace

FieldKind KindOf(Field field) {
  switch (field) {
    case Field::kSenderFirstName:
    case Field::kSenderLastName:
    case Field::kSenderEmail:
    case Field::kSenderSignature:
    case Field::kSenderCompany:
      return FieldKind::kSender;
    case Field::kUnsubscribeUrl:
    case Field::kDayOfWeek:
      return FieldKind::kSystem;
    case Field::kCustom:
      return FieldKind::kCustom;
    default:
      return FieldKind::kContact;
  }
}

std::string_view CanonicalName(Field field) {
  switch (field) {
    case Field::kFirstName:
      return "first_name";
    case Field::kLastName:
      return "last_name";
    case Field::kCompany:
      return "company";
    case Field::kTitle:
      return "title";
    case Field::kEmail:
      return "email";
    case Field::kPhone:
      return "phone";
    case Field::kLinkedInUrl:
      return "linkedin_url";
    case Field::kCountry:
      return "country";
    case Field::kTimeZone:
      return "time_zone";
    case Field::kSenderFirstName:
      return "sender.first_name";
    case Field::kSenderLastName:
      return "sender.last_name";
    case Field::kSenderEmail:
      return "sender.email";
    case Field::kSenderSignature:
      return "sender.signature";
    case Field::kSenderCompany:
      return "sender.company";
    case Field::kUnsubscribeUrl:
      return "unsubscribe_url";
    case Field::kDayOfWeek:
      return "day_of_week";
    case Field::kCustom:
      break;
  }
  return "custom";
}

ParsedPart ParsePart(std::string_view source, const Limits& limits, int* spin_counter) {
  return Parser(source, limits, spin_counter).Run();
}

std::pair<int, int> LineColumn(std::string_view source, size_t offset) {
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < offset && i < source.size(); ++i) {
    const auto byte = static_cast<unsigned char>(source[i]);
    if (byte == '\n') {
      ++line;
      column = 1;
    } else if ((byte & 0xC0) != 0x80) {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace cadent::templating::internal
