// `cadent campaigns create|update|list|show|launch|pause|resume|stop|status|stats|archive`:
// campaigns from definition files (docs/CAMPAIGNS.md), and their life cycle.
#include <fstream>
#include <ostream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "cli/campaign_file.hpp"
#include "cli/cli.hpp"
#include "cli/output.hpp"
#include "core/common/strings.hpp"
#include "engine/campaign_service.hpp"

namespace cadent::cli {
namespace {

struct CampaignArgs {
  std::string file;
  std::string name;
  bool migrate = false;
  bool include_archived = false;
  int version = 0;
  bool unarchive = false;
};

Result<CampaignDefinition> ReadDefinition(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot read '", path, "'"));
  std::string text;
  text.resize(kMaxCampaignFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return ParseCampaignFile(path, text);
}

std::string OptionalTime(const std::optional<Instant>& at) { return at ? FormatRfc3339(*at) : ""; }

nlohmann::json CampaignJson(const Campaign& c) {
  nlohmann::json out = {{"id", c.id.value()},
                        {"name", c.name},
                        {"kind", std::string(sequence::ToString(c.kind))},
                        {"status", std::string(sequence::ToString(c.status))},
                        {"archived", c.archived},
                        {"version", c.latest_version},
                        {"created_at", FormatRfc3339(c.created_at)}};
  if (c.start_at) out["start_at"] = FormatRfc3339(*c.start_at);
  if (c.launched_at) out["launched_at"] = FormatRfc3339(*c.launched_at);
  if (c.ended_at) out["ended_at"] = FormatRfc3339(*c.ended_at);
  return out;
}

void PrintCampaign(Context& context, const Campaign& c, std::string_view verb) {
  if (context.json()) {
    context.out() << Dump(CampaignJson(c)) << "\n";
  } else {
    context.out() << "campaign '" << c.name << "' (id " << c.id.value() << ") " << verb << ": "
                  << sequence::ToString(c.status) << ", version " << c.latest_version << "\n";
  }
}

Status Create(Context& context, const CampaignArgs& args) {
  ASSIGN_OR_RETURN(CampaignDefinition definition, ReadDefinition(args.file));
  ASSIGN_OR_RETURN(Database * db, context.Db());
  CampaignService service(*db, context.clock());
  ASSIGN_OR_RETURN(Campaign campaign, service.Create(context.workspace(), definition));
  PrintCampaign(context, campaign, "created");
  return OkStatus();
}

Status Update(Context& context, const CampaignArgs& args) {
  ASSIGN_OR_RETURN(CampaignDefinition definition, ReadDefinition(args.file));
  ASSIGN_OR_RETURN(Database * db, context.Db());
  CampaignService service(*db, context.clock());
  ASSIGN_OR_RETURN(
      Campaign campaign,
      service.Find(context.workspace(), args.name.empty() ? definition.name : args.name));
  const int before = campaign.latest_version;
  ASSIGN_OR_RETURN(campaign,
                   service.Update(context.workspace(), campaign.id, definition, args.migrate));
  if (campaign.latest_version == before) {
    context.err() << "sequence unchanged (still version " << before << "); settings saved\n";
  } else if (args.migrate) {
    context.err() << "version " << campaign.latest_version
                  << ": live enrollments move to it at their next step\n";
  } else {
    context.err() << "version " << campaign.latest_version
                  << ": new enrollments use it; live ones stay on their version\n";
  }
  PrintCampaign(context, campaign, "updated");
  return OkStatus();
}

Status List(Context& context, const CampaignArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(std::vector<Campaign> campaigns,
                   db->campaigns().List(context.workspace(), args.include_archived));
  if (context.json()) {
    nlohmann::json array = nlohmann::json::array();
    for (const Campaign& c : campaigns) array.push_back(CampaignJson(c));
    context.out() << Dump(array) << "\n";
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const Campaign& c : campaigns) {
    rows.push_back({StrCat(c.id.value()), c.name, std::string(sequence::ToString(c.kind)),
                    std::string(sequence::ToString(c.status)), StrCat(c.latest_version),
                    OptionalTime(c.launched_at)});
  }
  PrintTable(context.out(), {"id", "name", "kind", "status", "version", "launched"}, rows);
  return OkStatus();
}

Status Show(Context& context, const CampaignArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  CampaignService service(*db, context.clock());
  ASSIGN_OR_RETURN(Campaign campaign, service.Find(context.workspace(), args.name));
  ASSIGN_OR_RETURN(CampaignDefinition definition,
                   service.Definition(context.workspace(), campaign, args.version));
  context.out() << ToJson(definition, /*pretty=*/true) << "\n";
  return OkStatus();
}

Status Launch(Context& context, const CampaignArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  CampaignService service(*db, context.clock());
  ASSIGN_OR_RETURN(Campaign campaign, service.Find(context.workspace(), args.name));
  ASSIGN_OR_RETURN(LaunchReport report, service.Launch(context.workspace(), campaign.id));
  if (context.json()) {
    nlohmann::json out = CampaignJson(report.campaign);
    out["audience"] = report.audience;
    out["enrolled"] = report.enrolled;
    out["already_enrolled"] = report.already_enrolled;
    out["skipped_suppressed"] = report.suppressed;
    out["skipped_in_other_campaigns"] = report.in_other_campaigns;
    out["missing_data"] = report.missing_data;
    out["missing_by_variable"] = report.missing_by_variable;
    context.out() << Dump(out) << "\n";
    return OkStatus();
  }
  std::ostream& out = context.out();
  out << "campaign '" << report.campaign.name << "' " << sequence::ToString(report.campaign.status);
  if (report.campaign.start_at && report.campaign.status == sequence::CampaignStatus::kScheduled) {
    out << " (starts " << FormatRfc3339(*report.campaign.start_at) << ")";
  }
  out << ": " << report.enrolled << " enrolled of " << report.audience << " in the audience\n";
  if (report.already_enrolled > 0) out << "  already enrolled: " << report.already_enrolled << "\n";
  if (report.suppressed > 0) out << "  skipped, suppressed: " << report.suppressed << "\n";
  if (report.in_other_campaigns > 0) {
    out << "  skipped, live in another campaign: " << report.in_other_campaigns << "\n";
  }
  if (report.missing_data > 0) {
    out << "  missing data (policy "
        << "applies): " << report.missing_data << " contacts;";
    for (const auto& [variable, count] : report.missing_by_variable) {
      out << " " << variable << " " << count;
    }
    out << "\n";
  }
  return OkStatus();
}

using Transition = Result<Campaign> (CampaignService::*)(WorkspaceId, CampaignId);

Status Change(Context& context, const CampaignArgs& args, Transition transition,
              std::string_view verb) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  CampaignService service(*db, context.clock());
  ASSIGN_OR_RETURN(Campaign campaign, service.Find(context.workspace(), args.name));
  ASSIGN_OR_RETURN(campaign, (service.*transition)(context.workspace(), campaign.id));
  PrintCampaign(context, campaign, verb);
  return OkStatus();
}

Status ShowStatus(Context& context, const CampaignArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  CampaignService service(*db, context.clock());
  ASSIGN_OR_RETURN(Campaign campaign, service.Find(context.workspace(), args.name));
  ASSIGN_OR_RETURN(CampaignStatusReport report, service.Status(context.workspace(), campaign.id));
  ASSIGN_OR_RETURN(std::optional<Instant> next, db->engine().NextWork());
  if (context.json()) {
    nlohmann::json out = CampaignJson(report.campaign);
    nlohmann::json enrollments = nlohmann::json::object();
    for (const auto& [status, count] : report.enrollments) {
      enrollments[std::string(sequence::ToString(status))] = count;
    }
    out["enrollments"] = enrollments;
    out["unknown_messages"] = report.unknown_messages;
    context.out() << Dump(out) << "\n";
    return OkStatus();
  }
  std::ostream& out = context.out();
  out << "campaign '" << campaign.name << "': " << sequence::ToString(report.campaign.status)
      << ", version " << report.campaign.latest_version << "\n  enrollments:";
  if (report.enrollments.empty()) out << " none";
  for (const auto& [status, count] : report.enrollments) {
    out << " " << sequence::ToString(status) << " " << count;
  }
  out << "\n";
  if (report.unknown_messages > 0) {
    out << "  " << report.unknown_messages
        << " messages in the ambiguous window (the dispatcher died mid-send and the channel "
           "cannot tell): not resent\n";
  }
  if (next) out << "  engine: next work at " << FormatRfc3339(*next) << "\n";
  return OkStatus();
}

Status ShowStats(Context& context, const CampaignArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  CampaignService service(*db, context.clock());
  ASSIGN_OR_RETURN(Campaign campaign, service.Find(context.workspace(), args.name));
  ASSIGN_OR_RETURN(std::vector<StepStats> stats, service.Stats(context.workspace(), campaign.id));
  using sequence::MessageStatus;
  auto status = [](const StepStats& s, MessageStatus m) {
    return s.by_status[static_cast<size_t>(m)];
  };
  auto event = [](const StepStats& s, EventKind k) { return s.events[static_cast<size_t>(k)]; };
  if (context.json()) {
    nlohmann::json array = nlohmann::json::array();
    for (const StepStats& s : stats) {
      nlohmann::json row = {{"step", s.step}, {"variant", s.variant}};
      row["planned"] = status(s, MessageStatus::kPlanned) + status(s, MessageStatus::kClaimed) +
                       status(s, MessageStatus::kSending);
      row["sent"] = status(s, MessageStatus::kSent);
      row["failed"] = status(s, MessageStatus::kFailed);
      row["skipped"] = status(s, MessageStatus::kSkipped) + status(s, MessageStatus::kCancelled);
      row["unknown"] = status(s, MessageStatus::kUnknown);
      for (const EventKind k :
           {EventKind::kOpened, EventKind::kClicked, EventKind::kReplied, EventKind::kBounced,
            EventKind::kUnsubscribed, EventKind::kAccepted}) {
        row[std::string(ToString(k))] = event(s, k);
      }
      // Opens and clicks also without machine traffic (privacy proxies, link scanners).
      for (const EventKind k : {EventKind::kOpened, EventKind::kClicked}) {
        row[StrCat(ToString(k), "_human")] = s.human_events[static_cast<size_t>(k)];
      }
      array.push_back(row);
    }
    context.out() << Dump(array) << "\n";
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const StepStats& s : stats) {
    rows.push_back(
        {s.step, s.variant,
         StrCat(status(s, MessageStatus::kPlanned) + status(s, MessageStatus::kClaimed) +
                status(s, MessageStatus::kSending)),
         StrCat(status(s, MessageStatus::kSent)), StrCat(status(s, MessageStatus::kFailed)),
         StrCat(status(s, MessageStatus::kSkipped) + status(s, MessageStatus::kCancelled)),
         // total (people): machine traffic is in the total only
         StrCat(event(s, EventKind::kOpened), " (",
                s.human_events[static_cast<size_t>(EventKind::kOpened)], ")"),
         StrCat(event(s, EventKind::kClicked), " (",
                s.human_events[static_cast<size_t>(EventKind::kClicked)], ")"),
         StrCat(event(s, EventKind::kReplied)), StrCat(event(s, EventKind::kBounced)),
         StrCat(event(s, EventKind::kUnsubscribed))});
  }
  PrintTable(context.out(),
             {"step", "variant", "planned", "sent", "failed", "skipped", "opened (people)",
              "clicked (people)", "replied", "bounced", "unsubscribed"},
             rows);
  return OkStatus();
}

Status Archive(Context& context, const CampaignArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  CampaignService service(*db, context.clock());
  ASSIGN_OR_RETURN(Campaign campaign, service.Find(context.workspace(), args.name));
  TRY(db->campaigns().SetArchived(context.workspace(), campaign.id, !args.unarchive));
  context.err() << "campaign '" << campaign.name << "' " << (args.unarchive ? "un" : "")
                << "archived\n";
  return OkStatus();
}

}  // namespace

void AddCampaignsCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<CampaignArgs>();
  CLI::App* campaigns = app.add_subcommand("campaigns", "Create and run campaigns");
  campaigns->require_subcommand(1);
  auto add = [&](const char* name, const char* help, auto run) {
    CLI::App* sub = campaigns->add_subcommand(name, help);
    sub->callback([&context, args, run] {
      if (Status s = run(context, *args); !s.ok()) context.Fail(s);
    });
    return sub;
  };
  add("create", "Create a draft campaign from a YAML or JSON file (docs/CAMPAIGNS.md)", Create)
      ->add_option("file", args->file, "Definition file")
      ->required();
  CLI::App* update =
      add("update", "Save a new definition (a changed sequence is a new version)", Update);
  update->add_option("file", args->file, "Definition file")->required();
  update->add_option("--campaign", args->name, "Campaign to update (default: the file's name)");
  update->add_flag("--migrate", args->migrate,
                   "Move live enrollments to the new version at their next step");
  add("list", "List campaigns", List)
      ->add_flag("--archived", args->include_archived, "Include archived campaigns");
  CLI::App* show = add("show", "Print a campaign's definition as JSON", Show);
  show->add_option("campaign", args->name, "Name or id")->required();
  show->add_option("--version", args->version, "Sequence version (default: latest)");
  add("launch", "Validate, enroll the audience and plan the first steps", Launch)
      ->add_option("campaign", args->name, "Name or id")
      ->required();
  add("pause", "Stop new sends now (in-flight sends finish)",
      [](Context& c, const CampaignArgs& a) {
        return Change(c, a, &CampaignService::Pause, "paused");
      })
      ->add_option("campaign", args->name, "Name or id")
      ->required();
  add("resume", "Resume; what fell due while paused goes to the next allowed slots",
      [](Context& c, const CampaignArgs& a) {
        return Change(c, a, &CampaignService::Resume, "resumed");
      })
      ->add_option("campaign", args->name, "Name or id")
      ->required();
  add("stop", "Stop for good: live enrollments stop, planned messages are cancelled",
      [](Context& c, const CampaignArgs& a) {
        return Change(c, a, &CampaignService::Stop, "stopped");
      })
      ->add_option("campaign", args->name, "Name or id")
      ->required();
  add("status", "Status, enrollments by status, ambiguous sends", ShowStatus)
      ->add_option("campaign", args->name, "Name or id")
      ->required();
  add("stats", "Per step and variant: planned, sent, failed, skipped, opens, clicks, replies...",
      ShowStats)
      ->add_option("campaign", args->name, "Name or id")
      ->required();
  CLI::App* archive = add("archive", "Hide a campaign from lists", Archive);
  archive->add_option("campaign", args->name, "Name or id")->required();
  archive->add_flag("--undo", args->unarchive, "Unarchive");
}

}  // namespace cadent::cli
