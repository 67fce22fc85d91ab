// The DKIM signer against an independent verifier: messages made by RenderEml, signed with
// RSA and Ed25519 keys, are checked by dkimpy (tests/support/dkim_verify.py, run as a child
// process with the key record handed over in a file instead of DNS). Tampered messages must
// fail that check; bad keys and bad messages must give kInvalidArgument, never a crash.
#include "channels/email/dkim.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "channels/channel.hpp"
#include "channels/email/eml.hpp"
#include "core/common/strings.hpp"
#include "support/dkim_check.hpp"

namespace cadent::channels {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kTime = 1'795'000'000;
constexpr std::string_view kDomain = "example.com";
constexpr std::string_view kUnsubscribeUrl = "https://t.example.com/u/abcdef0123456789";

// A first-step-of-a-thread follow-up as the dispatcher builds it: non-ASCII names and
// subject, html and text, one-click unsubscribe, threading headers, and one header that is
// not signed.
OutgoingMessage ThreadMessage() {
  OutgoingMessage message;
  message.id = MessageId(77);
  message.attempt = 1;
  message.from_address = "zoe@example.com";
  message.from_name = "Zoë Müller";
  message.to_address = "ana@example.org";
  message.to_name = "Ana García";
  message.reply_to = "replies@example.com";
  message.message_id = "77.1@example.com";
  message.subject = "Réunion — 5 minutes, Ana?";
  message.text = "Hi Ana,\n\nShall we meet on Tuesday?\n\nZoë\n";
  message.html = "<p>Hi Ana,</p><p>Shall we meet on <b>Tuesday</b>?</p><p>Zoë</p>";
  message.headers = {
      {"In-Reply-To", "<76.1@example.com>"},
      {"References", "<75.1@example.com> <76.1@example.com>"},
      {"List-Unsubscribe", StrCat("<", kUnsubscribeUrl, ">, <mailto:u+abc@t.example.com>")},
      {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
      {"X-Campaign", "spring"}};
  message.attempt_at = FromUnixMicros(kTime * 1'000'000);
  return message;
}

using Verdict = integration::DkimVerdict;

// dkimpy's verdict on the first DKIM-Signature of `message`, the key record for dns_name
// being `txt`; a broken verifier fails the test instead of passing as "invalid".
Verdict DkimpyVerify(std::string_view message, std::string_view dns_name, std::string_view txt) {
  Verdict verdict = integration::DkimpyVerify(message, dns_name, txt);
  EXPECT_FALSE(verdict.broken) << verdict.reason;
  return verdict;
}

// The tags of a DKIM-Signature header field, whitespace (and folding) removed from values.
std::map<std::string, std::string> Tags(std::string_view header) {
  std::map<std::string, std::string> tags;
  const size_t colon = header.find(':');
  std::string text(header.substr(colon + 1));
  std::string squeezed;
  for (const char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') squeezed.push_back(c);
  }
  size_t start = 0;
  while (start < squeezed.size()) {
    size_t end = squeezed.find(';', start);
    if (end == std::string::npos) end = squeezed.size();
    const std::string tag = squeezed.substr(start, end - start);
    const size_t equals = tag.find('=');
    if (equals != std::string::npos) tags[tag.substr(0, equals)] = tag.substr(equals + 1);
    start = end + 1;
  }
  return tags;
}

// Replaces the whole field `name` (with its continuation lines) by "name: value".
std::string ReplaceHeader(std::string message, std::string_view name, std::string_view value) {
  const size_t start = message.find(StrCat("\r\n", name, ":"));
  EXPECT_NE(start, std::string::npos) << name;
  if (start == std::string::npos) return message;
  size_t end = message.find("\r\n", start + 2);
  while (end + 2 < message.size() && (message[end + 2] == ' ' || message[end + 2] == '\t')) {
    end = message.find("\r\n", end + 2);
  }
  message.replace(start, end - start, StrCat("\r\n", name, ": ", value));
  return message;
}

class DkimTest : public ::testing::TestWithParam<DkimAlgorithm> {
 protected:
  static void SetUpTestSuite() {
    for (const DkimAlgorithm algorithm :
         {DkimAlgorithm::kRsaSha256, DkimAlgorithm::kEd25519Sha256}) {
      Result<GeneratedDkimKey> key = GenerateDkimKey(algorithm, kDomain, "s2026");
      ASSERT_TRUE(key.ok()) << key.status();
      keys_.emplace(algorithm, *std::move(key));
    }
  }
  static void TearDownTestSuite() { keys_.clear(); }

  static const GeneratedDkimKey& Key(DkimAlgorithm algorithm) { return keys_.at(algorithm); }

  std::shared_ptr<const DkimSigner> Signer(DkimAlgorithm algorithm) const {
    Result<std::shared_ptr<const DkimSigner>> signer = DkimSigner::Create(
        DkimKey{std::string(kDomain), "s2026", algorithm, Key(algorithm).private_key_pem});
    EXPECT_TRUE(signer.ok()) << signer.status();
    return signer.ok() ? *signer : nullptr;
  }

  // `message` with its signature in front.
  std::string Signed(const std::string& message, DkimAlgorithm algorithm) const {
    Result<std::string> signature = Signer(algorithm)->Sign(message, kTime);
    EXPECT_TRUE(signature.ok()) << signature.status();
    return signature.ok() ? *signature + message : message;
  }

  Verdict Verify(std::string_view message, DkimAlgorithm algorithm) const {
    return DkimpyVerify(message, Key(algorithm).dns_name, Key(algorithm).dns_txt);
  }

  static inline std::map<DkimAlgorithm, GeneratedDkimKey> keys_;
};

INSTANTIATE_TEST_SUITE_P(Algorithms, DkimTest,
                         ::testing::Values(DkimAlgorithm::kRsaSha256,
                                           DkimAlgorithm::kEd25519Sha256),
                         [](const auto& test_info) {
                           return test_info.param == DkimAlgorithm::kRsaSha256 ? "Rsa" : "Ed25519";
                         });

TEST_P(DkimTest, DkimpyVerifiesARenderedMessage) {
  const std::string message = Signed(RenderEml(ThreadMessage(), "example.com"), GetParam());
  const Verdict verdict = Verify(message, GetParam());
  EXPECT_TRUE(verdict.valid) << verdict.reason << "\n" << message;
}

TEST_P(DkimTest, DkimpyVerifiesATextOnlyMessage) {
  OutgoingMessage plain = ThreadMessage();
  plain.html.clear();
  plain.headers.clear();
  const std::string message = Signed(RenderEml(plain, "example.com"), GetParam());
  const Verdict verdict = Verify(message, GetParam());
  EXPECT_TRUE(verdict.valid) << verdict.reason << "\n" << message;
}

TEST_P(DkimTest, WrongPublicKeyFails) {
  const std::string message = Signed(RenderEml(ThreadMessage(), "example.com"), GetParam());
  Result<GeneratedDkimKey> other = GenerateDkimKey(GetParam(), kDomain, "s2026");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_FALSE(DkimpyVerify(message, other->dns_name, other->dns_txt).valid);
}

// Relaxed/relaxed: what relays may do to whitespace, folding and header-name case does not
// break the signature.
TEST_P(DkimTest, RelaxedCanonicalizationToleratesWhitespaceAndCase) {
  std::string message = Signed(RenderEml(ThreadMessage(), "example.com"), GetParam());
  const size_t separator = message.find("\r\n\r\n");
  ASSERT_NE(separator, std::string::npos);
  std::string head = message.substr(0, separator + 4);  // with the empty line
  std::string body = message.substr(separator + 4);
  head = absl::StrReplaceAll(head, {{"\r\nMessage-Id:", "\r\nMESSAGE-ID:  "},
                                    {"\r\nMessage-ID:", "\r\nMESSAGE-ID:  "},
                                    {"\r\nTo: ", "\r\nto:\t \r\n   "}});
  body = absl::StrReplaceAll(body, {{"\r\n", " \t\r\n"}});
  body.append("\r\n\r\n  \r\n");
  const std::string relaid = head + body;
  ASSERT_NE(relaid, message);
  const Verdict verdict = Verify(relaid, GetParam());
  EXPECT_TRUE(verdict.valid) << verdict.reason << "\n" << relaid;
}

TEST_P(DkimTest, ChangedBodyByteFails) {
  std::string message = Signed(RenderEml(ThreadMessage(), "example.com"), GetParam());
  const size_t body = message.find("\r\n\r\n");
  const size_t tuesday = message.find("Tuesday", body);
  ASSERT_NE(tuesday, std::string::npos);
  message[tuesday] = 'W';
  const Verdict verdict = Verify(message, GetParam());
  EXPECT_FALSE(verdict.valid);
  EXPECT_THAT(verdict.reason, HasSubstr("body hash mismatch"));
}

TEST_P(DkimTest, ChangedSubjectFails) {
  const std::string message = Signed(RenderEml(ThreadMessage(), "example.com"), GetParam());
  const std::string changed = ReplaceHeader(message, "Subject", "You won a prize");
  ASSERT_NE(changed, message);
  EXPECT_FALSE(Verify(changed, GetParam()).valid);
}

// Over-signing: h= names From twice, so a second From fails wherever it is added.
TEST_P(DkimTest, AddedFromFails) {
  const std::string message = Signed(RenderEml(ThreadMessage(), "example.com"), GetParam());
  const std::string evil = "From: CEO <ceo@attacker.example>\r\n";
  // Above every other header (where most mail readers look first)...
  const size_t signature_end = message.find("\r\nFrom:") + 2;
  std::string on_top = message;
  on_top.insert(signature_end, evil);
  EXPECT_FALSE(Verify(on_top, GetParam()).valid);
  // ...and last in the header section.
  std::string at_bottom = message;
  at_bottom.insert(message.find("\r\n\r\n") + 2, evil);
  EXPECT_FALSE(Verify(at_bottom, GetParam()).valid);
}

TEST_P(DkimTest, ChangedOrAddedListUnsubscribeFails) {
  const std::string message = Signed(RenderEml(ThreadMessage(), "example.com"), GetParam());
  const size_t url = message.find(kUnsubscribeUrl);
  ASSERT_NE(url, std::string::npos);
  ASSERT_LT(url, message.find("\r\n\r\n"));  // in the header, not the body
  std::string changed = message;
  changed.replace(url, kUnsubscribeUrl.size(), "https://attacker.example/u/abcdef0123456789");
  EXPECT_FALSE(Verify(changed, GetParam()).valid);

  // A second List-Unsubscribe above ours: without over-signing the verifier would hash only
  // the bottom one (ours) and pass, while a receiver may act on the top one.
  std::string added = message;
  added.insert(message.find("\r\nFrom:") + 2,
               "List-Unsubscribe: <https://attacker.example/u/1>\r\n");
  EXPECT_FALSE(Verify(added, GetParam()).valid);
}

TEST_P(DkimTest, AnUnsignedHeaderMayBeAdded) {
  std::string message = Signed(RenderEml(ThreadMessage(), "example.com"), GetParam());
  message.insert(0, "Received: from relay.example by mx.example.org\r\n");
  const Verdict verdict = Verify(message, GetParam());
  EXPECT_TRUE(verdict.valid) << verdict.reason;
}

TEST_P(DkimTest, SignsTheExpectedHeadersEachOnceMoreThanPresent) {
  Result<std::string> signature =
      Signer(GetParam())->Sign(RenderEml(ThreadMessage(), "example.com"), kTime);
  ASSERT_TRUE(signature.ok()) << signature.status();
  const auto tags = Tags(*signature);
  EXPECT_EQ(tags.at("h"),
            "from:from:to:to:subject:subject:date:date:message-id:message-id:reply-to:reply-to:"
            "in-reply-to:in-reply-to:references:references:list-unsubscribe:list-unsubscribe:"
            "list-unsubscribe-post:list-unsubscribe-post:mime-version:mime-version:"
            "content-type:content-type");
  EXPECT_EQ(tags.count("l"), 0u);  // no body length limit
  EXPECT_EQ(tags.count("x"), 0u);
  EXPECT_EQ(tags.at("v"), "1");
  EXPECT_EQ(tags.at("a"), ToString(GetParam()));
  EXPECT_EQ(tags.at("c"), "relaxed/relaxed");
  EXPECT_EQ(tags.at("d"), "example.com");
  EXPECT_EQ(tags.at("s"), "s2026");
  EXPECT_EQ(tags.at("t"), "1795000000");
  EXPECT_EQ(tags.at("bh").size(), 44u);  // base64 of 32 octets
  EXPECT_EQ(tags.at("b").size(), GetParam() == DkimAlgorithm::kRsaSha256 ? 344u : 88u);

  OutgoingMessage plain = ThreadMessage();
  plain.html.clear();
  plain.headers.clear();
  plain.reply_to.clear();
  signature = Signer(GetParam())->Sign(RenderEml(plain, "example.com"), kTime);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(Tags(*signature).at("h"),
            "from:from:to:to:subject:subject:date:date:message-id:message-id:"
            "mime-version:mime-version:content-type:content-type:"
            "content-transfer-encoding:content-transfer-encoding");

  signature =
      Signer(GetParam())->Sign("Subject: a\r\nFrom: b@example.com\r\nX-A: 1\r\n\r\n", kTime);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(Tags(*signature).at("h"), "from:from:subject:subject");
}

// Two References fields (a broken but possible message): both signed, bottom first, and
// the name once more.
TEST_P(DkimTest, RepeatedHeaderIsSignedEveryTime) {
  const std::string message =
      "From: a@example.com\r\nReferences: <1@x>\r\nReferences: <2@x>\r\n\r\nbody\r\n";
  Result<std::string> signature = Signer(GetParam())->Sign(message, kTime);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(Tags(*signature).at("h"), "from:from:references:references:references");
  const std::string signed_message = *signature + message;
  Verdict verdict = Verify(signed_message, GetParam());
  EXPECT_TRUE(verdict.valid) << verdict.reason;
  EXPECT_FALSE(Verify(absl::StrReplaceAll(signed_message, {{"<1@x>", "<3@x>"}}), GetParam()).valid);
}

TEST_P(DkimTest, HeaderIsFoldedIntoShortLines) {
  Result<std::string> signature =
      Signer(GetParam())->Sign(RenderEml(ThreadMessage(), "example.com"), kTime);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_THAT(*signature, StartsWith("DKIM-Signature: v=1; a="));
  ASSERT_GE(signature->size(), 2u);
  EXPECT_EQ(signature->substr(signature->size() - 2), "\r\n");
  const std::vector<std::string> lines =
      absl::StrSplit(signature->substr(0, signature->size() - 2), "\r\n");
  ASSERT_GT(lines.size(), 3u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 78u) << lines[i];
    EXPECT_EQ(lines[i].find('\n'), std::string::npos);
    EXPECT_EQ(lines[i].find('\r'), std::string::npos);
    if (i > 0) {
      EXPECT_EQ(lines[i][0], ' ') << lines[i];
    }
  }
}

// RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic: every thread must get exactly
// the bytes a lone call gets.
TEST_P(DkimTest, OneSignerSignsFromFourThreadsAtOnce) {
  const std::shared_ptr<const DkimSigner> signer = Signer(GetParam());
  const std::string message = RenderEml(ThreadMessage(), "example.com");
  Result<std::string> expected = signer->Sign(message, kTime);
  ASSERT_TRUE(expected.ok()) << expected.status();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::vector<std::string>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Result<std::string> signature = signer->Sign(message, kTime);
        results[t].push_back(signature.ok() ? *signature
                                            : std::string(signature.status().message()));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(results[t].size(), static_cast<size_t>(kPerThread));
    for (const std::string& result : results[t]) EXPECT_EQ(result, *expected);
  }
  const Verdict verdict = Verify(*expected + message, GetParam());
  EXPECT_TRUE(verdict.valid) << verdict.reason;
}

