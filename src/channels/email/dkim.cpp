#include "channels/email/dkim.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "core/common/strings.hpp"

namespace cadent::channels {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct MdFree {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
using Md = std::unique_ptr<EVP_MD, MdFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

constexpr int kMinRsaBits = 1024;  // RFC 8301: signers MUST NOT use smaller keys
constexpr int kMaxRsaBits = 4096;  // RFC 8301: verifiers need not handle larger ones
constexpr size_t kMaxPemSize = 64 * 1024;
constexpr size_t kLineWidth = 78;  // RFC 5322 2.1.1: SHOULD NOT exceed 78 octets

// The headers signed when present (see dkim.hpp for why), in h= order, as named in h=.
constexpr std::array<std::string_view, 13> kSignedHeaders = {"from",
                                                             "to",
                                                             "subject",
                                                             "date",
                                                             "message-id",
                                                             "reply-to",
                                                             "in-reply-to",
                                                             "references",
                                                             "list-unsubscribe",
                                                             "list-unsubscribe-post",
                                                             "mime-version",
                                                             "content-type",
                                                             "content-transfer-encoding"};

// OpenSSL's reason for the latest error on this thread; the queue is emptied so that no
// stale error is reported by a later, unrelated call on the same thread.
std::string OpenSslError() {
  const unsigned long code = ERR_peek_last_error();
  std::string reason;
  if (code != 0) {
    const char* text = ERR_reason_error_string(code);
    reason = text != nullptr ? text : StrCat("error ", code);
  } else {
    reason = "unknown error";
  }
  ERR_clear_error();
  return reason;
}

Status Internal(std::string_view what) {
  return absl::InternalError(StrCat("dkim: ", what, ": ", OpenSslError()));
}

bool IsWsp(char c) { return c == ' ' || c == '\t'; }

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// RFC 6376 3.5: d= is a domain and s= a selector, both dot-separated labels of letters,
// digits and hyphens (RFC 5321 sub-domain), neither starting nor ending with a hyphen.
Status CheckDnsName(std::string_view name, std::string_view what) {
  if (name.empty()) return absl::InvalidArgumentError(StrCat("dkim: the ", what, " is empty"));
  if (name.size() > 253) {
    return absl::InvalidArgumentError(StrCat("dkim: the ", what, " is longer than 253 octets"));
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63) {
      return absl::InvalidArgumentError(
          StrCat("dkim: the ", what, " \"", name,
                 "\" is not a DNS name (labels of 1 to 63 octets separated by dots)"));
    }
    for (const char c : label) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) {
        return absl::InvalidArgumentError(
            StrCat("dkim: the ", what, " \"", name,
                   "\" may hold only letters, digits, hyphens and dots (internationalized "
                   "names as A-labels, xn--...)"));
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return absl::InvalidArgumentError(
          StrCat("dkim: the ", what, " \"", name, "\" has a label that starts or ends with '-'"));
    }
    start = end + 1;
  }
  return OkStatus();
}

Status CheckNames(std::string_view domain, std::string_view selector) {
  TRY(CheckDnsName(domain, "domain"));
  TRY(CheckDnsName(selector, "selector"));
  if (selector.size() + std::string_view("._domainkey.").size() + domain.size() > 253) {
    return absl::InvalidArgumentError(
        "dkim: <selector>._domainkey.<domain> is longer than 253 octets");
  }
  return OkStatus();
}

Status CheckRsaBits(int bits) {
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return absl::InvalidArgumentError(StrCat("dkim: an RSA key of ", bits, " bits; DKIM needs ",
                                             kMinRsaBits, " to ", kMaxRsaBits,
                                             " bits (RFC 8301), 2048 recommended"));
  }
  return OkStatus();
}

// Never prompts on the terminal (OpenSSL's default for an encrypted PEM): refuses instead.
int NoPassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return -1; }

// The private key of `key`, checked against its algorithm.
Result<Pkey> LoadKey(const DkimKey& key) {
  TRY(CheckNames(key.domain, key.selector));
  const std::string_view pem = key.private_key_pem;
  if (pem.empty()) return absl::InvalidArgumentError("dkim: private_key_pem is empty");
  if (pem.size() > kMaxPemSize) {
    return absl::InvalidArgumentError("dkim: private_key_pem is larger than 64 KiB");
  }
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Internal("BIO_new_mem_buf");
  Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!pkey) {
    const std::string reason = OpenSslError();
    if (pem.find("ENCRYPTED") != std::string_view::npos) {
      return absl::InvalidArgumentError(
          "dkim: private_key_pem is encrypted; give the unencrypted key (cadent seals it)");
    }
    return absl::InvalidArgumentError(
        StrCat("dkim: private_key_pem holds no PEM private key (", reason, ")"));
  }
  const int type = EVP_PKEY_get_base_id(pkey.get());
  const char* type_name = EVP_PKEY_get0_type_name(pkey.get());
  const std::string held = type_name != nullptr ? type_name : "unknown";
  switch (key.algorithm) {
    case DkimAlgorithm::kRsaSha256:
      if (type != EVP_PKEY_RSA) {
        return absl::InvalidArgumentError(
            StrCat("dkim: private_key_pem holds an ", held, " key; rsa-sha256 needs an RSA key"));
      }
      TRY(CheckRsaBits(EVP_PKEY_get_bits(pkey.get())));
      break;
    case DkimAlgorithm::kEd25519Sha256:
      if (type != EVP_PKEY_ED25519) {
        return absl::InvalidArgumentError(StrCat("dkim: private_key_pem holds an ", held,
                                                 " key; ed25519-sha256 needs an ED25519 key"));
      }
      break;
  }
  return pkey;
}

