// `cadent db status|migrate`: the database's location, schema version and size.
#include <ostream>

#include "CLI/CLI.hpp"
#include "cli/cli.hpp"
#include "cli/output.hpp"

namespace cadent::cli {
namespace {

Status PrintStatus(Context& context) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(DatabaseStatus status, db->Status());
  context.out() << Dump({{"backend", status.backend},
                         {"location", status.location},
                         {"schema_version", status.schema_version},
                         {"latest_schema_version", status.latest_schema_version},
                         {"workspaces", status.workspaces},
                         {"contacts", status.contacts}})
                << "\n";
  return OkStatus();
}

}  // namespace

void AddDbCommand(CLI::App& app, Context& context) {
  CLI::App* db = app.add_subcommand("db", "Database status and migrations");
  db->require_subcommand(1);
  db->add_subcommand("status", "Print the database's location, schema version and counts")
      ->callback([&context] {
        if (Status s = PrintStatus(context); !s.ok()) context.Fail(s);
      });
  db->add_subcommand("migrate",
                     "Create the database or apply pending migrations (also done on every open)")
      ->callback([&context] {
        if (Status s = PrintStatus(context); !s.ok()) context.Fail(s);
      });
}

}  // namespace cadent::cli
