// `cadent senders add|list|test|remove` (the accounts campaigns send from, with their
// transports and sealed credentials) and `cadent workspace show|set-address`.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <ostream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "cli/cli.hpp"
#include "cli/output.hpp"
#include "core/common/strings.hpp"
#include "engine/campaign_runtime.hpp"
#include "engine/sender_transport.hpp"
#include "engine/webhooks.hpp"

namespace cadent::cli {
namespace {

struct SenderArgs {
  SenderAccount account;
  std::optional<int32_t> daily_cap;
  std::optional<int32_t> hourly_cap;
  std::optional<int32_t> weekly_cap;
  std::optional<int32_t> domain_hourly_cap;
  int32_t min_spacing_s = 90;
  int32_t max_spacing_s = 180;
  std::string warm_up_start;
  int32_t warm_up_initial = 10;
  int32_t warm_up_increment = 5;
  TransportSettings settings;
  std::string secret_env;  // the secret's source: an environment variable, a file, or stdin
  std::string secret_file;
  bool secret_stdin = false;
  std::string imap_secret_env;
  std::string imap_secret_file;
};

// Reads a secret from exactly one of its sources. Secrets never come on the command line
// itself (they would show in `ps` and shell history).
Result<std::string> ReadSecret(std::string_view what, const std::string& env,
                               const std::string& file, bool from_stdin, std::istream& in) {
  const int sources = (env.empty() ? 0 : 1) + (file.empty() ? 0 : 1) + (from_stdin ? 1 : 0);
  if (sources == 0) return std::string();
  if (sources > 1) {
    return absl::InvalidArgumentError(StrCat(what, ": give one of --", what, "-env, --", what,
                                             "-file", from_stdin ? ", --secret-stdin" : ""));
  }
  std::string secret;
  if (!env.empty()) {
    const char* value = std::getenv(env.c_str());
    if (value == nullptr || *value == '\0') {
      return absl::InvalidArgumentError(StrCat(what, ": environment variable ", env, " is unset"));
    }
    secret = value;
  } else if (!file.empty()) {
    std::ifstream stream(file, std::ios::binary);
    if (!stream) return absl::InvalidArgumentError(StrCat(what, ": cannot read ", file));
    std::stringstream text;
    text << stream.rdbuf();
    secret = text.str();
  } else {
    std::getline(in, secret);
  }
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) return absl::InvalidArgumentError(StrCat(what, ": empty"));
  return secret;
}

Status Add(Context& context, SenderArgs args) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(args.account.time_zone);
  } catch (const std::exception&) {
    return absl::InvalidArgumentError(
        StrCat("--time-zone: unknown zone '", args.account.time_zone, "'"));
  }
  pacing::SenderPolicy policy;
  policy.zone = zone;
  policy.daily_cap = args.daily_cap;
  policy.hourly_cap = args.hourly_cap;
  policy.weekly_cap = args.weekly_cap;
  policy.domain_hourly_cap = args.domain_hourly_cap;
  policy.min_spacing = std::chrono::seconds(args.min_spacing_s);
  policy.max_spacing = std::chrono::seconds(std::max(args.max_spacing_s, args.min_spacing_s));
  args.account.policy_json = SenderPolicyToJson(policy);
  if (!args.warm_up_start.empty()) {
    // Round-trips through the parser, which checks the date.
    nlohmann::json policy_json = nlohmann::json::parse(args.account.policy_json);
    policy_json["warm_up"] = {{"start", args.warm_up_start},
                              {"initial", args.warm_up_initial},
                              {"increment", args.warm_up_increment}};
    args.account.policy_json = policy_json.dump();
    TRY(ParseSenderPolicy(args.account.policy_json, zone).status());
  }
  TransportSecrets secrets;
  ASSIGN_OR_RETURN(secrets.secret, ReadSecret("secret", args.secret_env, args.secret_file,
                                              args.secret_stdin, std::cin));
  ASSIGN_OR_RETURN(secrets.imap_secret, ReadSecret("imap-secret", args.imap_secret_env,
                                                   args.imap_secret_file, false, std::cin));
  if (args.account.transport != "outbox" && args.account.channel != "email") {
    return absl::InvalidArgumentError(
        StrCat("--transport ", args.account.transport, " is for email senders"));
  }
  TRY(CheckTransport(args.account.transport, args.settings, secrets));
  args.account.settings_json = TransportSettingsToJson(args.settings);
  args.account.workspace_id = context.workspace();
  ASSIGN_OR_RETURN(Database * db, context.Db());
  SealFor seal;
  if (!secrets.secret.empty() || !secrets.imap_secret.empty()) {
    ASSIGN_OR_RETURN(const SecretBox* box, context.Secrets());
    const std::string plain = TransportSecretsToJson(secrets);
    seal = [box, plain](int64_t id) -> Result<std::string> {
      return box->Seal(SecretPurpose::kSenderCredentials, id, plain);
    };
  }
  ASSIGN_OR_RETURN(SenderAccount added, db->senders().Add(args.account, seal));
  context.err() << "sender '" << added.name << "' (id " << added.id.value() << ", " << added.channel
                << " via " << added.transport << ") added\n";
  return OkStatus();
}