std::string Base64(const unsigned char* data, size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');  // + the NUL EVP_EncodeBlock writes
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<size_t>(std::max(written, 0)));
  return out;
}

// "v=DKIM1; k=...; p=..." for the public half of `pkey`.
Result<std::string> DnsRecord(EVP_PKEY* pkey, DkimAlgorithm algorithm) {
  std::string public_key;
  if (algorithm == DkimAlgorithm::kEd25519Sha256) {
    // RFC 8463 4.2: the raw 32-octet public key.
    std::array<unsigned char, 32> raw{};
    size_t size = raw.size();
    if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &size) != 1) {
      return Internal("EVP_PKEY_get_raw_public_key");
    }
    public_key = Base64(raw.data(), size);
    return StrCat("v=DKIM1; k=ed25519; p=", public_key);
  }
  // The DER SubjectPublicKeyInfo ("MIIBIjAN..."), what every DKIM verifier reads.
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(pkey, &der);
  if (size <= 0) return Internal("i2d_PUBKEY");
  public_key = Base64(der, static_cast<size_t>(size));
  OPENSSL_free(der);
  return StrCat("v=DKIM1; k=rsa; p=", public_key);
}

// ---- The message ----

// One header field as it stands in the message.
struct Field {
  std::string_view name;   // without whitespace before the colon
  std::string_view value;  // after the colon up to the field's last CRLF (folds included)
};

struct SplitMessage {
  std::vector<Field> fields;
  std::string_view body;
};

Status NotAField(size_t line) {
  return absl::InvalidArgumentError(
      StrCat("dkim: header line ", line, " is not a header field (no name and colon)"));
}

// Splits the header section into fields (RFC 5322 2.2) and finds the body.
Result<SplitMessage> Split(std::string_view message) {
  SplitMessage out;
  size_t position = 0;
  size_t line_number = 0;
  while (true) {
    ++line_number;
    const size_t end = message.find("\r\n", position);
    if (end == std::string_view::npos) {
      return absl::InvalidArgumentError(
          "dkim: the message has no empty line (CRLF CRLF) between header and body");
    }
    const std::string_view line = message.substr(position, end - position);
    if (line.empty()) {
      out.body = message.substr(end + 2);
      break;
    }
    // find("\r\n") stopped at the first CRLF, so any CR or LF before it is bare.
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return absl::InvalidArgumentError(
          StrCat("dkim: header line ", line_number, " has a bare CR or LF (lines end in CRLF)"));
    }
    if (IsWsp(line.front())) {
      if (out.fields.empty()) {
        return absl::InvalidArgumentError(
            "dkim: the message starts with a continuation line (whitespace first)");
      }
      Field& field = out.fields.back();
      // Extend the value to the end of this line: the folds stay in it.
      field.value = std::string_view(
          field.value.data(), static_cast<size_t>(message.data() + end - field.value.data()));
    } else {
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) return NotAField(line_number);
      std::string_view name = line.substr(0, colon);
      while (!name.empty() && IsWsp(name.back())) name.remove_suffix(1);  // obs-optional
      if (name.empty()) return NotAField(line_number);
      for (const char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 33 || byte > 126) return NotAField(line_number);
      }
      out.fields.push_back(Field{name, line.substr(colon + 1)});
    }
    position = end + 2;
  }
  return out;
}

// RFC 6376 3.4.2, relaxed header canonicalization: the name in lower case, then ':', then
// the value unfolded, runs of whitespace as one space, none at either end.
void AppendRelaxedHeader(std::string* out, std::string_view name, std::string_view value) {
  for (const char c : name) out->push_back(Lower(c));
  out->push_back(':');
  const size_t value_start = out->size();
  bool space = false;
  for (const char c : value) {
    if (c == '\r' || c == '\n') continue;  // only as CRLF before a continuation's WSP
    if (IsWsp(c)) {
      space = true;
      continue;
    }
    if (space && out->size() > value_start) out->push_back(' ');
    space = false;
    out->push_back(c);
  }
}

