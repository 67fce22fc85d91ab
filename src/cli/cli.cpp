#include "cli/cli.hpp"

#include <filesystem>
#include <ostream>

#include "CLI/CLI.hpp"
#include "channels/mailgun/mailgun_channel.hpp"
#include "channels/postmark/postmark_channel.hpp"
#include "channels/resend/resend_channel.hpp"
#include "channels/router.hpp"
#include "channels/sendgrid/sendgrid_channel.hpp"
#include "channels/ses/ses_channel.hpp"
#include "channels/smtp/smtp_channel.hpp"
#include "channels/webhook/webhook_channel.hpp"
#include "engine/sender_transport.hpp"
#include "engine/webhooks.hpp"

namespace cadent::cli {

Result<Database*> Context::Db() {
  if (!db_) {
    ASSIGN_OR_RETURN(db_, env_.open_database(db_path_, clock()));
  }
  return db_.get();
}

std::string Context::DefaultOutbox() const {
  const std::filesystem::path parent = std::filesystem::path(db_path_).parent_path();
  return (parent.empty() ? std::filesystem::path("outbox") : parent / "outbox").string();
}

Result<const SecretBox*> Context::Secrets() {
  if (!secrets_) {
    const std::filesystem::path parent = std::filesystem::path(db_path_).parent_path();
    ASSIGN_OR_RETURN(
        secrets_, SecretBox::FromEnvironment(
                      (parent.empty() ? std::filesystem::path("cadent.key") : parent / "cadent.key")
                          .string()));
  }
  return &*secrets_;
}

Result<std::unique_ptr<channels::Channel>> Context::OpenChannels(const std::string& outbox_dir) {
  ASSIGN_OR_RETURN(Database * db, Db());
  std::vector<std::unique_ptr<channels::Channel>> channels;
  ASSIGN_OR_RETURN(channels.emplace_back(), env_.open_channel(outbox_dir));
  channels::WebhookChannel::Options webhooks;
  webhooks.secret_of = [db](WorkspaceId workspace) { return WebhookSecret(*db, workspace); };
  webhooks.clock = &clock();
  channels.push_back(std::make_unique<channels::WebhookChannel>(std::move(webhooks)));
  // Email providers, each sender account by its transport (the router goes by name).
  ASSIGN_OR_RETURN(const SecretBox* box, Secrets());
  const channels::TransportLookup transports = CachedTransportLookup(*db, *box, clock());
  channels::HttpEmailOptions http;
  http.transports = transports;
  http.clock = &clock();
  channels.push_back(std::make_unique<channels::SendGridChannel>(http));
  channels.push_back(std::make_unique<channels::PostmarkChannel>(http));
  channels.push_back(std::make_unique<channels::ResendChannel>(http));
  channels.push_back(std::make_unique<channels::MailgunChannel>(http));
  channels.push_back(std::make_unique<channels::SesChannel>(http));
  // SMTP accounts: their own servers, DKIM-signed by the From domain's key when it has one.
  channels::SmtpOptions smtp;
  smtp.transports = transports;
  smtp.sign = CachedDkimSigning(*db, *box, clock());
  channels.push_back(std::make_unique<channels::SmtpChannel>(std::move(smtp)));
  return std::unique_ptr<channels::Channel>(
      std::make_unique<channels::Router>(std::move(channels)));
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
  std::string now;
  app.add_option("--now", now,
                 "Pretend it is this instant (RFC 3339, e.g. 2026-12-01T09:00:00Z): for "
                 "rehearsals and tests")
      ->envname("CADENT_NOW");
  app.parse_complete_callback([&context, &now] {
    if (now.empty()) return;
    Result<Instant> at = ParseRfc3339(now);
    if (!at.ok()) throw CLI::ValidationError("--now", std::string(at.status().message()));
    context.fixed_clock_ = std::make_unique<FakeClock>(*at);
  });

  AddServeCommand(app, context);
  AddImportCommand(app, context);
  AddContactsCommand(app, context);
  AddListsCommand(app, context);
  AddSuppressCommand(app, context);
  AddDbCommand(app, context);
  AddTemplatesCommand(app, context);
  AddCampaignsCommand(app, context);
  AddSendersCommand(app, context);
  AddWorkspaceCommand(app, context);
  AddInboxCommand(app, context);
  AddDkimCommand(app, context);
  AddEngineCommands(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, *env.out, *env.err);
    return code == 0 ? 0 : 2;
  }
  return context.exit_code();
}

}  // namespace cadent::cli