// One message to `to` through the sender's transport, now: proves the settings and the
// credentials before a campaign relies on them.
Status Test(Context& context, const std::string& name, const std::string& to) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(std::optional<SenderAccount> sender,
                   db->senders().FindByName(context.workspace(), name));
  if (!sender) return absl::NotFoundError(StrCat("no sender named '", name, "'"));
  if (sender->channel != "email") {
    return absl::InvalidArgumentError(StrCat("sender '", name, "' is not an email sender"));
  }
  if (to.find('@') == std::string::npos) {
    return absl::InvalidArgumentError(StrCat("--to '", to, "' is not an email address"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<channels::Channel> channel,
                   context.OpenChannels(context.DefaultOutbox()));
  const Instant now = context.clock().Now();
  const int64_t now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  channels::OutgoingMessage message;
  // A test has no row in messages: its id is the time in microseconds, far above any
  // message's, and unique enough for a provider's idempotency key.
  message.id = MessageId(now_us);
  message.workspace = context.workspace();
  message.channel = templating::Channel::kEmail;
  message.sender = sender->id;
  message.sender_name = sender->name;
  message.transport = sender->transport;
  message.from_address = sender->address;
  message.from_name = sender->from_name;
  message.reply_to = sender->reply_to;
  message.to_address = to;
  message.attempt_at = message.planned_at = now;
  const size_t at = sender->address.rfind('@');
  message.message_id = StrCat("test.", now_us, ".", getpid(), "@",
                              at == std::string::npos ? "invalid" : sender->address.substr(at + 1));
  message.subject = StrCat("cadent test from ", sender->name);
  message.text = StrCat("This is a test message from the cadent sender account '", sender->name,
                        "'.\nIf you can read it, the account can send.\n");
  ASSIGN_OR_RETURN(channels::SendResult result, channel->Send(message));
  TRY(channel->Flush());
  if (context.json()) {
    context.out() << Dump({{"sender", sender->name},
                           {"to", to},
                           {"result", sequence::ToString(result.code)},
                           {"provider_id", result.provider_id},
                           {"detail", result.detail}})
                  << "\n";
  } else {
    context.out() << sequence::ToString(result.code)
                  << (result.provider_id.empty() ? "" : StrCat(" ", result.provider_id))
                  << (result.detail.empty() ? "" : StrCat(": ", result.detail)) << "\n";
  }
  if (result.code != sequence::SendCode::kAccepted) {
    return absl::FailedPreconditionError(
        StrCat("sender '", name, "' could not send: ", sequence::ToString(result.code)));
  }
  return OkStatus();
}

Status List(Context& context) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(std::vector<SenderAccount> senders, db->senders().List(context.workspace()));
  if (context.json()) {
    nlohmann::json array = nlohmann::json::array();
    for (const SenderAccount& s : senders) {
      array.push_back({{"id", s.id.value()},
                       {"name", s.name},
                       {"channel", s.channel},
                       {"transport", s.transport},
                       {"settings", nlohmann::json::parse(s.settings_json, nullptr, false)},
                       {"has_credentials", !s.sealed_credentials.empty()},
                       {"address", s.address},
                       {"reply_to", s.reply_to},
                       {"from_name", s.from_name},
                       {"time_zone", s.time_zone},
                       {"policy", nlohmann::json::parse(s.policy_json, nullptr, false)},
                       {"flagged", s.flagged}});
    }
    context.out() << Dump(array) << "\n";
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const SenderAccount& s : senders) {
    Result<TransportSettings> settings = ParseTransportSettings(s.settings_json);
    rows.push_back({StrCat(s.id.value()), s.name, s.channel,
                    settings.ok() && !settings->endpoint.empty()
                        ? StrCat(s.transport, " ", settings->endpoint)
                        : s.transport,
                    s.address, s.time_zone, s.policy_json, s.flagged});
  }
  PrintTable(context.out(),
             {"id", "name", "channel", "transport", "address", "zone", "policy", "flagged"}, rows);
  return OkStatus();
}

