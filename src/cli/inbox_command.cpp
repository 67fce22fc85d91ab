// `cadent inbox poll`: reads every email sender's inbox once (replies, auto-replies and
// bounces become events the engine applies on its next pass).
#include <ostream>

#include "CLI/CLI.hpp"
#include "cli/cli.hpp"
#include "cli/output.hpp"
#include "core/common/strings.hpp"
#include "engine/inbox.hpp"

namespace cadent::cli {

void AddInboxCommand(CLI::App& app, Context& context) {
  CLI::App* inbox = app.add_subcommand("inbox", "Sender inboxes: replies and bounces");
  inbox->require_subcommand(1);
  inbox->add_subcommand("poll", "Read every email sender's inbox once")->callback([&context] {
    Status s = [&]() -> Status {
      ASSIGN_OR_RETURN(Database * db, context.Db());
      ASSIGN_OR_RETURN(const SecretBox* box, context.Secrets());
      ASSIGN_OR_RETURN(InboxStats stats,
                       PollInboxes(*db, *box, context.workspace(), context.clock()));
      if (context.json()) {
        context.out() << Dump({{"inboxes", stats.senders},
                               {"fetched", stats.fetched},
                               {"events", stats.events},
                               {"ignored", stats.ignored},
                               {"errors", stats.errors}})
                      << "\n";
      } else {
        context.out() << stats.senders << " inboxes, " << stats.fetched << " messages, "
                      << stats.events << " events, " << stats.ignored << " ignored\n";
      }
      for (const std::string& error : stats.errors) context.err() << "inbox: " << error << "\n";
      if (!stats.errors.empty()) {
        return absl::UnavailableError(StrCat(stats.errors.size(), " inbox(es) could not be read"));
      }
      return OkStatus();
    }();
    if (!s.ok()) context.Fail(s);
  });
}

}  // namespace cadent::cli
