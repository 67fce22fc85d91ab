// `cadent dkim add|list|remove|dns`: the DKIM keys email from each sending domain is signed
// with. Private keys are sealed like sender credentials; the public half is printed as the
// DNS record to publish.
#include <cctype>
#include <fstream>
#include <ostream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "channels/email/dkim.hpp"
#include "cli/cli.hpp"
#include "cli/output.hpp"
#include "core/common/strings.hpp"

namespace cadent::cli {
namespace {

struct DkimArgs {
  std::string domain;
  std::string selector = "cadent";
  std::string algorithm = "ed25519";
  std::string key_file;
  int rsa_bits = 2048;
};

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

void PrintRecord(Context& context, const DkimKeyRecord& key) {
  if (context.json()) {
    context.out() << Dump({{"domain", key.domain},
                           {"selector", key.selector},
                           {"algorithm", key.algorithm},
                           {"dns_name", StrCat(key.selector, "._domainkey.", key.domain)},
                           {"dns_txt", key.dns_txt}})
                  << "\n";
    return;
  }
  context.out() << key.selector << "._domainkey." << key.domain << ". IN TXT \"" << key.dns_txt
                << "\"\n";
}

Status Add(Context& context, DkimArgs args) {
  args.domain = Lower(args.domain);
  const std::optional<channels::DkimAlgorithm> algorithm =
      channels::ParseDkimAlgorithm(args.algorithm);
  if (!algorithm) {
    return absl::InvalidArgumentError(StrCat("--algorithm '", args.algorithm, "': ed25519 or rsa"));
  }
  channels::DkimKey key;
  key.domain = args.domain;
  key.selector = args.selector;
  key.algorithm = *algorithm;
  if (args.key_file.empty()) {
    ASSIGN_OR_RETURN(
        channels::GeneratedDkimKey generated,
        channels::GenerateDkimKey(*algorithm, args.domain, args.selector, args.rsa_bits));
    key.private_key_pem = std::move(generated.private_key_pem);
  } else {
    std::ifstream in(args.key_file, std::ios::binary);
    if (!in) return absl::InvalidArgumentError(StrCat("--key-file: cannot read ", args.key_file));
    std::stringstream pem;
    pem << in.rdbuf();
    key.private_key_pem = pem.str();
  }
  // Checks the key, its type against the algorithm, the selector and the domain.
  TRY(channels::DkimSigner::Create(key).status());
  DkimKeyRecord record;
  record.workspace_id = context.workspace();
  record.domain = key.domain;
  record.selector = key.selector;
  record.algorithm = std::string(channels::ToString(key.algorithm));
  ASSIGN_OR_RETURN(record.dns_txt, channels::DkimDnsRecord(key));
  ASSIGN_OR_RETURN(Database * db, context.Db());  // first: it makes the database's directory
  ASSIGN_OR_RETURN(const SecretBox* box, context.Secrets());
  const std::string pem = key.private_key_pem;
  ASSIGN_OR_RETURN(DkimKeyRecord added,
                   db->senders().AddDkimKey(record, [box, pem](int64_t id) -> Result<std::string> {
                     return box->Seal(SecretPurpose::kDkimKey, id, pem);
                   }));
  context.err() << "DKIM key for " << added.domain << " added (" << added.algorithm
                << "); publish this record:\n";
  PrintRecord(context, added);
  return OkStatus();
}

Status List(Context& context) {
  ASSIGN_OR_RETURN(Database * db, context.Db());
  ASSIGN_OR_RETURN(std::vector<DkimKeyRecord> keys,
                   db->senders().ListDkimKeys(context.workspace()));
  if (context.json()) {
    nlohmann::json array = nlohmann::json::array();
    for (const DkimKeyRecord& k : keys) {
      array.push_back({{"domain", k.domain},
                       {"selector", k.selector},
                       {"algorithm", k.algorithm},
                       {"dns_name", StrCat(k.selector, "._domainkey.", k.domain)},
                       {"dns_txt", k.dns_txt}});
    }
    context.out() << Dump(array) << "\n";
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const DkimKeyRecord& k : keys) rows.push_back({k.domain, k.selector, k.algorithm});
  PrintTable(context.out(), {"domain", "selector", "algorithm"}, rows);
  return OkStatus();
}

}  // namespace

void AddDkimCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<DkimArgs>();
  CLI::App* dkim = app.add_subcommand("dkim", "DKIM signing keys per sending domain");
  dkim->require_subcommand(1);
  CLI::App* add = dkim->add_subcommand(
      "add", "Add a key for a domain (made for you unless --key-file) and print its DNS record");
  add->add_option("domain", args->domain, "The sending domain (the From address's)")->required();
  add->add_option("--selector", args->selector, "The DNS selector");
  add->add_option("--algorithm", args->algorithm, "ed25519 or rsa")
      ->check(CLI::IsMember({"ed25519", "rsa", "ed25519-sha256", "rsa-sha256"}));
  add->add_option("--key-file", args->key_file, "Use this PEM private key instead of a new one");
  add->add_option("--rsa-bits", args->rsa_bits, "Size of a new RSA key")
      ->check(CLI::IsMember({1024, 2048, 3072, 4096}));
  add->callback([&context, args] {
    if (Status s = Add(context, *args); !s.ok()) context.Fail(s);
  });
  dkim->add_subcommand("list", "List the keys")->callback([&context] {
    if (Status s = List(context); !s.ok()) context.Fail(s);
  });
  CLI::App* dns = dkim->add_subcommand("dns", "Print a domain's DNS record again");
  dns->add_option("domain", args->domain, "The domain")->required();
  dns->callback([&context, args] {
    Status s = [&]() -> Status {
      ASSIGN_OR_RETURN(Database * db, context.Db());
      ASSIGN_OR_RETURN(std::optional<DkimKeyRecord> key,
                       db->senders().FindDkimKey(context.workspace(), Lower(args->domain)));
      if (!key) return absl::NotFoundError(StrCat("no DKIM key for '", args->domain, "'"));
      PrintRecord(context, *key);
      return OkStatus();
    }();
    if (!s.ok()) context.Fail(s);
  });
  CLI::App* remove = dkim->add_subcommand("remove", "Remove a domain's key (mail goes unsigned)");
  remove->add_option("domain", args->domain, "The domain")->required();
  remove->callback([&context, args] {
    Status s = [&]() -> Status {
      ASSIGN_OR_RETURN(Database * db, context.Db());
      TRY(db->senders().RemoveDkimKey(context.workspace(), Lower(args->domain)));
      context.err() << "DKIM key for " << Lower(args->domain) << " removed\n";
      return OkStatus();
    }();
    if (!s.ok()) context.Fail(s);
  });
}

}  // namespace cadent::cli
