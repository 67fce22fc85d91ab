// `cadent templates create|update|check|list|show|versions|preview|missing`.
#include <fstream>
#include <ostream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "cli/cli.hpp"
#include "cli/contact_lookup.hpp"
#include "cli/output.hpp"
#include "cli/template_file.hpp"
#include "core/common/strings.hpp"
#include "engine/template_service.hpp"

namespace cadent::cli {
namespace {

struct TemplateArgs {
  std::string file;
  std::string name;  // create: overrides the file's; the others: the template (name or id)
  std::string channel;
  std::string subject;
  std::string note;
  int version = 0;
  std::string contact;
  int64_t step = 0;
  std::string list;
  int limit = 50;
  templating::SenderFields sender;
};

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot open '", path, "'"));
  std::string text;
  char buffer[64 * 1024];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxTemplateFileBytes) {
      return absl::InvalidArgumentError(StrCat(path, ": larger than ", kMaxTemplateFileBytes,
                                               " bytes; a template file is at most that"));
    }
  }
  if (in.bad()) return absl::UnavailableError(StrCat("cannot read '", path, "'"));
  return text;
}

// The file's template with the command line's --name/--channel/--subject applied.
Result<TemplateFile> LoadTemplateFile(const TemplateArgs& args) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(args.file));
  ASSIGN_OR_RETURN(TemplateFile file, ParseTemplateFile(args.file, text));
  if (!args.channel.empty()) {
    std::optional<templating::Channel> channel = templating::ParseChannel(args.channel);
    if (!channel) {
      return absl::InvalidArgumentError(
          StrCat("--channel wants email, linkedin_invite, linkedin_message or sms, got '",
                 args.channel, "'"));
    }
    if (file.has_channel && *channel != file.source.channel) {
      return absl::InvalidArgumentError(StrCat(args.file, " says channel ",
                                               templating::ToString(file.source.channel),
                                               " but --channel says ", args.channel));
    }
    if (!file.has_channel && *channel != templating::Channel::kEmail) {
      // A bare body was read as email HTML: on the other channels it is the text.
      file.source.text = std::move(file.source.html);
      file.source.html.clear();
    }
    file.source.channel = *channel;
  }
  if (!args.subject.empty()) file.source.subject = args.subject;
  if (!args.note.empty()) file.note = args.note;
  return file;
}

void PrintWarnings(Context& context, const templating::Validation& validation) {
  for (const templating::Diagnostic& d : validation.warnings) {
    context.err() << "warning: " << d.ToString() << "\n";
  }
}

nlohmann::json ToJson(const Template& t) {
  return {{"id", t.id.value()},
          {"name", t.name},
          {"channel", templating::ToString(t.channel)},
          {"latest_version", t.latest_version},
          {"created_at", FormatRfc3339(t.created_at)},
          {"updated_at", FormatRfc3339(t.updated_at)}};
}

nlohmann::json ToJson(const TemplateVersion& v) {
  nlohmann::json out = {
      {"version", v.version}, {"created_at", FormatRfc3339(v.created_at)}, {"note", v.note}};
  if (v.source.channel == templating::Channel::kEmail) {
    out["subject"] = v.source.subject;
    out["html"] = v.source.html;
  }
  out["text"] = v.source.text;
  return out;
}

nlohmann::json ToJson(const templating::Validation& validation) {
  auto list = [](const std::vector<templating::Diagnostic>& ds) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : ds) {
      out.push_back(
          {{"part", d.part}, {"line", d.line}, {"column", d.column}, {"message", d.message}});
    }
    return out;
  };
  return {{"errors", list(validation.errors)},
          {"warnings", list(validation.warnings)},
          {"unknown_variables", validation.unknown_variables},
          {"variables_without_fallback", validation.variables_without_fallback}};
}

// `who` is a template name, or its id.
Result<Template> FindTemplate(Database& db, WorkspaceId workspace, const std::string& who) {
  ASSIGN_OR_RETURN(std::optional<Template> by_name, db.templates().FindByName(workspace, who));
  if (by_name) return *std::move(by_name);
  int64_t id = 0;
  if (absl::SimpleAtoi(who, &id) && id > 0) return db.templates().Get(workspace, TemplateId(id));
  return absl::NotFoundError(StrCat("no template named '", who, "'"));
}

