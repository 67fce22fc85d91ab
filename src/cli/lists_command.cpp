// `cadent lists create|list|show|delete|add|remove`.
#include <ostream>

#include "CLI/CLI.hpp"
#include "cli/cli.hpp"
#include "cli/contact_lookup.hpp"
#include "cli/output.hpp"
#include "core/common/strings.hpp"

namespace cadent::cli {
namespace {

struct ListArgs {
  std::string name;
  std::vector<std::string> contacts;
};

Status CreateList(Context& context, const ListArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(ContactList list, db->lists().Create(context.workspace(), args.name));
  context.out() << Dump(ToJson(list)) << "\n";
  return OkStatus();
}

Status ListLists(Context& context) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(std::vector<ContactList> lists, db->lists().List(context.workspace()));
  if (context.json()) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& l : lists) array.push_back(ToJson(l));
    context.out() << Dump(array) << "\n";
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& l : lists) {
    rows.push_back(
        {StrCat(l.id.value()), l.name, StrCat(l.member_count), FormatRfc3339(l.created_at)});
  }
  PrintTable(context.out(), {"id", "name", "members", "created"}, rows);
  return OkStatus();
}

Status ShowList(Context& context, const ListArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(ContactList list, FindListByName(*db, context.workspace(), args.name));
  context.out() << Dump(ToJson(list)) << "\n";
  return OkStatus();
}

Status DeleteList(Context& context, const ListArgs& args) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(ContactList list, FindListByName(*db, context.workspace(), args.name));
  TRY(db->lists().Delete(context.workspace(), list.id));
  context.err() << "deleted list '" << list.name << "' (its " << list.member_count
                << " contacts are kept)\n";
  return OkStatus();
}

enum class Membership { kAdd, kRemove };

Status ChangeMembers(Context& context, const ListArgs& args, Membership change) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(ContactList list, FindListByName(*db, context.workspace(), args.name));
  std::vector<ContactId> ids;
  for (const std::string& who : args.contacts) {
    ASSIGN_OR_RETURN(Contact contact, FindContact(*db, context.workspace(), who));
    ids.push_back(contact.id);
  }
  if (change == Membership::kAdd) {
    ASSIGN_OR_RETURN(int64_t added, db->lists().AddMembers(context.workspace(), list.id, ids));
    context.err() << "added " << added << " of " << ids.size() << " to '" << list.name << "'\n";
  } else {
    ASSIGN_OR_RETURN(int64_t removed, db->lists().RemoveMembers(context.workspace(), list.id, ids));
    context.err() << "removed " << removed << " of " << ids.size() << " from '" << list.name
                  << "'\n";
  }
  return OkStatus();
}

}  // namespace

void AddListsCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<ListArgs>();
  CLI::App* lists = app.add_subcommand("lists", "Contact lists");
  lists->require_subcommand(1);

  CLI::App* create = lists->add_subcommand("create", "Create a list");
  create->add_option("name", args->name, "List name")->required();
  create->callback([&context, args] {
    if (Status s = CreateList(context, *args); !s.ok()) context.Fail(s);
  });
  lists->add_subcommand("list", "All lists with member counts")->callback([&context] {
    if (Status s = ListLists(context); !s.ok()) context.Fail(s);
  });
  CLI::App* show = lists->add_subcommand("show", "One list as JSON");
  show->add_option("name", args->name, "List name")->required();
  show->callback([&context, args] {
    if (Status s = ShowList(context, *args); !s.ok()) context.Fail(s);
  });
  CLI::App* del = lists->add_subcommand("delete", "Delete a list (contacts are kept)");
  del->add_option("name", args->name, "List name")->required();
  del->callback([&context, args] {
    if (Status s = DeleteList(context, *args); !s.ok()) context.Fail(s);
  });
  CLI::App* add = lists->add_subcommand("add", "Add contacts to a list");
  add->add_option("name", args->name, "List name")->required();
  add->add_option("contacts", args->contacts, "Contact ids or emails")->required();
  add->callback([&context, args] {
    if (Status s = ChangeMembers(context, *args, Membership::kAdd); !s.ok()) context.Fail(s);
  });
  CLI::App* remove = lists->add_subcommand("remove", "Remove contacts from a list");
  remove->add_option("name", args->name, "List name")->required();
  remove->add_option("contacts", args->contacts, "Contact ids or emails")->required();
  remove->callback([&context, args] {
    if (Status s = ChangeMembers(context, *args, Membership::kRemove); !s.ok()) context.Fail(s);
  });
}

}  // namespace cadent::cli
