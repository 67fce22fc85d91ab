// `cadent serve`: the HTTP server (health and status, unsubscribe and tracking links; the API
// and webhooks in later issues) until SIGINT or SIGTERM.
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <ostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "cli/cli.hpp"
#include "core/common/strings.hpp"
#include "engine/engine.hpp"
#include "engine/inbox.hpp"
#include "http/health.hpp"
#include "http/server.hpp"
#include "http/tracking.hpp"
#include "spdlog/spdlog.h"

namespace cadent::cli {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  int io_threads = 1;
  bool no_engine = false;
  std::string outbox;
  std::string public_url;     // "" = http://<listen address>:<port>
  int inbox_interval_s = 60;  // how often sender inboxes are read; 0 = never
};

Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen) {
  const size_t colon = listen.rfind(':');
  uint32_t port = 0;
  if (colon == std::string_view::npos ||
      !absl::SimpleAtoi(ToAbsl(listen.substr(colon + 1)), &port) || port > 65535) {
    return absl::InvalidArgumentError(
        StrCat("--listen wants ADDRESS:PORT (e.g. 127.0.0.1:8080), got '", listen, "'"));
  }
  std::string address(listen.substr(0, colon));
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);  // [::1]:8080
  }
  return std::make_pair(address, static_cast<uint16_t>(port));
}

nlohmann::json DatabaseStatusJson(Database& db) {
  Result<DatabaseStatus> status = db.Status();
  if (!status.ok()) return {{"ok", false}, {"error", std::string(status.status().message())}};
  return {{"ok", true},
          {"backend", status->backend},
          {"location", status->location},
          {"schema_version", status->schema_version},
          {"latest_schema_version", status->latest_schema_version},
          {"workspaces", status->workspaces},
          {"contacts", status->contacts}};
}

Status Serve(Context& context, const ServeFlags& flags) {
  ASSIGN_OR_RETURN(auto listen, ParseListen(flags.listen));
  ASSIGN_OR_RETURN(Database * db, context.Db());

  // The engine of this process, once it runs: a recorded unsubscribe or open wakes it.
  std::atomic<Engine*> running_engine{nullptr};
  Tracker tracker(*db, context.clock(), [&running_engine] {
    if (Engine* e = running_engine.load()) e->Wake();
  });
  http::Router router;
  http::AddHealthRoutes(router, [db] { return DatabaseStatusJson(*db); });
  http::AddTrackingRoutes(router, tracker);
  http::ServerOptions options;
  options.address = listen.first;
  options.port = listen.second;
  options.io_threads = flags.io_threads;

  // Block the stop signals before the I/O threads start, so only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  http::Server server(options, std::move(router), context.clock());
  ASSIGN_OR_RETURN(uint16_t port, server.Start());

  // The engine runs beside the server unless this is an API-only node.
  std::unique_ptr<channels::Channel> channel;
  std::unique_ptr<Engine> engine;
  std::thread engine_thread;
  Status engine_status = OkStatus();
  if (!flags.no_engine) {
    const std::string outbox = flags.outbox.empty() ? context.DefaultOutbox() : flags.outbox;
    ASSIGN_OR_RETURN(channel, context.OpenChannels(outbox));
    EngineOptions engine_options;
    engine_options.owner = StrCat("serve@", listen.first, ":", port);
    engine_options.public_url =
        !flags.public_url.empty()
            ? flags.public_url
            : StrCat("http://",
                     listen.first.find(':') == std::string::npos ? listen.first
                                                                 : StrCat("[", listen.first, "]"),
                     ":", port);
    engine_options.on_rejected = [](std::string_view message) {
      spdlog::warn("engine: {}", message);
    };
    engine = std::make_unique<Engine>(*db, context.clock(), *channel, engine_options);
    TRY(engine->Start());
    running_engine.store(engine.get());
    engine_thread = std::thread([&] {
      Result<PassStats> ran = engine->RunRealTime(context.clock());
      if (!ran.ok()) {
        engine_status = ran.status();
        spdlog::error("engine stopped: {}", std::string(ran.status().message()));
      }
    });
    context.err() << "cadent: engine running (outbox " << outbox << ")" << std::endl;
  }
  // Sender inboxes (replies, bounces) are read beside the engine, every workspace's, at a
  // fixed interval: IMAP has no push cadent could wait on without a connection per inbox.
  std::mutex inbox_mutex;
  std::condition_variable inbox_wake;
  bool stopping = false;  // guarded by inbox_mutex
  std::thread inbox_thread;
  if (engine && flags.inbox_interval_s > 0) {
    ASSIGN_OR_RETURN(const SecretBox* box, context.Secrets());
    inbox_thread = std::thread([&, box] {
      std::unique_lock lock(inbox_mutex);
      while (!stopping) {
        lock.unlock();
        Result<std::vector<Workspace>> workspaces = db->workspaces().List();
        for (const Workspace& ws : workspaces.ok() ? *workspaces : std::vector<Workspace>()) {
          Result<InboxStats> polled = PollInboxes(*db, *box, ws.id, context.clock());
          if (!polled.ok()) {
            spdlog::error("inbox: {}", std::string(polled.status().message()));
            continue;
          }
          for (const std::string& error : polled->errors) spdlog::warn("inbox: {}", error);
          if (polled->events > 0) engine->Wake();
        }
        lock.lock();
        inbox_wake.wait_for(lock, std::chrono::seconds(flags.inbox_interval_s),
                            [&] { return stopping; });
      }
    });
  }
  context.err() << "cadent: serving on http://" << listen.first << ":" << port << " (database "
                << context.db_path() << "); Ctrl-C stops" << std::endl;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  context.err() << "cadent: stopping (signal " << signal << ")" << std::endl;
  if (inbox_thread.joinable()) {
    {
      std::lock_guard lock(inbox_mutex);
      stopping = true;
    }
    inbox_wake.notify_all();
    inbox_thread.join();
  }
  if (engine) {
    engine->Stop();  // stop claiming; in-flight sends finish and are recorded
    engine_thread.join();
  }
  server.Stop();
  running_engine.store(nullptr);
  return engine_status;
}

}  // namespace

void AddServeCommand(CLI::App& app, Context& context) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* serve = app.add_subcommand("serve", "Run the HTTP server");
  serve->add_option("--listen", flags->listen, "ADDRESS:PORT to listen on")
      ->envname("CADENT_LISTEN");
  serve->add_option("--io-threads", flags->io_threads, "Event-loop threads")
      ->check(CLI::Range(1, 64));
  serve
      ->add_option("--inbox-interval", flags->inbox_interval_s,
                   "Seconds between reads of sender inboxes (replies, bounces); 0 = never")
      ->check(CLI::Range(0, 86400));
  serve
      ->add_option("--public-url", flags->public_url,
                   "Base URL of the links in messages (unsubscribe, open pixel), as recipients "
                   "reach this server (default: http://ADDRESS:PORT of --listen)")
      ->envname("CADENT_PUBLIC_URL");
  serve->add_flag("--no-engine", flags->no_engine, "Serve only; run no engine (API-only node)");
  serve->add_option("--outbox", flags->outbox, "Outbox directory (default: var/outbox)")
      ->envname("CADENT_OUTBOX");
  serve->callback([&context, flags] {
    if (Status s = Serve(context, *flags); !s.ok()) context.Fail(s);
  });
}

}  // namespace cadent::cli