// RFC 6376 3.4.4, relaxed body canonicalization: whitespace runs in a line become one
// space, whitespace at line ends goes, empty lines at the end go, and a non-empty body
// ends in CRLF. kInvalidArgument for a bare CR or LF.
Result<std::string> RelaxedBody(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  size_t pending_empty_lines = 0;
  size_t position = 0;
  while (position < body.size()) {
    size_t end = body.find("\r\n", position);
    const bool last = end == std::string_view::npos;
    if (last) end = body.size();
    const std::string_view line = body.substr(position, end - position);
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return absl::InvalidArgumentError("dkim: the body has a bare CR or LF (lines end in CRLF)");
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      // Empty lines count only when text follows them.
      ++pending_empty_lines;
    } else {
      for (; pending_empty_lines > 0; --pending_empty_lines) out.append("\r\n");
      bool space = false;
      for (const char c : line) {
        if (IsWsp(c)) {
          space = true;
          continue;
        }
        if (space) out.push_back(' ');  // leading whitespace stays as one space
        space = false;
        out.push_back(c);
      }
      out.append("\r\n");
    }
    position = last ? body.size() : end + 2;
  }
  return out;
}

// Builds a header field folded at word boundaries into lines of at most kLineWidth octets
// (longer only when one word is).
class Folder {
 public:
  explicit Folder(std::string_view start) : text_(start), line_length_(start.size()) {}

  // Appends `word`, after a space when `space`; folds first when it would not fit.
  void Word(std::string_view word, bool space) {
    const size_t needed = (space ? 1 : 0) + word.size();
    if (line_length_ + needed > kLineWidth && line_length_ > 1) {
      text_.append("\r\n ");
      line_length_ = 1;
    } else if (space) {
      text_.push_back(' ');
      ++line_length_;
    }
    text_.append(word);
    line_length_ += word.size();
  }

  // Appends `text` (base64) filling lines and folding anywhere in it.
  void Fill(std::string_view text) {
    while (!text.empty()) {
      if (line_length_ >= kLineWidth) {
        text_.append("\r\n ");
        line_length_ = 1;
      }
      const size_t take = std::min(text.size(), kLineWidth - line_length_);
      text_.append(text.substr(0, take));
      line_length_ += take;
      text.remove_prefix(take);
    }
  }

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  size_t line_length_;
};

Result<std::array<unsigned char, 32>> Sha256(const EVP_MD* sha256, std::string_view data) {
  std::array<unsigned char, 32> digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, sha256, nullptr) != 1 ||
      size != digest.size()) {
    return Internal("SHA-256");
  }
  return digest;
}

}  // namespace

std::string_view ToString(DkimAlgorithm algorithm) {
  switch (algorithm) {
    case DkimAlgorithm::kRsaSha256:
      return "rsa-sha256";
    case DkimAlgorithm::kEd25519Sha256:
      return "ed25519-sha256";
  }
  return "unknown";
}

std::optional<DkimAlgorithm> ParseDkimAlgorithm(std::string_view text) {
  if (EqualsIgnoreCase(text, "rsa-sha256") || EqualsIgnoreCase(text, "rsa")) {
    return DkimAlgorithm::kRsaSha256;
  }
  if (EqualsIgnoreCase(text, "ed25519-sha256") || EqualsIgnoreCase(text, "ed25519")) {
    return DkimAlgorithm::kEd25519Sha256;
  }
  return std::nullopt;
}

struct DkimSigner::Key {
  Pkey pkey;
  Md sha256;  // fetched once: an implicit fetch per message costs a lookup under a lock
};

DkimSigner::DkimSigner(std::string domain, std::string selector, DkimAlgorithm algorithm,
                       std::unique_ptr<Key> key)
    : domain_(std::move(domain)),
      selector_(std::move(selector)),
      algorithm_(algorithm),
      key_(std::move(key)) {}

DkimSigner::~DkimSigner() = default;

Result<std::shared_ptr<const DkimSigner>> DkimSigner::Create(const DkimKey& key) {
  ASSIGN_OR_RETURN(Pkey pkey, LoadKey(key));
  Md sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  if (!sha256) return Internal("EVP_MD_fetch(SHA256)");
  auto parsed = std::make_unique<Key>(Key{std::move(pkey), std::move(sha256)});
  return std::shared_ptr<const DkimSigner>(
      new DkimSigner(key.domain, key.selector, key.algorithm, std::move(parsed)));
}

