#include "cli/cli.hpp"

#include <ostream>

#include "CLI/CLI.hpp"

namespace cadent::cli {

Result<Database*> Context::Db() {
  if (!db_) {
    ASSIGN_OR_RETURN(db_, env_.open_database(db_path_));
  }
  return db_.get();
}

void Context::Fail(const Status& status) {
  err() << "cadent: " << status.message() << "\n";
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
      exit_code_ = 2;
      break;
    default:
      exit_code_ = 1;
  }
}

int Run(int argc, const char* const* argv, Environment& env) {
  Context context(env);
  CLI::App app("cadent: a multi-channel outreach engine", "cadent");
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();
  app.add_option("--db", context.db_path_, "SQLite database file (created when absent)")
      ->envname("CADENT_DB");
  app.add_option("--workspace", context.workspace_, "Workspace id")
      ->envname("CADENT_WORKSPACE")
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", context.json_, "Print results as JSON");

  AddServeCommand(app, context);
  AddImportCommand(app, context);
  AddContactsCommand(app, context);
  AddListsCommand(app, context);
  AddSuppressCommand(app, context);
  AddDbCommand(app, context);
  AddTemplatesCommand(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, *env.out, *env.err);
    return code == 0 ? 0 : 2;
  }
  return context.exit_code();
}

}  // namespace cadent::cli
