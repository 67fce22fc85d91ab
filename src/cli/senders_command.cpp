// `cadent senders add|list|remove` (the accounts campaigns send from; the email issue adds
// transports and credentials) and `cadent workspace show|set-address`.
#include <ostream>

#include "CLI/CLI.hpp"
#include "cli/cli.hpp"
#include "cli/output.hpp"
#include "core/common/strings.hpp"
#include "engine/campaign_runtime.hpp"
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
};

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
  args.account.workspace_id = context.workspace();
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(SenderAccount added, db->senders().Add(args.account));
  context.err() << "sender '" << added.name << "' (id " << added.id.value() << ", " << added.channel
                << ") added\n";
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
                       {"address", s.address},
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
    rows.push_back({StrCat(s.id.value()), s.name, s.channel, s.address, s.time_zone, s.policy_json,
                    s.flagged});
  }
  PrintTable(context.out(), {"id", "name", "channel", "address", "zone", "policy", "flagged"},
             rows);
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
  add->add_option("--time-zone", args->account.time_zone, "Where its caps count days and hours");
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
