// `cadent contacts list|show|export`.
#include <cstdio>
#include <fstream>
#include <ostream>
#include <set>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "cli/cli.hpp"
#include "cli/contact_lookup.hpp"
#include "cli/output.hpp"
#include "core/common/strings.hpp"
#include "core/csv/csv_writer.hpp"

namespace cadent::cli {
namespace {

struct ListFlags {
  std::string list;
  std::string status;
  std::string search;
  int limit = 50;
  int64_t after = 0;
};

Result<ContactQuery> BuildQuery(Context& context, Database& db, const ListFlags& flags) {
  ContactQuery query;
  query.search = flags.search;
  query.limit = flags.limit;
  query.after = ContactId(flags.after);
  if (!flags.status.empty()) {
    query.status = ParseContactStatus(flags.status);
    if (!query.status) {
      return absl::InvalidArgumentError(StrCat(
          "--status wants active, unsubscribed, bounced or complained, got '", flags.status, "'"));
    }
  }
  if (!flags.list.empty()) {
    ASSIGN_OR_RETURN(ContactList list, FindListByName(db, context.workspace(), flags.list));
    query.list = list.id;
  }
  return query;
}

Status ListContacts(Context& context, const ListFlags& flags) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(ContactQuery query, BuildQuery(context, *db, flags));
  ASSIGN_OR_RETURN(std::vector<Contact> contacts, db->contacts().List(context.workspace(), query));
  if (context.json()) {
    nlohmann::json array = nlohmann::json::array();
    for (const Contact& c : contacts) array.push_back(ToJson(c));
    context.out() << Dump(array) << "\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const Contact& c : contacts) {
      const ContactData& d = c.data;
      std::string name = d.first_name;
      if (!d.last_name.empty()) StrAppend(&name, name.empty() ? "" : " ", d.last_name);
      rows.push_back({StrCat(c.id.value()),
                      !d.email.empty()          ? d.email
                      : !d.linkedin_url.empty() ? d.linkedin_url
                                                : d.phone,
                      name, d.company, std::string(ToString(c.status))});
    }
    PrintTable(context.out(), {"id", "email", "name", "company", "status"}, rows);
  }
  if (static_cast<int>(contacts.size()) == query.limit) {
    context.err() << "more: --after " << contacts.back().id << "\n";
  }
  return OkStatus();
}

Status ShowContact(Context& context, const std::string& who) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(Contact contact, FindContact(*db, context.workspace(), who));
  nlohmann::json json = ToJson(contact);
  ASSIGN_OR_RETURN(std::optional<SuppressionEntry> suppressed,
                   db->suppression().Match(context.workspace(), contact.data));
  json["suppressed_by"] = suppressed ? ToJson(*suppressed) : nlohmann::json(nullptr);
  context.out() << Dump(json) << "\n";
  return OkStatus();
}

// Writes every matching contact as CSV, spreadsheet formulas neutralised. Custom fields
// become columns (the union over the exported contacts, sorted), found in a first pass.
Status ExportContacts(Context& context, const ListFlags& flags, const std::string& output) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ListFlags all = flags;
  all.limit = 1000;
  all.after = 0;
  ASSIGN_OR_RETURN(ContactQuery query, BuildQuery(context, *db, all));

  std::set<std::string> custom_names;
  for (ContactQuery page = query;;) {
    ASSIGN_OR_RETURN(std::vector<Contact> contacts, db->contacts().List(context.workspace(), page));
    if (contacts.empty()) break;
    for (const Contact& c : contacts) {
      for (const auto& [name, value] : c.data.custom_fields) custom_names.insert(name);
    }
    page.after = contacts.back().id;
  }

  std::ofstream file;
  std::ostream* out = &context.out();
  if (!output.empty() && output != "-") {
    file.open(output, std::ios::binary | std::ios::trunc);
    if (!file) return absl::PermissionDeniedError(StrCat("cannot write '", output, "'"));
    out = &file;
  }
  csv::WriterOptions options;
  options.formula_guard = csv::FormulaGuard::kNeutralize;
  std::string buffer;
  std::vector<std::string_view> header = {
      "id",        "email",        "first_name",           "last_name", "company",   "title",
      "phone",     "linkedin_url", "linkedin_provider_id", "country",   "time_zone", "status",
      "created_at"};
  for (const std::string& name : custom_names) header.push_back(name);
  csv::AppendRecord(header, options, &buffer);
  int64_t exported = 0;
  for (ContactQuery page = query;;) {
    ASSIGN_OR_RETURN(std::vector<Contact> contacts, db->contacts().List(context.workspace(), page));
    if (contacts.empty()) break;
    for (const Contact& c : contacts) {
      const ContactData& d = c.data;
      const std::string id = StrCat(c.id.value());
      const std::string created = FormatRfc3339(c.created_at);
      std::vector<std::string_view> row = {id,          d.email,        d.first_name,
                                           d.last_name, d.company,      d.title,
                                           d.phone,     d.linkedin_url, d.linkedin_provider_id,
                                           d.country,   d.time_zone,    ToString(c.status),
                                           created};
      for (const std::string& name : custom_names) {
        auto it = d.custom_fields.find(name);
        row.push_back(it == d.custom_fields.end() ? std::string_view() : it->second);
      }
      csv::AppendRecord(row, options, &buffer);
      ++exported;
    }
    out->write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    buffer.clear();
    page.after = contacts.back().id;
  }
  out->write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  out->flush();
  if (!*out) return absl::DataLossError("writing the export failed");
  if (out != &context.out()) context.err() << "exported " << exported << " contacts\n";
  return OkStatus();
}

}  // namespace

void AddContactsCommand(CLI::App& app, Context& context) {
  CLI::App* contacts = app.add_subcommand("contacts", "List, show and export contacts");
  contacts->require_subcommand(1);

  auto flags = std::make_shared<ListFlags>();
  auto add_filters = [flags](CLI::App* sub) {
    sub->add_option("--list", flags->list, "Members of this list only");
    sub->add_option("--status", flags->status, "active, unsubscribed, bounced or complained");
    sub->add_option("--search", flags->search, "Substring of email, name or company");
  };
  CLI::App* list = contacts->add_subcommand("list", "List contacts (a page at a time)");
  add_filters(list);
  list->add_option("--limit", flags->limit, "Page size")->check(CLI::Range(1, 10000));
  list->add_option("--after", flags->after, "Cursor: the last id of the previous page");
  list->callback([&context, flags] {
    if (Status s = ListContacts(context, *flags); !s.ok()) context.Fail(s);
  });

  auto who = std::make_shared<std::string>();
  CLI::App* show = contacts->add_subcommand("show", "One contact as JSON");
  show->add_option("contact", *who, "Contact id or email address")->required();
  show->callback([&context, who] {
    if (Status s = ShowContact(context, *who); !s.ok()) context.Fail(s);
  });

  auto output = std::make_shared<std::string>("-");
  CLI::App* exp = contacts->add_subcommand("export", "Write contacts as CSV");
  add_filters(exp);
  exp->add_option("--output,-o", *output, "File to write (- for standard output)");
  exp->callback([&context, flags, output] {
    if (Status s = ExportContacts(context, *flags, *output); !s.ok()) context.Fail(s);
  });
}

}  // namespace cadent::cli