Status Save(Context& context, const TemplateArgs& args, SaveMode mode) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(TemplateFile file, LoadTemplateFile(args));
  std::string name = args.name.empty() ? file.name : args.name;
  if (mode == SaveMode::kUpdate && !args.name.empty()) {
    // `update NAME FILE`: NAME may be the id.
    ASSIGN_OR_RETURN(Template existing, FindTemplate(*db, context.workspace(), args.name));
    name = existing.name;
  }
  if (name.empty()) {
    return absl::InvalidArgumentError(
        StrCat(args.file, " has no name: add 'name:' to its front matter or pass --name"));
  }
  TemplateService service(*db, context.clock());
  ASSIGN_OR_RETURN(TemplateSaveResult saved,
                   service.Save(context.workspace(), name, file.source, file.note, mode));
  PrintWarnings(context, saved.validation);
  if (context.json()) {
    nlohmann::json out = ToJson(saved.tmpl);
    out["version"] = saved.version;
    out["unchanged"] = saved.unchanged;
    out["validation"] = ToJson(saved.validation);
    context.out() << Dump(out) << "\n";
  } else if (saved.unchanged) {
    context.out() << "template '" << saved.tmpl.name << "' unchanged (version " << saved.version
                  << ")\n";
  } else {
    context.out() << (mode == SaveMode::kCreate ? "created" : "updated") << " template '"
                  << saved.tmpl.name << "' (id " << saved.tmpl.id.value() << ", "
                  << templating::ToString(saved.tmpl.channel) << ", version " << saved.version
                  << ")\n";
  }
  return OkStatus();
}

Status Check(Context& context, const TemplateArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(TemplateFile file, LoadTemplateFile(args));
  TemplateService service(*db, context.clock());
  ASSIGN_OR_RETURN(templating::Validation validation,
                   service.Check(context.workspace(), file.source));
  if (context.json()) {
    context.out() << Dump(ToJson(validation)) << "\n";
  } else {
    for (const auto& d : validation.errors) context.out() << "error: " << d.ToString() << "\n";
    for (const auto& d : validation.warnings) context.out() << "warning: " << d.ToString() << "\n";
    if (validation.ok()) context.out() << args.file << ": ok\n";
  }
  if (!validation.ok()) {
    return absl::InvalidArgumentError(
        StrCat(args.file, ": ", validation.errors.size(), " error(s)"));
  }
  return OkStatus();
}

Status List(Context& context) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(std::vector<Template> all, db->templates().List(context.workspace()));
  if (context.json()) {
    nlohmann::json array = nlohmann::json::array();
    for (const Template& t : all) array.push_back(ToJson(t));
    context.out() << Dump(array) << "\n";
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const Template& t : all) {
    rows.push_back({StrCat(t.id.value()), t.name, std::string(templating::ToString(t.channel)),
                    StrCat(t.latest_version), FormatRfc3339(t.updated_at)});
  }
  PrintTable(context.out(), {"id", "name", "channel", "version", "updated"}, rows);
  return OkStatus();
}

Status Show(Context& context, const TemplateArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(Template t, FindTemplate(*db, context.workspace(), args.name));
  ASSIGN_OR_RETURN(TemplateVersion v,
                   db->templates().GetVersion(context.workspace(), t.id,
                                              args.version == 0 ? t.latest_version : args.version));
  nlohmann::json out = ToJson(t);
  out["shown_version"] = ToJson(v);
  context.out() << Dump(out) << "\n";
  return OkStatus();
}

Status Versions(Context& context, const TemplateArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(Template t, FindTemplate(*db, context.workspace(), args.name));
  ASSIGN_OR_RETURN(std::vector<TemplateVersion> versions,
                   db->templates().Versions(context.workspace(), t.id));
  if (context.json()) {
    nlohmann::json array = nlohmann::json::array();
    for (const TemplateVersion& v : versions) array.push_back(ToJson(v));
    context.out() << Dump(array) << "\n";
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const TemplateVersion& v : versions) {
    rows.push_back({StrCat(v.version), FormatRfc3339(v.created_at), v.note});
  }
  PrintTable(context.out(), {"version", "created", "note"}, rows);
  return OkStatus();
}