Status Remove(Context& context, const std::string& name) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(std::optional<SenderAccount> sender,
                   db->senders().FindByName(context.workspace(), name));
  if (!sender) return absl::NotFoundError(StrCat("no sender named '", name, "'"));
  TRY(db->senders().Remove(context.workspace(), sender->id));
  context.err() << "sender '" << name << "' removed\n";
  return OkStatus();
}

}  // namespace

void AddSendersCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<SenderArgs>();
  auto name = std::make_shared<std::string>();
  CLI::App* senders = app.add_subcommand("senders", "Sender accounts campaigns send from");
  senders->require_subcommand(1);
  CLI::App* add = senders->add_subcommand("add", "Add a sender account");
  add->add_option("name", args->account.name, "A name for the account")->required();
  add->add_option("--channel", args->account.channel, "email, linkedin or sms")
      ->check(CLI::IsMember({"email", "linkedin", "sms"}));
  add->add_option("--address", args->account.address,
                  "From address, LinkedIn account, or phone number")
      ->required();
  add->add_option("--from-name", args->account.from_name, "Display name");
  add->add_option("--reply-to", args->account.reply_to, "Reply-To address");
  add->add_option("--time-zone", args->account.time_zone, "Where its caps count days and hours");
  add->add_option("--transport", args->account.transport,
                  "outbox (files), smtp, sendgrid, mailgun, postmark, ses or resend")
      ->check(
          CLI::IsMember({"outbox", "smtp", "sendgrid", "mailgun", "postmark", "ses", "resend"}));
  add->add_option("--endpoint", args->settings.endpoint,
                  "smtp: smtp://host:587 (STARTTLS) or smtps://host:465; APIs: base URL override");
  add->add_option("--username", args->settings.username,
                  "smtp: login (the mailbox for xoauth2); ses: access key id");
  add->add_option("--auth", args->settings.auth, "smtp: plain, login or xoauth2 (none if unset)")
      ->check(CLI::IsMember({"plain", "login", "xoauth2"}));
  add->add_option("--region", args->settings.region, "ses: AWS region; mailgun: us or eu");
  add->add_option("--domain", args->settings.domain, "mailgun: the sending domain");
  add->add_option("--connections", args->settings.connections,
                  "smtp: parallel connections (default 1)")
      ->check(CLI::Range(1, 64));
  add->add_flag("!--no-verify-tls", args->settings.verify_tls,
                "Do not verify the server's certificate (never for real mail)");
  add->add_option("--ca-file", args->settings.ca_file,
                  "Trust this CA bundle instead of the system's");
  add->add_option("--secret-env", args->secret_env,
                  "Read the password, API key or OAuth token from this environment variable");
  add->add_option("--secret-file", args->secret_file, "Read it from this file");
  add->add_flag("--secret-stdin", args->secret_stdin, "Read it from the first line of stdin");
  add->add_option("--imap", args->settings.imap_url,
                  "The inbox replies and bounces arrive in: imaps://host:993/INBOX");
  add->add_option("--imap-username", args->settings.imap_username, "Its login");
  add->add_option("--imap-secret-env", args->imap_secret_env, "Its password, from this variable");
  add->add_option("--imap-secret-file", args->imap_secret_file, "Its password, from this file");
  add->add_option("--signature", args->account.signature, "HTML signature ({{sender.signature}})");
  add->add_option("--daily-cap", args->daily_cap, "Messages per local day");
  add->add_option("--hourly-cap", args->hourly_cap, "Messages per local clock hour");
  add->add_option("--weekly-cap", args->weekly_cap, "Messages in any 7 x 24 hours");
  add->add_option("--domain-hourly-cap", args->domain_hourly_cap,
                  "Messages per recipient domain per hour");
  add->add_option("--min-spacing", args->min_spacing_s, "Seconds between sends, at least")
      ->check(CLI::Range(0, 86400));
  add->add_option("--max-spacing", args->max_spacing_s, "Seconds between sends, at most (jitter)")
      ->check(CLI::Range(0, 86400));
  add->add_option("--warm-up-start", args->warm_up_start, "Warm-up from this day (YYYY-MM-DD)");
  add->add_option("--warm-up-initial", args->warm_up_initial, "Messages on the first day");
  add->add_option("--warm-up-increment", args->warm_up_increment, "More each day");
  add->callback([&context, args] {
    if (Status s = Add(context, *args); !s.ok()) context.Fail(s);
  });
  senders->add_subcommand("list", "List sender accounts")->callback([&context] {
    if (Status s = List(context); !s.ok()) context.Fail(s);
  });
  auto to = std::make_shared<std::string>();
  CLI::App* test = senders->add_subcommand("test", "Send one message through the account now");
  test->add_option("name", *name, "Sender name")->required();
  test->add_option("--to", *to, "The address to send it to")->required();
  test->callback([&context, name, to] {
    if (Status s = Test(context, *name, *to); !s.ok()) context.Fail(s);
  });
  CLI::App* remove = senders->add_subcommand("remove", "Remove an unused sender account");
  remove->add_option("name", *name, "Sender name")->required();
  remove->callback([&context, name] {
    if (Status s = Remove(context, *name); !s.ok()) context.Fail(s);
  });
}