TEST_P(DkimTest, GeneratedKeyRoundTrip) {
  Result<GeneratedDkimKey> generated = GenerateDkimKey(GetParam(), "mail.example.net", "k1", 1024);
  ASSERT_TRUE(generated.ok()) << generated.status();
  EXPECT_EQ(generated->dns_name, "k1._domainkey.mail.example.net");
  EXPECT_THAT(generated->private_key_pem, StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  if (GetParam() == DkimAlgorithm::kRsaSha256) {
    EXPECT_THAT(generated->dns_txt, StartsWith("v=DKIM1; k=rsa; p=MI"));  // DER SPKI
  } else {
    EXPECT_THAT(generated->dns_txt, StartsWith("v=DKIM1; k=ed25519; p="));
    EXPECT_EQ(generated->dns_txt.size(), std::string_view("v=DKIM1; k=ed25519; p=").size() + 44);
  }
  const DkimKey key{"mail.example.net", "k1", GetParam(), generated->private_key_pem};
  Result<std::string> record = DkimDnsRecord(key);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(*record, generated->dns_txt);

  Result<std::shared_ptr<const DkimSigner>> signer = DkimSigner::Create(key);
  ASSERT_TRUE(signer.ok()) << signer.status();
  OutgoingMessage outgoing = ThreadMessage();
  outgoing.from_address = "zoe@mail.example.net";
  const std::string message = RenderEml(outgoing, "mail.example.net");
  Result<std::string> signature = (*signer)->Sign(message, kTime);
  ASSERT_TRUE(signature.ok()) << signature.status();
  const Verdict verdict =
      DkimpyVerify(*signature + message, generated->dns_name, generated->dns_txt);
  EXPECT_TRUE(verdict.valid) << verdict.reason;
  // The record is looked up under s= and d=: another name has no key.
  EXPECT_FALSE(
      DkimpyVerify(*signature + message, "k2._domainkey.mail.example.net", generated->dns_txt)
          .valid);
}

// Whatever the bytes, Sign answers (an error or a header) without crashing; ASan and UBSan
// watch the reads.
TEST_P(DkimTest, GarbageMessagesGiveErrorsNotCrashes) {
  const std::shared_ptr<const DkimSigner> signer = Signer(GetParam());
  const auto sign = [&](std::string_view message) { return signer->Sign(message, kTime); };
  const auto expect_invalid = [&](std::string_view message, std::string_view why) {
    Result<std::string> result = sign(message);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << "for " << why << ": " << result.status();
    if (!result.ok()) {
      EXPECT_THAT(std::string(result.status().message()), StartsWith("dkim: "));
    }
  };
  expect_invalid("", "empty");
  expect_invalid("From: a@example.com\r\nSubject: x\r\n", "no separator");
  expect_invalid("From: a@example.com", "no line end");
  expect_invalid("From: a@example.com\nSubject: x\n\nbody\n", "bare LF everywhere");
  expect_invalid("From: a@example.com\r\n\r\nline\nline\r\n", "bare LF in the body");
  expect_invalid("From: a@example.com\rSubject: x\r\n\r\nbody\r\n", "bare CR in a header");
  expect_invalid("From: a@example.com\r\n\r\nbody\r", "bare CR at the end");
  expect_invalid("Subject: x\r\n\r\nbody\r\n", "no From");
  expect_invalid("From: a@example.com\r\nFrom: b@example.com\r\n\r\nbody\r\n", "two From");
  expect_invalid(" From: a@example.com\r\n\r\nbody\r\n", "continuation first");
  expect_invalid("From a@example.com Mon Jan  1 00:00:00 2026\r\nFrom: a@example.com\r\n\r\n",
                 "mbox separator line");
  expect_invalid("From: a@example.com\r\nBad Name: x\r\n\r\n", "space in a name");
  expect_invalid(": x\r\nFrom: a@example.com\r\n\r\n", "empty name");
  EXPECT_EQ(signer->Sign("From: a@example.com\r\n\r\n", -1).status().code(),
            absl::StatusCode::kInvalidArgument);

  // Valid oddities: empty body, a header section only, an obsolete space before the colon.
  EXPECT_TRUE(sign("From: a@example.com\r\n\r\n").ok());
  EXPECT_TRUE(sign("From : a@example.com\r\nSubject:\r\n\r\n\r\n\r\n").ok());

  // A 1 MB header line is signed, and verifies.
  const std::string huge =
      StrCat("From: a@example.com\r\nSubject: ", std::string(1 << 20, 'x'), "\r\n\r\nbody\r\n");
  Result<std::string> huge_signature = sign(huge);
  ASSERT_TRUE(huge_signature.ok()) << huge_signature.status();
  const Verdict verdict = Verify(*huge_signature + huge, GetParam());
  EXPECT_TRUE(verdict.valid) << verdict.reason;

  // Random messages from the pieces parsers trip on.
  const std::vector<std::string> pieces = {"From: a@example.com",
                                           "Subject: x",
                                           "\r\n",
                                           "\n",
                                           "\r",
                                           " ",
                                           "\t",
                                           ":",
                                           "x",
                                           "\r\n\r\n",
                                           "\r\n ",
                                           "Zoë",
                                           std::string(1, '\0'),
                                           "\xff",
                                           "From:",
                                           "to:b",
                                           std::string(300, 'y')};
  std::mt19937 random(20261202);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 40);
  int signed_count = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string message;
    for (int n = length(random); n > 0; --n) message += pieces[pick(random)];
    Result<std::string> result = sign(message);
    if (result.ok()) {
      ++signed_count;
      EXPECT_THAT(*result, StartsWith("DKIM-Signature: "));
      EXPECT_EQ(result->substr(result->size() - 2), "\r\n");
    } else {
      EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
    }
  }
  // The generator reaches both outcomes (else it tests nothing much).
  EXPECT_GT(signed_count, 0);
  EXPECT_LT(signed_count, 3000);
}

