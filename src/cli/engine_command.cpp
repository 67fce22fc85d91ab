// `cadent run` (the engine alone, in real or virtual time), `cadent events add` (inject what
// a recipient did), `cadent explain CAMPAIGN CONTACT` and `cadent forecast CAMPAIGN`.
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <ostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "cli/cli.hpp"
#include "cli/contact_lookup.hpp"
#include "cli/output.hpp"
#include "core/common/strings.hpp"
#include "engine/campaign_service.hpp"
#include "engine/engine.hpp"

namespace cadent::cli {
namespace {

struct RunArgs {
  std::string clock = "real";
  std::string until;
  std::string outbox;
  std::string owner;
  std::string public_url = "http://127.0.0.1:8080";
  int batch = EngineOptions{}.batch_size;
};

std::string DefaultOwner() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) return "engine";
  return StrCat("engine@", host);
}

nlohmann::json StatsJson(const PassStats& s) {
  return {{"sent", s.sent},
          {"failed", s.failed},
          {"retried", s.retried},
          {"skipped", s.skipped},
          {"cancelled", s.cancelled},
          {"deferred", s.deferred},
          {"events", s.events},
          {"woken", s.woken},
          {"recovered", s.recovered},
          {"ambiguous", s.ambiguous},
          {"reconciled_sent", s.reconciled_sent},
          {"conflicts", s.conflicts}};
}

Status Run(Context& context, const RunArgs& args) {
  if (args.clock != "real" && args.clock != "virtual") {
    return absl::InvalidArgumentError("--clock is real or virtual");
  }
  std::optional<Instant> until;
  if (!args.until.empty()) {
    ASSIGN_OR_RETURN(until, ParseRfc3339(args.until));
  }
  if (args.clock == "virtual" && !until) {
    return absl::InvalidArgumentError("--clock virtual needs --until (e.g. 2027-01-31)");
  }
  ASSIGN_OR_RETURN(Database * db, context.Db());
  const std::string outbox = args.outbox.empty() ? context.DefaultOutbox() : args.outbox;
  ASSIGN_OR_RETURN(std::unique_ptr<channels::Channel> channel, context.OpenChannels(outbox));
  EngineOptions options;
  options.owner = args.owner.empty() ? DefaultOwner() : args.owner;
  options.batch_size = args.batch;
  options.public_url = args.public_url;
  options.on_rejected = [&context](std::string_view message) {
    context.err() << "cadent: " << message << "\n";
  };

  PassStats total;
  if (args.clock == "virtual") {
    FakeClock clock(context.clock().Now());
    Engine engine(*db, clock, *channel, options);
    TRY(engine.Start());
    ASSIGN_OR_RETURN(total, engine.RunVirtual(clock, *until));
    context.err() << "cadent: virtual clock at " << FormatRfc3339(clock.Now()) << "\n";
  } else {
    Engine engine(*db, context.clock(), *channel, options);
    TRY(engine.Start());
    // SIGINT/SIGTERM: stop claiming, finish what is in flight, exit 0.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::thread waiter([&engine, stop_signals] {
      int signal = 0;
      sigwait(&stop_signals, &signal);
      engine.Stop();
    });
    context.err() << "cadent: engine running (outbox " << outbox << "); Ctrl-C stops" << std::endl;
    Result<PassStats> result = engine.RunRealTime(context.clock());
    if (!result.ok()) {
      // Unblock the waiter so the thread can be joined.
      pthread_kill(waiter.native_handle(), SIGTERM);
      waiter.join();
      return result.status();
    }
    waiter.join();
    total = *result;
    context.err() << "cadent: engine stopped" << std::endl;
  }
  if (context.json()) {
    context.out() << Dump(StatsJson(total)) << "\n";
  } else {
    context.out() << "sent " << total.sent << ", failed " << total.failed << ", retried "
                  << total.retried << ", skipped " << total.skipped << ", cancelled "
                  << total.cancelled << ", events " << total.events << ", recovered "
                  << total.recovered << ", ambiguous " << total.ambiguous << "\n";
  }
  return OkStatus();
}

struct EventArgs {
  std::string contact;
  std::string kind;
  std::string campaign;
  std::string at;
  std::string detail;
};

Status AddEvent(Context& context, const EventArgs& args) {
  const std::optional<EventKind> kind = ParseEventKind(args.kind);
  if (!kind) {
    return absl::InvalidArgumentError(
        StrCat("--kind '", args.kind,
               "' is not one of opened, clicked, replied, accepted, bounced, unsubscribed, "
               "complained, converted, auto_replied, soft_bounced"));
  }
  Instant at = context.clock().Now();
  if (!args.at.empty()) {
    ASSIGN_OR_RETURN(at, ParseRfc3339(args.at));
  }
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(Contact contact, FindContact(*db, context.workspace(), args.contact));
  CampaignService service(*db, context.clock());
  std::optional<CampaignId> campaign;
  if (!args.campaign.empty()) {
    ASSIGN_OR_RETURN(Campaign c, service.Find(context.workspace(), args.campaign));
    campaign = c.id;
  }
  ASSIGN_OR_RETURN(Event event, service.AddEvent(context.workspace(), contact, *kind, campaign, at,
                                                 "cli", args.detail));
  context.err() << "event " << event.id.value() << " (" << ToString(event.kind) << ") recorded"
                << (event.enrollment_id.valid()
                        ? StrCat(" for enrollment ", event.enrollment_id.value())
                        : std::string(" (no live enrollment)"))
                << "; the engine applies it on its next pass\n";
  return OkStatus();
}

