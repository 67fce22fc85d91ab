// `cadent import contacts FILE ...` and `cadent imports list|show`.
#include <filesystem>
#include <ostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "cli/cli.hpp"
#include "cli/output.hpp"
#include "core/common/strings.hpp"
#include "engine/contact_import.hpp"

namespace cadent::cli {
namespace {

struct ImportFlags {
  std::string file;
  std::string list;
  std::vector<std::string> maps;
  std::string on_duplicate = "skip";
  bool again = false;
  int batch_rows = 5000;
};

Result<std::vector<std::pair<std::string, std::string>>> ParseMaps(
    const std::vector<std::string>& maps) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& map : maps) {
    const size_t eq = map.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == map.size()) {
      return absl::InvalidArgumentError(StrCat(
          "--map wants \"Column header=field\" (field: email, first_name, ..., custom.NAME or "
          "ignore), got '",
          map, "'"));
    }
    out.emplace_back(map.substr(0, eq), map.substr(eq + 1));
  }
  return out;
}

// Progress on stderr: a redrawn bar on a terminal, a plain line per 10% otherwise.
class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& err, bool terminal) : err_(err), terminal_(terminal) {}

  void Update(const ImportProgress& p) {
    const int percent =
        p.bytes_total > 0 ? static_cast<int>(100 * p.bytes_done / p.bytes_total) : 100;
    if (terminal_) {
      constexpr int kWidth = 30;
      const int filled = percent * kWidth / 100;
      err_ << absl::StreamFormat(
                  "\r[%s%s] %3d%%  %d rows: %d imported, %d updated, %d duplicates, "
                  "%d suppressed, %d rejected",
                  std::string(filled, '#'), std::string(kWidth - filled, '.'), percent,
                  p.counts.total, p.counts.imported, p.counts.updated, p.counts.duplicates,
                  p.counts.suppressed, p.counts.rejected)
           << std::flush;
      drawn_ = true;
    } else if (percent / 10 > last_decile_) {
      last_decile_ = percent / 10;
      err_ << absl::StreamFormat("import: %d%% (%d rows)\n", percent, p.counts.total);
    }
  }
  void Finish() {
    if (drawn_) err_ << "\n";
  }

 private:
  std::ostream& err_;
  bool terminal_;
  bool drawn_ = false;
  int last_decile_ = 0;
};

Status ImportContacts(Context& context, const ImportFlags& flags) {
  ImportOptions options;
  options.path = flags.file;
  if (!flags.list.empty()) options.list = flags.list;
  ASSIGN_OR_RETURN(options.mappings, ParseMaps(flags.maps));
  std::optional<DuplicatePolicy> policy = ParseDuplicatePolicy(flags.on_duplicate);
  if (!policy) {
    return absl::InvalidArgumentError(
        StrCat("--on-duplicate wants skip, update or fill-empty, got '", flags.on_duplicate, "'"));
  }
  options.policy = *policy;
  options.again = flags.again;
  options.batch_rows = flags.batch_rows;
  // Error reports live beside the database.
  options.report_dir =
      (std::filesystem::path(context.db_path()).parent_path() / "imports").string();

  ASSIGN_OR_RETURN(Database * db, context.Db());
  ContactImporter importer(db->imports(), db->lists(), db->suppression(), context.clock());
  ProgressPrinter progress(context.err(), context.env().err_is_terminal);
  Result<ImportResult> result = importer.Run(context.workspace(), options,
                                             [&](const ImportProgress& p) { progress.Update(p); });
  progress.Finish();
  if (!result.ok()) return result.status();

  nlohmann::json summary = ToJson(result->record);
  switch (result->start) {
    case ImportResult::Start::kNew:
      summary["start"] = "new";
      break;
    case ImportResult::Start::kResumed:
      summary["start"] = "resumed";
      context.err() << "cadent: resumed import " << result->record.id << " after an interruption\n";
      break;
    case ImportResult::Start::kAlreadyImported:
      summary["start"] = "already_imported";
      context.err() << "cadent: this file was already imported (import " << result->record.id
                    << ", " << FormatRfc3339(result->record.created_at)
                    << "); nothing to do. Use --again to import it again.\n";
      break;
  }
  context.out() << Dump(summary) << "\n";
  return OkStatus();
}

Status ListImports(Context& context) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(std::vector<ImportRecord> imports, db->imports().List(context.workspace(), 100));
  if (context.json()) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& r : imports) array.push_back(ToJson(r));
    context.out() << Dump(array) << "\n";
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : imports) {
    rows.push_back({StrCat(r.id.value()), FormatRfc3339(r.created_at),
                    std::string(ToString(r.status)), StrCat(r.counts.total),
                    StrCat(r.counts.imported), StrCat(r.counts.updated),
                    StrCat(r.counts.duplicates), StrCat(r.counts.suppressed),
                    StrCat(r.counts.rejected), r.spec.file_name});
  }
  PrintTable(context.out(),
             {"id", "started", "status", "rows", "imported", "updated", "duplicates", "suppressed",
              "rejected", "file"},
             rows);
  return OkStatus();
}

Status ShowImport(Context& context, int64_t id) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(ImportRecord record, db->imports().Get(context.workspace(), ImportId(id)));
  context.out() << Dump(ToJson(record)) << "\n";
  return OkStatus();
}

}  // namespace

void AddImportCommand(CLI::App& app, Context& context) {
  auto flags = std::make_shared<ImportFlags>();
  CLI::App* import = app.add_subcommand("import", "Import data from files");
  import->require_subcommand(1);
  CLI::App* contacts = import->add_subcommand("contacts", "Import contacts from a CSV file");
  contacts->add_option("file", flags->file, "CSV file (, ; tab or | separated; UTF-8)")
      ->required()
      ->check(CLI::ExistingFile);
  contacts->add_option("--list", flags->list, "Add the contacts to this list (created if absent)");
  contacts->add_option("--map", flags->maps,
                       "\"Column header=field\": field is email, first_name, last_name, "
                       "full_name, company, title, phone, linkedin_url, linkedin_provider_id, "
                       "country, time_zone, custom.NAME or ignore (repeatable)");
  contacts
      ->add_option("--on-duplicate", flags->on_duplicate,
                   "When a contact exists: skip, update (file values win) or fill-empty")
      ->check(CLI::IsMember({"skip", "update", "fill-empty"}));
  contacts->add_flag("--again", flags->again, "Import a file that was already imported");
  contacts->add_option("--batch", flags->batch_rows, "Rows per transaction")
      ->check(CLI::Range(1, 1000000));
  contacts->callback([&context, flags] {
    if (Status s = ImportContacts(context, *flags); !s.ok()) context.Fail(s);
  });

  auto import_id = std::make_shared<int64_t>(0);
  CLI::App* imports = app.add_subcommand("imports", "Past imports and their counts");
  imports->require_subcommand(1);
  imports->add_subcommand("list", "The latest imports")->callback([&context] {
    if (Status s = ListImports(context); !s.ok()) context.Fail(s);
  });
  CLI::App* show = imports->add_subcommand("show", "One import as JSON");
  show->add_option("id", *import_id, "Import id")->required();
  show->callback([&context, import_id] {
    if (Status s = ShowImport(context, *import_id); !s.ok()) context.Fail(s);
  });
}

}  // namespace cadent::cli
