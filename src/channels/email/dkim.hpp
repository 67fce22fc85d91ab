// DKIM signatures (RFC 6376) for the email channels: a per-domain signer that makes the
// DKIM-Signature header field to put in front of a RenderEml message, and the keys and DNS
// records that go with it. OpenSSL 3 (EVP) does the cryptography.
//
// Algorithms: rsa-sha256 (RFC 6376; keys of 1024 to 4096 bits, the range RFC 8301 obliges
// every verifier to handle; 2048 is the default and what receivers expect) and ed25519-sha256
// (RFC 8463: PureEd25519 over the 32-byte SHA-256 of the canonicalized header data, as
// dkimpy and OpenDKIM do; not Ed25519 over the data itself). Many receivers still ignore
// ed25519, so a domain that uses it should sign with an RSA key as well (two signatures).
//
// Canonicalization is relaxed/relaxed (c=relaxed/relaxed): header folding, whitespace runs
// and the case of header names, whitespace at line ends and empty lines at the end of the
// body may change in transit without breaking the signature. No l= (body length): a signature
// over a prefix lets anyone append to the body. No x= and no i=.
//
// Signed headers (h=), each when present:
//   From, To, Subject, Date, Message-ID      what the reader sees and threads by (From is
//                                            required: DMARC aligns it with d=)
//   Reply-To, In-Reply-To, References        where replies go and which thread they join
//   List-Unsubscribe, List-Unsubscribe-Post  RFC 8058 one-click unsubscribe: receivers
//                                            honour it only when a valid signature covers both
//   MIME-Version, Content-Type,              how the body is read; a replaced Content-Type
//   Content-Transfer-Encoding                (another boundary) would show another body
// Other headers (Received, Return-Path, X-*) are left out: relays add and rewrite them.
//
// Over-signing: each signed header is named in h= once more than it occurs in the message
// ("from:from" for one From). A verifier hashes the extra name as an empty header, so a
// header of that name added anywhere later (a second From or Subject above ours, which many
// mail readers would show instead, or a second List-Unsubscribe pointing elsewhere) breaks
// the signature: a signed message cannot be replayed with a different face. All of these
// headers may occur only once (RFC 5322 3.6, RFC 2045, RFC 8058), so no legitimate relay
// adds a second one; a header that is absent is not named, so relays may still add it.
//
// Cost: an RSA-2048 signature takes about 0.3 ms of CPU on a 2.1 GHz x86-64 core (~3,400
// per second per core; slower cores and 4096-bit keys take several times that), ed25519
// about 45 us (~23,000 per second); bench/dkim/dkim_bench.cpp measures both. Callers sign
// on worker threads, never on an I/O loop.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace cadent::channels {

enum class DkimAlgorithm : uint8_t { kRsaSha256, kEd25519Sha256 };

// "rsa-sha256", "ed25519-sha256": the a= tag value.
std::string_view ToString(DkimAlgorithm algorithm);
// The a= names and the key types "rsa" and "ed25519", in any case; nullopt otherwise.
std::optional<DkimAlgorithm> ParseDkimAlgorithm(std::string_view text);

// One signing identity: the d= domain, the s= selector and the private key whose public half
// is published at <selector>._domainkey.<domain>. Holds a secret: never log or print
// private_key_pem.
struct DkimKey {
  std::string domain;    // "example.com"; A-labels (punycode) for internationalized names
  std::string selector;  // "s2026"
  DkimAlgorithm algorithm = DkimAlgorithm::kRsaSha256;
  std::string private_key_pem;  // unencrypted PEM: PKCS#8 or PKCS#1 ("RSA PRIVATE KEY")
};

// Signs messages for one domain with one key. Immutable after Create: Sign is const and may
// be called from any number of threads at once.
class DkimSigner {
 public:
  // kInvalidArgument, naming what is wrong: a domain or selector that is not a DNS name of
  // letters, digits and hyphens (or too long for DNS), a PEM that holds no unencrypted
  // private key, a key of another type than the algorithm, an RSA key outside 1024..4096
  // bits.
  static Result<std::shared_ptr<const DkimSigner>> Create(const DkimKey& key);

  ~DkimSigner();
  DkimSigner(const DkimSigner&) = delete;
  DkimSigner& operator=(const DkimSigner&) = delete;

  // The complete "DKIM-Signature: ..." header field, folded into lines of at most 78
  // octets where the tags allow and ending in CRLF, to put in front of `message`. The
  // message is an RFC 5322 message as RenderEml makes it: header fields, an empty line,
  // the body, every line ending in CRLF. t= is unix_time (seconds).
  // kInvalidArgument when the message has no empty line ending its header section, a
  // header line that is not a field (no name and colon, or a continuation line first), a
  // bare CR or LF (it would be rewritten in transit and the signature would break), no
  // From header or more than one. Garbage in gives an error, never a crash.
  Result<std::string> Sign(std::string_view message, int64_t unix_time) const;

  const std::string& domain() const { return domain_; }
  const std::string& selector() const { return selector_; }
  DkimAlgorithm algorithm() const { return algorithm_; }

 private:
  struct Key;
  DkimSigner(std::string domain, std::string selector, DkimAlgorithm algorithm,
             std::unique_ptr<Key> key);

  std::string domain_;
  std::string selector_;
  DkimAlgorithm algorithm_;
  std::unique_ptr<Key> key_;  // the parsed private key; only read after construction
};

// A new key pair and what to publish for it.
struct GeneratedDkimKey {
  std::string private_key_pem;  // PKCS#8, unencrypted: a secret, store it sealed
  std::string dns_name;         // "<selector>._domainkey.<domain>"
  // The TXT record's value: "v=DKIM1; k=rsa; p=<base64>" (k=ed25519 for ed25519). An RSA
  // value is longer than 255 octets: DNS hosts split it into several strings of one record.
  std::string dns_txt;
};

// kInvalidArgument for a bad domain or selector (as Create) or rsa_bits outside 1024..4096
// (ignored for ed25519); kInternal when OpenSSL fails.
Result<GeneratedDkimKey> GenerateDkimKey(DkimAlgorithm algorithm, std::string_view domain,
                                         std::string_view selector, int rsa_bits = 2048);

// The TXT record value for an existing private key (as GeneratedDkimKey::dns_txt); the
// same validation as DkimSigner::Create.
Result<std::string> DkimDnsRecord(const DkimKey& key);

}  // namespace cadent::channels