// Known answers for the relaxed body hash: RFC 8463 Appendix A's message, and the empty
// body (RFC 6376 errata 1384: relaxed canonicalization leaves it empty, no CRLF added).
TEST(DkimBodyHash, MatchesRfc8463Example) {
  Result<GeneratedDkimKey> key =
      GenerateDkimKey(DkimAlgorithm::kEd25519Sha256, "example.com", "s1");
  ASSERT_TRUE(key.ok()) << key.status();
  Result<std::shared_ptr<const DkimSigner>> signer = DkimSigner::Create(DkimKey{
      "football.example.com", "brisbane", DkimAlgorithm::kEd25519Sha256, key->private_key_pem});
  ASSERT_TRUE(signer.ok()) << signer.status();
  const std::string rfc8463 =
      "From: Joe SixPack <joe@football.example.com>\r\n"
      "To: Suzie Q <suzie@shopping.example.net>\r\n"
      "Subject: Is dinner ready?\r\n"
      "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
      "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
      "\r\n"
      "Hi.\r\n"
      "\r\n"
      "We lost the game.  Are you hungry yet?\r\n"
      "\r\n"
      "Joe.\r\n";
  Result<std::string> signature = (*signer)->Sign(rfc8463, 1528637909);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(Tags(*signature).at("bh"), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
  // Trailing whitespace and empty lines do not count.
  signature = (*signer)->Sign(absl::StrReplaceAll(rfc8463, {{"Joe.\r\n", "Joe. \t\r\n\r\n \r\n"}}),
                              1528637909);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(Tags(*signature).at("bh"), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");

  for (const std::string_view empty : {"", "\r\n", "\r\n \r\n\r\n"}) {
    signature = (*signer)->Sign(StrCat("From: joe@football.example.com\r\n\r\n", empty), 0);
    ASSERT_TRUE(signature.ok()) << signature.status();
    EXPECT_EQ(Tags(*signature).at("bh"), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  }
}

// ---- Keys ----

std::string Pem(EVP_PKEY* key, bool encrypted = false) {
  BIO* bio = BIO_new(BIO_s_mem());
  static const char kPass[] = "secret";
  PEM_write_bio_PrivateKey(bio, key, encrypted ? EVP_aes_128_cbc() : nullptr,
                           encrypted ? reinterpret_cast<const unsigned char*>(kPass) : nullptr,
                           encrypted ? 6 : 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

std::string PublicPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

std::string PublicDerBase64(EVP_PKEY* key) {
  const std::string pem = PublicPem(key);
  std::string base64;
  for (const absl::string_view line : absl::StrSplit(pem, '\n')) {
    if (!line.empty() && line[0] != '-') base64.append(line.data(), line.size());
  }
  return base64;
}

std::string CreateError(std::string_view domain, std::string_view selector, DkimAlgorithm algorithm,
                        std::string pem) {
  Result<std::shared_ptr<const DkimSigner>> signer =
      DkimSigner::Create(DkimKey{std::string(domain), std::string(selector), algorithm, pem});
  EXPECT_FALSE(signer.ok());
  if (signer.ok()) return "";
  EXPECT_EQ(signer.status().code(), absl::StatusCode::kInvalidArgument) << signer.status();
  return std::string(signer.status().message());
}

TEST(DkimKeys, BadKeysAreRefusedWithTheReason) {
  EVP_PKEY* rsa512 = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{512});
  EVP_PKEY* rsa1024 = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024});
  EVP_PKEY* ed25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_TRUE(rsa512 && rsa1024 && ed25519 && ec);
  const auto rsa = DkimAlgorithm::kRsaSha256;
  const auto ed = DkimAlgorithm::kEd25519Sha256;

  EXPECT_THAT(CreateError("example.com", "s1", rsa, "hello"),
              HasSubstr("private_key_pem holds no PEM private key"));
  EXPECT_THAT(CreateError("example.com", "s1", rsa, ""), HasSubstr("private_key_pem is empty"));
  EXPECT_THAT(CreateError("example.com", "s1", rsa,
                          "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
              HasSubstr("holds no PEM private key"));
  EXPECT_THAT(CreateError("example.com", "s1", rsa, PublicPem(rsa1024)),
              HasSubstr("holds no PEM private key"));
  EXPECT_THAT(CreateError("example.com", "s1", rsa, Pem(rsa1024, /*encrypted=*/true)),
              HasSubstr("is encrypted"));
  EXPECT_THAT(CreateError("example.com", "s1", rsa, Pem(rsa512)),
              HasSubstr("an RSA key of 512 bits; DKIM needs 1024 to 4096 bits"));
  EXPECT_THAT(CreateError("example.com", "s1", ed, Pem(rsa1024)),
              HasSubstr("holds an RSA key; ed25519-sha256 needs an ED25519 key"));
  EXPECT_THAT(CreateError("example.com", "s1", rsa, Pem(ed25519)),
              HasSubstr("holds an ED25519 key; rsa-sha256 needs an RSA key"));
  EXPECT_THAT(CreateError("example.com", "s1", rsa, Pem(ec)),
              HasSubstr("holds an EC key; rsa-sha256 needs an RSA key"));
  EXPECT_THAT(CreateError("example.com", "s1", rsa, std::string(100'000, 'A')),
              HasSubstr("larger than 64 KiB"));

  EXPECT_THAT(CreateError("", "s1", ed, Pem(ed25519)), HasSubstr("the domain is empty"));
  EXPECT_THAT(CreateError("exa mple.com", "s1", ed, Pem(ed25519)),
              HasSubstr("the domain \"exa mple.com\" may hold only letters"));
  EXPECT_THAT(CreateError("-bad.example", "s1", ed, Pem(ed25519)),
              HasSubstr("starts or ends with '-'"));
  EXPECT_THAT(CreateError("a..example", "s1", ed, Pem(ed25519)), HasSubstr("is not a DNS name"));
  EXPECT_THAT(CreateError("example.com.", "s1", ed, Pem(ed25519)), HasSubstr("is not a DNS name"));
  EXPECT_THAT(CreateError("example.com", "", ed, Pem(ed25519)), HasSubstr("the selector is empty"));
  EXPECT_THAT(CreateError("example.com", "s_1", ed, Pem(ed25519)),
              HasSubstr("the selector \"s_1\" may hold only"));
  EXPECT_THAT(CreateError("example.com", "s1;x=1", ed, Pem(ed25519)),
              HasSubstr("the selector \"s1;x=1\" may hold only"));
  EXPECT_THAT(CreateError(std::string(64, 'a') + ".com", "s1", ed, Pem(ed25519)),
              HasSubstr("is not a DNS name"));

  // The same validation for the DNS record.
  EXPECT_EQ(DkimDnsRecord(DkimKey{"example.com", "s1", ed, Pem(rsa1024)}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EVP_PKEY_free(rsa512);
  EVP_PKEY_free(rsa1024);
  EVP_PKEY_free(ed25519);
  EVP_PKEY_free(ec);
}

// PKCS#1 ("BEGIN RSA PRIVATE KEY", what `openssl genrsa` wrote before 3.0) works as well
// as PKCS#8.
TEST(DkimKeys, AcceptsTraditionalRsaPem) {
  EVP_PKEY* rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024});
  ASSERT_NE(rsa, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey_traditional(bio, rsa, nullptr, nullptr, 0, nullptr, nullptr),
            1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  EXPECT_THAT(pem, StartsWith("-----BEGIN RSA PRIVATE KEY-----"));
  const DkimKey key{"example.com", "s1", DkimAlgorithm::kRsaSha256, pem};
  EXPECT_TRUE(DkimSigner::Create(key).ok());
  Result<std::string> record = DkimDnsRecord(key);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(*record, StrCat("v=DKIM1; k=rsa; p=", PublicDerBase64(rsa)));
  EVP_PKEY_free(rsa);
}

TEST(DkimKeys, GenerateRefusesBadSizesAndNames) {
  EXPECT_EQ(GenerateDkimKey(DkimAlgorithm::kRsaSha256, "example.com", "s1", 512).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateDkimKey(DkimAlgorithm::kRsaSha256, "example.com", "s1", 8192).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateDkimKey(DkimAlgorithm::kEd25519Sha256, "example.com", "", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  // rsa_bits means nothing for ed25519.
  EXPECT_TRUE(GenerateDkimKey(DkimAlgorithm::kEd25519Sha256, "example.com", "s1", 0).ok());
}

TEST(DkimAlgorithmNames, RoundTrip) {
  EXPECT_EQ(ToString(DkimAlgorithm::kRsaSha256), "rsa-sha256");
  EXPECT_EQ(ToString(DkimAlgorithm::kEd25519Sha256), "ed25519-sha256");
  EXPECT_EQ(ParseDkimAlgorithm("rsa-sha256"), DkimAlgorithm::kRsaSha256);
  EXPECT_EQ(ParseDkimAlgorithm("RSA"), DkimAlgorithm::kRsaSha256);
  EXPECT_EQ(ParseDkimAlgorithm("ed25519-sha256"), DkimAlgorithm::kEd25519Sha256);
  EXPECT_EQ(ParseDkimAlgorithm("Ed25519"), DkimAlgorithm::kEd25519Sha256);
  EXPECT_EQ(ParseDkimAlgorithm("rsa-sha1"), std::nullopt);
  EXPECT_EQ(ParseDkimAlgorithm(""), std::nullopt);
}

}  // namespace
}  // namespace cadent::channels