Status Preview(Context& context, const TemplateArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(Template t, FindTemplate(*db, context.workspace(), args.name));
  ASSIGN_OR_RETURN(Contact contact, FindContact(*db, context.workspace(), args.contact));
  TemplateService service(*db, context.clock());
  ASSIGN_OR_RETURN(TemplatePreview preview, service.Preview(context.workspace(), t.id, args.version,
                                                            contact, args.sender, args.step));
  const templating::Rendered& r = preview.rendered;
  if (context.json()) {
    nlohmann::json links = nlohmann::json::array();
    for (const templating::Link& l : r.links) links.push_back({{"url", l.url}, {"text", l.text}});
    nlohmann::json out = {{"template", t.name},
                          {"version", preview.version},
                          {"contact_id", contact.id.value()},
                          {"channel", templating::ToString(t.channel)},
                          {"text", r.text},
                          {"characters", r.characters},
                          {"missing", preview.missing},
                          {"day_of_week", preview.day_of_week},
                          {"zone", preview.zone},
                          {"zone_source", preview.zone_source}};
    if (t.channel == templating::Channel::kEmail) {
      out["subject"] = r.subject;
      out["html"] = r.html;
      out["links"] = links;
    }
    if (t.channel == templating::Channel::kSms) {
      out["sms_segments"] = r.sms_segments;
      out["sms_encoding"] =
          r.sms_encoding == templating::Rendered::SmsEncoding::kGsm7 ? "gsm7" : "ucs2";
    }
    context.out() << Dump(out) << "\n";
    return OkStatus();
  }
  std::ostream& out = context.out();
  out << "template: " << t.name << " v" << preview.version << " ("
      << templating::ToString(t.channel) << ") for contact " << contact.id.value() << "\n";
  if (t.channel == templating::Channel::kEmail) {
    out << "subject: " << r.subject << "\n\n--- html\n" << r.html << "\n--- text\n";
  }
  out << r.text << "\n---\n";
  if (t.channel == templating::Channel::kEmail) {
    for (const templating::Link& l : r.links) out << "link: " << l.url << "\n";
  }
  out << "characters: " << r.characters << "\n";
  if (t.channel == templating::Channel::kSms) {
    out << "sms: " << r.sms_segments << " segment(s), "
        << (r.sms_encoding == templating::Rendered::SmsEncoding::kGsm7 ? "GSM-7" : "UCS-2") << "\n";
  }
  if (!preview.missing.empty()) {
    out << "missing (rendered empty, no fallback): " << absl::StrJoin(preview.missing, ", ")
        << "\n";
  }
  return OkStatus();
}

Status Missing(Context& context, const TemplateArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(Template t, FindTemplate(*db, context.workspace(), args.name));
  std::optional<ListId> list;
  if (!args.list.empty()) {
    ASSIGN_OR_RETURN(ContactList l, FindListByName(*db, context.workspace(), args.list));
    list = l.id;
  }
  TemplateService service(*db, context.clock());
  ASSIGN_OR_RETURN(MissingDataReport report,
                   service.MissingData(context.workspace(), t.id, args.version, list, args.limit));
  if (context.json()) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : report.rows) {
      rows.push_back({{"contact_id", row.contact.id.value()},
                      {"email", row.contact.data.email},
                      {"missing", row.variables}});
    }
    context.out() << Dump({{"audience", report.audience},
                           {"affected", report.affected},
                           {"by_variable", report.by_variable},
                           {"contacts", rows}})
                  << "\n";
    return OkStatus();
  }
  context.out() << report.affected << " of " << report.audience
                << " active contacts would render with an empty variable\n";
  for (const auto& [variable, count] : report.by_variable) {
    context.out() << "  " << variable << ": " << count << "\n";
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : report.rows) {
    const ContactData& d = row.contact.data;
    rows.push_back(
        {StrCat(row.contact.id.value()),
         !d.email.empty() ? d.email : (!d.linkedin_url.empty() ? d.linkedin_url : d.phone),
         absl::StrJoin(row.variables, ", ")});
  }
  if (!rows.empty()) PrintTable(context.out(), {"id", "contact", "missing"}, rows);
  return OkStatus();
}

}  // namespace

void AddTemplatesCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<TemplateArgs>();
  CLI::App* templates = app.add_subcommand("templates", "Message templates and their versions");
  templates->require_subcommand(1);
  auto run = [&context](std::function<Status()> body) {
    return [&context, body] {
      if (Status s = body(); !s.ok()) context.Fail(s);
    };
  };
  auto file_options = [args](CLI::App* cmd) {
    cmd->add_option("--channel", args->channel,
                    "email, linkedin_invite, linkedin_message or sms (when the file does not say)");
    cmd->add_option("--subject", args->subject, "Email subject (overrides the file's)");
    cmd->add_option("--note", args->note, "What this version changes");
  };

  CLI::App* create = templates->add_subcommand("create", "Create a template from a file");
  create->add_option("file", args->file, "Front matter + body, or a JSON object")->required();
  create->add_option("--name", args->name, "Template name (overrides the file's)");
  file_options(create);
  create->callback(run([&context, args] { return Save(context, *args, SaveMode::kCreate); }));

  CLI::App* update =
      templates->add_subcommand("update", "Add a version from a file (no-op when unchanged)");
  update->add_option("template", args->name, "Template name or id")->required();
  update->add_option("file", args->file, "Front matter + body, or a JSON object")->required();
  file_options(update);
  update->callback(run([&context, args] { return Save(context, *args, SaveMode::kUpdate); }));

  CLI::App* check = templates->add_subcommand("check", "Validate a file without saving it");
  check->add_option("file", args->file, "Front matter + body, or a JSON object")->required();
  file_options(check);
  check->callback(run([&context, args] { return Check(context, *args); }));

  templates->add_subcommand("list", "All templates")->callback(run([&context] {
    return List(context);
  }));

  CLI::App* show = templates->add_subcommand("show", "A template and one version's source");
  show->add_option("template", args->name, "Template name or id")->required();
  show->add_option("--version", args->version, "Version (default: latest)");
  show->callback(run([&context, args] { return Show(context, *args); }));

  CLI::App* versions = templates->add_subcommand("versions", "A template's versions");
  versions->add_option("template", args->name, "Template name or id")->required();
  versions->callback(run([&context, args] { return Versions(context, *args); }));

  CLI::App* preview = templates->add_subcommand("preview", "Render a template for one contact");
  preview->add_option("template", args->name, "Template name or id")->required();
  preview->add_option("--contact", args->contact, "Contact id or email")->required();
  preview->add_option("--version", args->version, "Version (default: latest)");
  preview->add_option("--step", args->step, "Step id for the spintax choice (default 0)");
  preview->add_option("--sender-first-name", args->sender.first_name, "{{sender.first_name}}");
  preview->add_option("--sender-last-name", args->sender.last_name, "{{sender.last_name}}");
  preview->add_option("--sender-email", args->sender.email, "{{sender.email}}");
  preview->add_option("--sender-company", args->sender.company, "{{sender.company}}");
  preview->add_option("--sender-signature", args->sender.signature, "{{sender.signature}}");
  preview->callback(run([&context, args] { return Preview(context, *args); }));

  CLI::App* missing = templates->add_subcommand(
      "missing", "Contacts that would render with an empty variable (no fallback)");
  missing->add_option("template", args->name, "Template name or id")->required();
  missing->add_option("--list", args->list, "Only this list's contacts (default: all)");
  missing->add_option("--version", args->version, "Version (default: latest)");
  missing->add_option("--limit", args->limit, "Contacts to list (counts cover everyone)")
      ->check(CLI::Range(0, 100000));
  missing->callback(run([&context, args] { return Missing(context, *args); }));
}

}  // namespace cadent::cli
