// The `cadent` command line: global options, the subcommands (one file each), and the
// context they share. The composition root (src/app) supplies the backend.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "channels/channel.hpp"
#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "engine/secrets.hpp"
#include "storage/database.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace cadent::cli {

// What the CLI needs from the outside world: injected so tests run it in-process.
struct Environment {
  // Opens (creating and migrating when absent) the database at `path`; `clock` (the
  // environment's, or the fixed one of --now) stamps its rows and outlives it.
  std::function<Result<std::unique_ptr<Database>>(const std::string& path, const Clock& clock)>
      open_database;
  // Opens the channel the engine sends through (`run`, `serve`): the outbox in `outbox_dir`
  // until provider adapters arrive (email issue).
  std::function<Result<std::unique_ptr<channels::Channel>>(const std::string& outbox_dir)>
      open_channel;
  Clock* clock = nullptr;
  std::ostream* out = nullptr;   // results (tables, JSON, CSV)
  std::ostream* err = nullptr;   // progress and errors
  bool err_is_terminal = false;  // draw a progress bar instead of plain lines
};

// State shared by the subcommands of one invocation.
class Context {
 public:
  explicit Context(Environment& env) : env_(env) {}

  // The database named by --db, opened on first use.
  Result<Database*> Db();
  WorkspaceId workspace() const { return WorkspaceId(workspace_); }
  bool json() const { return json_; }
  const std::string& db_path() const { return db_path_; }
  Environment& env() { return env_; }
  std::ostream& out() { return *env_.out; }
  std::ostream& err() { return *env_.err; }
  // The environment's clock, or the fixed clock of --now.
  Clock& clock() { return fixed_clock_ ? *fixed_clock_ : *env_.clock; }
  // Where the outbox of `run` and `serve` goes unless --outbox says: var/outbox beside the
  // database.
  std::string DefaultOutbox() const;
  // The channels of `run` and `serve`, by sender transport: webhooks POSTed for real
  // (signed with the workspace's secret, timestamped by clock()), email through each sender
  // account's provider (SMTP, SendGrid, Postmark, Resend, Mailgun, SES; credentials opened
  // with Secrets()), and `outbox` senders through the environment's channel (the outbox at
  // `outbox_dir`).
  Result<std::unique_ptr<channels::Channel>> OpenChannels(const std::string& outbox_dir);

  // The key sender credentials and DKIM keys are sealed with: $CADENT_SECRET_KEY (hex), or
  // the file $CADENT_SECRET_KEY_FILE, or cadent.key beside the database (made, mode 0600,
  // on first use). Loaded on first use.
  Result<const SecretBox*> Secrets();

  // Prints "cadent: <message>" and records the exit code for the status
  // (2 for bad input, 1 otherwise).
  void Fail(const Status& status);
  int exit_code() const { return exit_code_; }

 private:
  friend int Run(int argc, const char* const* argv, Environment& env);
  Environment& env_;
  std::unique_ptr<FakeClock> fixed_clock_;  // --now; declared first: the database outlives
                                            // neither it nor the environment's clock
  std::unique_ptr<Database> db_;
  std::optional<SecretBox> secrets_;
  std::string db_path_ = "var/cadent.db";
  int64_t workspace_ = 1;
  bool json_ = false;
  int exit_code_ = 0;
};

// Parses argv and runs the chosen subcommand. Returns the process exit code: 0 success,
// 1 failure, 2 bad usage or bad input.
int Run(int argc, const char* const* argv, Environment& env);

// Subcommand registration, one per file.
void AddServeCommand(CLI::App& app, Context& context);
void AddImportCommand(CLI::App& app, Context& context);
void AddContactsCommand(CLI::App& app, Context& context);
void AddListsCommand(CLI::App& app, Context& context);
void AddSuppressCommand(CLI::App& app, Context& context);
void AddDbCommand(CLI::App& app, Context& context);
void AddTemplatesCommand(CLI::App& app, Context& context);
void AddCampaignsCommand(CLI::App& app, Context& context);
void AddSendersCommand(CLI::App& app, Context& context);
void AddWorkspaceCommand(CLI::App& app, Context& context);
void AddInboxCommand(CLI::App& app, Context& context);
void AddDkimCommand(CLI::App& app, Context& context);
void AddEngineCommands(CLI::App& app, Context& context);  // run, events, explain, forecast

}  // namespace cadent::cli