void AddWorkspaceCommand(CLI::App& app, Context& context) {
  auto address = std::make_shared<std::string>();
  CLI::App* workspace = app.add_subcommand("workspace", "The current workspace's settings");
  workspace->require_subcommand(1);
  workspace->add_subcommand("show", "Show the workspace")->callback([&context] {
    Status s = [&]() -> Status {
      ASSIGN_OR_RETURN(Database * db, context.Db());
      ASSIGN_OR_RETURN(Workspace ws, db->workspaces().Get(context.workspace()));
      context.out() << Dump({{"id", ws.id.value()},
                             {"name", ws.name},
                             {"postal_address", ws.postal_address},
                             {"created_at", FormatRfc3339(ws.created_at)}})
                    << "\n";
      return OkStatus();
    }();
    if (!s.ok()) context.Fail(s);
  });
  CLI::App* set =
      workspace->add_subcommand("set-address", "The postal address every email carries (CAN-SPAM)");
  set->add_option("address", *address, "Postal address, one line")->required();
  set->callback([&context, address] {
    Status s = [&]() -> Status {
      if (address->empty()) return absl::InvalidArgumentError("the address is empty");
      ASSIGN_OR_RETURN(Database * db, context.Db());
      TRY(db->workspaces().SetPostalAddress(context.workspace(), *address));
      context.err() << "postal address set\n";
      return OkStatus();
    }();
    if (!s.ok()) context.Fail(s);
  });
  workspace
      ->add_subcommand("webhook-secret",
                       "Print the secret webhook steps are signed with (made on first use)")
      ->callback([&context] {
        Status s = [&]() -> Status {
          ASSIGN_OR_RETURN(Database * db, context.Db());
          ASSIGN_OR_RETURN(std::string secret, WebhookSecret(*db, context.workspace()));
          context.out() << secret << "\n";
          return OkStatus();
        }();
        if (!s.ok()) context.Fail(s);
      });
}

}  // namespace cadent::cli
