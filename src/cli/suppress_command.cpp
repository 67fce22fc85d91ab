// `cadent suppress add|remove|list|import|check`: the addresses and domains never written to.
#include <ostream>

#include "CLI/CLI.hpp"
#include "cli/cli.hpp"
#include "cli/output.hpp"
#include "core/common/strings.hpp"
#include "core/contacts/normalize.hpp"
#include "core/csv/csv_reader.hpp"

namespace cadent::cli {
namespace {

struct SuppressArgs {
  std::vector<std::string> values;
  std::string file;
  std::string reason = "manual";
  bool global = false;
  int limit = 100;
  int64_t after = 0;
};

std::optional<WorkspaceId> ScopeOf(Context& context, const SuppressArgs& args) {
  if (args.global) return std::nullopt;
  return context.workspace();
}

Result<SuppressionEntry> EntryFor(Context& context, const SuppressArgs& args,
                                  std::string_view value) {
  ASSIGN_OR_RETURN(SuppressionEntry entry, ParseSuppressionValue(value));
  entry.workspace = ScopeOf(context, args);
  entry.reason = args.reason;
  return entry;
}

Status Add(Context& context, const SuppressArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  // Validate every value before storing any.
  std::vector<SuppressionEntry> entries;
  for (const std::string& value : args.values) {
    ASSIGN_OR_RETURN(SuppressionEntry entry, EntryFor(context, args, value));
    entries.push_back(std::move(entry));
  }
  ASSIGN_OR_RETURN(int64_t added, db->suppression().AddMany(entries));
  context.err() << "suppressed " << added << " new of " << entries.size()
                << (args.global ? " (global)" : "") << "\n";
  return OkStatus();
}

Status Remove(Context& context, const SuppressArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  for (const std::string& value : args.values) {
    ASSIGN_OR_RETURN(SuppressionEntry entry, EntryFor(context, args, value));
    TRY(db->suppression().Remove(entry.workspace, entry.kind, entry.value));
    context.err() << "removed '" << entry.value << "'\n";
  }
  return OkStatus();
}

Status List(Context& context, const SuppressArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(
      std::vector<SuppressionEntry> entries,
      db->suppression().List(context.workspace(), SuppressionId(args.after), args.limit));
  if (context.json()) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& e : entries) array.push_back(ToJson(e));
    context.out() << Dump(array) << "\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : entries) {
      rows.push_back({StrCat(e.id.value()), e.kind == SuppressionKind::kEmail ? "email" : "domain",
                      e.value, e.workspace ? "workspace" : "global", e.reason,
                      FormatRfc3339(e.created_at)});
    }
    PrintTable(context.out(), {"id", "kind", "value", "scope", "reason", "added"}, rows);
  }
  if (static_cast<int>(entries.size()) == args.limit) {
    context.err() << "more: --after " << entries.back().id << "\n";
  }
  return OkStatus();
}

// Reads the first column of a CSV or plain list (one value per line). A first line that is
// not an address or domain is taken as a header; other bad lines are reported and skipped.
Status Import(Context& context, const SuppressArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(auto reader, csv::Reader::OpenFile(args.file));
  std::vector<SuppressionEntry> entries;
  int64_t rejected = 0;
  csv::Record record;
  bool first = true;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->Next(&record));
    if (!more) break;
    const bool header_candidate = first;
    first = false;
    if (record.error) {
      context.err() << args.file << ": " << record.error->message << "\n";
      ++rejected;
      continue;
    }
    if (record.fields.empty() || record.fields[0].empty()) continue;
    Result<SuppressionEntry> entry = EntryFor(context, args, record.fields[0]);
    if (!entry.ok()) {
      if (header_candidate) continue;
      context.err() << args.file << ": line " << record.line << ": " << entry.status().message()
                    << "\n";
      ++rejected;
      continue;
    }
    entries.push_back(*std::move(entry));
  }
  ASSIGN_OR_RETURN(int64_t added, db->suppression().AddMany(entries));
  context.out() << Dump({{"read", static_cast<int64_t>(entries.size()) + rejected},
                         {"added", added},
                         {"already_present", static_cast<int64_t>(entries.size()) - added},
                         {"rejected", rejected}})
                << "\n";
  return OkStatus();
}

Status Check(Context& context, const SuppressArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  nlohmann::json results = nlohmann::json::array();
  for (const std::string& value : args.values) {
    ASSIGN_OR_RETURN(NormalizedEmail email, NormalizeEmail(value));
    ContactData contact;
    contact.email_normalized = email.normalized;
    contact.email_domain = email.domain_ascii;
    contact.registrable_domain = email.registrable_domain;
    ASSIGN_OR_RETURN(std::optional<SuppressionEntry> match,
                     db->suppression().Match(context.workspace(), contact));
    results.push_back({{"email", email.normalized},
                       {"suppressed", match.has_value()},
                       {"by", match ? ToJson(*match) : nlohmann::json(nullptr)}});
  }
  context.out() << Dump(results) << "\n";
  return OkStatus();
}

}  // namespace

void AddSuppressCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<SuppressArgs>();
  CLI::App* suppress = app.add_subcommand("suppress", "The suppression list");
  suppress->require_subcommand(1);
  auto scope = [args](CLI::App* sub) {
    sub->add_flag("--global", args->global, "Every workspace, not just this one");
  };

  CLI::App* add = suppress->add_subcommand("add", "Suppress addresses or whole domains");
  add->add_option("values", args->values, "Emails, or domains (acme.com, @acme.com)")->required();
  add->add_option("--reason", args->reason, "Why (kept with the entry)");
  scope(add);
  add->callback([&context, args] {
    if (Status s = Add(context, *args); !s.ok()) context.Fail(s);
  });

  CLI::App* remove = suppress->add_subcommand("remove", "Remove entries");
  remove->add_option("values", args->values, "Emails or domains")->required();
  scope(remove);
  remove->callback([&context, args] {
    if (Status s = Remove(context, *args); !s.ok()) context.Fail(s);
  });

  CLI::App* list = suppress->add_subcommand("list", "Entries of this workspace and global ones");
  list->add_option("--limit", args->limit, "Page size")->check(CLI::Range(1, 10000));
  list->add_option("--after", args->after, "Cursor: the last id of the previous page");
  list->callback([&context, args] {
    if (Status s = List(context, *args); !s.ok()) context.Fail(s);
  });

  CLI::App* import = suppress->add_subcommand("import", "Suppress every address of a file");
  import->add_option("file", args->file, "CSV (first column) or one value per line")
      ->required()
      ->check(CLI::ExistingFile);
  import->add_option("--reason", args->reason, "Why (kept with each entry)");
  scope(import);
  import->callback([&context, args] {
    if (Status s = Import(context, *args); !s.ok()) context.Fail(s);
});

CLI::App* check = suppress->add_subcommand("check", "Whether addresses are suppressed");
check->add_option("values", args->values, "Email addresses")->required();
check->callback([&context, args] {
  if (Status s = Check(context, *args); !s.ok()) context.Fail(s);
});
}  // namespace cadent::cli

}  // namespace cadent::cli