Status Explain(Context& context, const std::string& campaign_name, const std::string& who) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  CampaignService service(*db, context.clock());
  ASSIGN_OR_RETURN(Campaign campaign, service.Find(context.workspace(), campaign_name));
  ASSIGN_OR_RETURN(Contact contact, FindContact(*db, context.workspace(), who));
  ASSIGN_OR_RETURN(Explanation e, service.Explain(context.workspace(), campaign.id, contact));
  auto line_json = [](const Explanation::Line& l) {
    nlohmann::json j = {{"what", l.what}, {"why", l.why}};
    if (l.at) j["at"] = FormatRfc3339(*l.at);
    return j;
  };
  if (context.json()) {
    nlohmann::json out = {{"contact", e.contact}, {"zone", e.zone}, {"status", e.status}};
    out["history"] = nlohmann::json::array();
    out["plan"] = nlohmann::json::array();
    for (const auto& l : e.history) out["history"].push_back(line_json(l));
    for (const auto& l : e.plan) out["plan"].push_back(line_json(l));
    context.out() << Dump(out) << "\n";
    return OkStatus();
  }
  std::ostream& out = context.out();
  out << e.contact << " in '" << campaign.name << "': " << e.status << "\n";
  if (!e.zone.empty()) out << "  zone: " << e.zone << "\n";
  out << "history:\n";
  for (const auto& l : e.history) {
    out << "  " << (l.at ? FormatRfc3339(*l.at) : std::string(20, ' ')) << "  " << l.what;
    if (!l.why.empty()) out << "  [" << l.why << "]";
    out << "\n";
  }
  out << "next:\n";
  if (e.plan.empty()) out << "  nothing planned\n";
  for (const auto& l : e.plan) {
    out << "  " << (l.at ? FormatRfc3339(*l.at) : std::string(20, ' ')) << "  " << l.what;
    if (!l.why.empty()) out << "  [" << l.why << "]";
    out << "\n";
  }
  return OkStatus();
}

Status Forecast(Context& context, const std::string& campaign_name) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  CampaignService service(*db, context.clock());
  ASSIGN_OR_RETURN(Campaign campaign, service.Find(context.workspace(), campaign_name));
  ASSIGN_OR_RETURN(forecast::Forecast f, service.Forecast(context.workspace(), campaign.id));
  if (context.json()) {
    nlohmann::json out = {{"contacts", f.contacts},
                          {"messages", f.messages},
                          {"contacts_finished", f.contacts_finished},
                          {"contacts_unfinished", f.contacts_unfinished},
                          {"delayed_by_holiday", f.delayed_by_holiday},
                          {"delayed_by_hours", f.delayed_by_hours},
                          {"delayed_by_caps", f.delayed_by_caps},
                          {"delayed_by_spacing", f.delayed_by_spacing}};
    if (f.first_message) out["first_message"] = FormatRfc3339(*f.first_message);
    if (f.last_message) out["last_message"] = FormatRfc3339(*f.last_message);
    context.out() << Dump(out) << "\n";
  } else {
    context.out() << forecast::Summary(f);
  }
  return OkStatus();
}

}  // namespace

void AddEngineCommands(CLI::App& app, Context& context) {
  auto run_args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand("run", "Run the engine (no HTTP server)");
  run->add_option("--clock", run_args->clock,
                  "real, or virtual: a simulated clock that jumps to each due time");
  run->add_option("--until", run_args->until, "Virtual clock: run until this time or date");
  run->add_option("--outbox", run_args->outbox, "Outbox directory (default: var/outbox)")
      ->envname("CADENT_OUTBOX");
  run->add_option("--owner", run_args->owner, "Lease owner name (default: engine@HOST)");
  run->add_option("--public-url", run_args->public_url, "Base of unsubscribe links")
      ->envname("CADENT_PUBLIC_URL");
  run->add_option("--batch", run_args->batch, "Messages claimed per transaction")
      ->check(CLI::Range(1, 10000));
  run->callback([&context, run_args] {
    if (Status s = Run(context, *run_args); !s.ok()) context.Fail(s);
  });

  auto event_args = std::make_shared<EventArgs>();
  CLI::App* events = app.add_subcommand("events", "Record what a recipient did");
  events->require_subcommand(1);
  CLI::App* add = events->add_subcommand(
      "add", "Inject an event (replied, opened, clicked, accepted, bounced, unsubscribed, ...)");
  add->add_option("contact", event_args->contact, "Contact id or email")->required();
  add->add_option("--kind", event_args->kind, "What happened")->required();
  add->add_option("--campaign", event_args->campaign,
                  "The campaign it belongs to (default: the contact's latest)");
  add->add_option("--at", event_args->at, "When (RFC 3339; default now)");
  add->add_option("--detail", event_args->detail, "Free text kept with the event");
  add->callback([&context, event_args] {
    if (Status s = AddEvent(context, *event_args); !s.ok()) context.Fail(s);
  });

  auto campaign = std::make_shared<std::string>();
  auto who = std::make_shared<std::string>();
  CLI::App* explain = app.add_subcommand("explain", "A contact's history and plan in a campaign");
  explain->add_option("campaign", *campaign, "Campaign name or id")->required();
  explain->add_option("contact", *who, "Contact id or email")->required();
  explain->callback([&context, campaign, who] {
    if (Status s = Explain(context, *campaign, *who); !s.ok()) context.Fail(s);
  });

  CLI::App* forecast = app.add_subcommand("forecast", "Forecast a campaign over its audience");
  forecast->add_option("campaign", *campaign, "Campaign name or id")->required();
  forecast->callback([&context, campaign] {
    if (Status s = Forecast(context, *campaign); !s.ok()) context.Fail(s);
  });
}

}  // namespace cadent::cli