Result<std::string> DkimSigner::Sign(std::string_view message, int64_t unix_time) const {
  if (unix_time < 0) return absl::InvalidArgumentError("dkim: t= (unix_time) is negative");
  ASSIGN_OR_RETURN(const SplitMessage split, Split(message));

  // The signed fields, each name once more than it occurs (over-signing, see dkim.hpp);
  // a verifier takes a name's instances from the bottom up, so they are hashed that way.
  std::string signed_data;
  signed_data.reserve(1024);
  std::vector<std::string_view> names;
  std::vector<const Field*> instances;
  for (const std::string_view name : kSignedHeaders) {
    instances.clear();
    for (const Field& field : split.fields) {
      if (EqualsIgnoreCase(field.name, name)) instances.push_back(&field);
    }
    if (name == "from" && instances.size() != 1) {
      return absl::InvalidArgumentError(instances.empty()
                                            ? "dkim: the message has no From header"
                                            : "dkim: the message has more than one From header");
    }
    if (instances.empty()) continue;
    for (auto it = instances.rbegin(); it != instances.rend(); ++it) {
      AppendRelaxedHeader(&signed_data, name, (*it)->value);
      signed_data.append("\r\n");
    }
    names.insert(names.end(), instances.size() + 1, name);
  }

  ASSIGN_OR_RETURN(const std::string body, RelaxedBody(split.body));
  ASSIGN_OR_RETURN(const auto body_hash, Sha256(key_->sha256.get(), body));

  Folder header("DKIM-Signature:");
  header.Word("v=1;", true);
  header.Word(StrCat("a=", ToString(algorithm_), ";"), true);
  header.Word("c=relaxed/relaxed;", true);
  header.Word(StrCat("d=", domain_, ";"), true);
  header.Word(StrCat("s=", selector_, ";"), true);
  header.Word(StrCat("t=", unix_time, ";"), true);
  for (size_t i = 0; i < names.size(); ++i) {
    const bool first = i == 0;
    const bool last = i + 1 == names.size();
    header.Word(StrCat(first ? "h=" : "", names[i], last ? ";" : ":"), first);
  }
  header.Word(StrCat("bh=", Base64(body_hash.data(), body_hash.size()), ";"), true);
  header.Word("b=", true);

  // RFC 6376 3.7: the signature header itself, b= empty, canonicalized, without its CRLF.
  constexpr std::string_view kName = "DKIM-Signature:";
  AppendRelaxedHeader(&signed_data, "DKIM-Signature",
                      std::string_view(header.text()).substr(kName.size()));

  MdCtx context(EVP_MD_CTX_new());
  if (!context) return Internal("EVP_MD_CTX_new");
  std::vector<unsigned char> signature(static_cast<size_t>(EVP_PKEY_get_size(key_->pkey.get())));
  size_t signature_size = signature.size();
  if (algorithm_ == DkimAlgorithm::kRsaSha256) {
    // RSASSA-PKCS1-v1_5 over SHA-256 of the data (RFC 6376 3.3.1).
    if (EVP_DigestSignInit(context.get(), nullptr, key_->sha256.get(), nullptr, key_->pkey.get()) !=
            1 ||
        EVP_DigestSign(context.get(), signature.data(), &signature_size,
                       reinterpret_cast<const unsigned char*>(signed_data.data()),
                       signed_data.size()) != 1) {
      return Internal("RSA signature");
    }
  } else {
    // RFC 8463 3: PureEd25519 over the SHA-256 of the data, not over the data.
    ASSIGN_OR_RETURN(const auto digest, Sha256(key_->sha256.get(), signed_data));
    if (EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1 ||
        EVP_DigestSign(context.get(), signature.data(), &signature_size, digest.data(),
                       digest.size()) != 1) {
      return Internal("Ed25519 signature");
    }
  }
  header.Fill(Base64(signature.data(), signature_size));
  std::string out = header.text();
  out.append("\r\n");
  return out;
}

Result<GeneratedDkimKey> GenerateDkimKey(DkimAlgorithm algorithm, std::string_view domain,
                                         std::string_view selector, int rsa_bits) {
  TRY(CheckNames(domain, selector));
  Pkey pkey;
  if (algorithm == DkimAlgorithm::kRsaSha256) {
    TRY(CheckRsaBits(rsa_bits));
    pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits)));
  } else {
    pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  }
  if (!pkey) return Internal("key generation");

  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) return Internal("BIO_new");
  // PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted.
  if (PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Internal("PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  if (size <= 0 || data == nullptr) return Internal("BIO_get_mem_data");
  GeneratedDkimKey out;
  out.private_key_pem.assign(data, static_cast<size_t>(size));
  OPENSSL_cleanse(data, static_cast<size_t>(size));  // the BIO's copy of the secret
  out.dns_name = StrCat(selector, "._domainkey.", domain);
  ASSIGN_OR_RETURN(out.dns_txt, DnsRecord(pkey.get(), algorithm));
  return out;
}

Result<std::string> DkimDnsRecord(const DkimKey& key) {
  ASSIGN_OR_RETURN(const Pkey pkey, LoadKey(key));
  return DnsRecord(pkey.get(), key.algorithm);
}

}  // namespace cadent::channels
