#include "core/templating/template.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace cadent::templating {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TemplateSource Email(std::string subject, std::string html, std::string text = "") {
  TemplateSource source;
  source.channel = Channel::kEmail;
  source.subject = std::move(subject);
  source.html = std::move(html);
  source.text = std::move(text);
  return source;
}

TemplateSource Text(Channel channel, std::string text) {
  TemplateSource source;
  source.channel = channel;
  source.text = std::move(text);
  return source;
}

struct Fixture {
  ContactData contact;
  SenderFields sender;
  RenderContext context;
  Rendered out;

  Fixture() {
    contact.first_name = "Ann";
    contact.company = "Acme";
    sender.first_name = "Bob";
    context.contact = &contact;
    context.sender = &sender;
  }

  Status Run(const TemplateSource& source) {
    auto compiled = Compile(source);
    if (!compiled.ok()) return compiled.status();
    return Render(*compiled, context, out);
  }
};

TEST(Channel, NamesRoundTrip) {
  for (Channel channel : {Channel::kEmail, Channel::kLinkedInInvite, Channel::kLinkedInMessage,
                          Channel::kSms, Channel::kWebhook}) {
    EXPECT_EQ(ParseChannel(ToString(channel)), channel);
  }
  EXPECT_EQ(ParseChannel("fax"), std::nullopt);
  EXPECT_EQ(ToString(Channel::kLinkedInInvite), "linkedin_invite");
}

TEST(Compile, WebhookIsAMessageKindButNoTemplateChannel) {
  TemplateSource source;
  source.channel = Channel::kWebhook;
  source.text = "{{first_name}}";
  const Result<CompiledTemplate> compiled = Compile(source);
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().message(),
            "text:1:1: webhook is not a template channel (webhook steps have no template)");
}

TEST(Compile, Accessors) {
  auto compiled =
      Compile(Email("Hi {firstName}", "{{#if company}}{{industry}}{{/if}} {{first_name}}"));
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ(compiled->channel(), Channel::kEmail);
  EXPECT_TRUE(compiled->text_from_html());
  EXPECT_THAT(compiled->variables(), ElementsAre("first_name", "company", "industry"));
  EXPECT_EQ(compiled->limits().linkedin_invite_chars, 300u);
  auto with_text = Compile(Email("s", "<p>x</p>", "x"));
  ASSERT_TRUE(with_text.ok());
  EXPECT_FALSE(with_text->text_from_html());
}

TEST(Render, EmailBasics) {
  Fixture f;
  ASSERT_TRUE(f.Run(Email("Hi {{first_name}}", "<p>Hello {{first_name|there}}</p>")).ok());
  EXPECT_EQ(f.out.subject, "Hi Ann");
  EXPECT_EQ(f.out.html, "<p>Hello Ann</p>");
  EXPECT_EQ(f.out.text, "Hello Ann");
  EXPECT_EQ(f.out.characters, 9u);
}

TEST(Render, HeaderInjectionIsHarmless) {
  Fixture f;
  f.contact.first_name = std::string("x\r\nBcc: evil@x\0y\x0b", 18);
  ASSERT_TRUE(f.Run(Email("Hi {{first_name}}!", "<p>{{first_name}}</p>")).ok());
  EXPECT_EQ(f.out.subject, "Hi x Bcc: evil@x y !");
  EXPECT_EQ(f.out.subject.find_first_of(std::string("\r\n\0", 3)), std::string::npos);
  // In the html body the NUL and the vertical tab become spaces too.
  EXPECT_EQ(f.out.html.find('\0'), std::string::npos);
}

TEST(MakeHeaderSafe, AnyHeaderValue) {
  std::string value = " Bob\r\nBcc: x\xc2\x85y\xe2\x80\xa9z\t ";
  MakeHeaderSafe(value);
  EXPECT_EQ(value, "Bob Bcc: x y z");
}

TEST(Render, SubjectTemplateLineBreaksCollapse) {
  Fixture f;
  ASSERT_TRUE(f.Run(Email("  Hi\n  {{first_name}}\r\n ", "<p>x</p>")).ok());
  EXPECT_EQ(f.out.subject, "Hi Ann");
}

TEST(Render, InvalidUtf8InContactDataBecomesReplacementCharacter) {
  Fixture f;
  f.contact.first_name =
      "A\xff\xfe"
      "B\xc3\xa9\xe2\x82";
  ASSERT_TRUE(f.Run(Email("{{first_name}}", "<p>{{first_name}}</p>")).ok());
  EXPECT_EQ(f.out.subject, "A\uFFFD\uFFFDB\u00e9\uFFFD\uFFFD");
  EXPECT_EQ(f.out.html, "<p>A\uFFFD\uFFFDB\u00e9\uFFFD\uFFFD</p>");
}

TEST(Compile, InvalidUtf8InTemplateIsAnErrorWithPosition) {
  auto compiled = Compile(Email("ok", "<p>\n  caf\xc3 x</p>"));
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().message(), "html:2:6: invalid UTF-8");
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Compile, ColumnsCountCodePoints) {
  auto compiled = Compile(Email("ok", "é€😀 {{#each x}}"));
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().message(),
            "html:1:5: unknown helper 'each' (only #if and #unless exist)");
}

TEST(Compile, HugeTemplateIsRefused) {
  Limits limits;
  limits.max_source_bytes = 1000;
  auto compiled = Compile(Email("ok", std::string(1001, 'x')), limits);
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().message(), "html:1:1: html is 1001 bytes; the limit is 1000 bytes");
  EXPECT_TRUE(Compile(Email("ok", std::string(1000, 'x')), limits).ok());
}

TEST(Compile, NestingIsBounded) {
  std::string deep;
  for (int i = 0; i < 17; ++i) deep += "{{#if company}}";
  for (int i = 0; i < 17; ++i) deep += "{{/if}}";
  auto compiled = Compile(Text(Channel::kSms, deep));
  ASSERT_FALSE(compiled.ok());
  EXPECT_THAT(compiled.status().message(), HasSubstr("nested deeper than 16 levels"));

  std::string ok;
  for (int i = 0; i < 16; ++i) ok += "{{#if company}}";
  ok += "deep";
  for (int i = 0; i < 16; ++i) ok += "{{/if}}";
  Fixture f;
  ASSERT_TRUE(f.Run(Text(Channel::kSms, ok)).ok());
  EXPECT_EQ(f.out.text, "deep");

  // A million opening tags: refused quickly, not a stack overflow.
  std::string bomb;
  for (int i = 0; i < 100000; ++i) bomb += "{{#if a}}";
  EXPECT_FALSE(Compile(Text(Channel::kSms, bomb)).ok());
}

TEST(Compile, ElseOutsideIfAndStrayClose) {
  EXPECT_EQ(Compile(Text(Channel::kSms, "a {{else}}")).status().message(),
            "text:1:3: {{else}} outside {{#if}}");
  EXPECT_EQ(Compile(Text(Channel::kSms, "{{/if}}")).status().message(),
            "text:1:1: {{/if}} closes nothing");
  EXPECT_EQ(Compile(Text(Channel::kSms, "{{#if a}}{{else}}{{else}}{{/if}}")).status().message(),
            "text:1:18: second {{else}} in {{#if a}}");
  EXPECT_EQ(Compile(Text(Channel::kSms, "{{ }}")).status().message(), "text:1:1: empty tag '{{}}'");
  EXPECT_EQ(Compile(Text(Channel::kSms, "{{a b}}")).status().message(),
            "text:1:1: invalid variable name 'a b'");
}

TEST(Compile, EmailNeedsSubjectAndBody) {
  EXPECT_EQ(Compile(Email("", "<p>x</p>")).status().message(),
            "subject:1:1: an email needs a subject");
  EXPECT_EQ(Compile(Email("s", "")).status().message(),
            "html:1:1: an email needs an html or a text body");
  Fixture f;
  ASSERT_TRUE(f.Run(Email("s", "", "Plain {{first_name}}")).ok());
  EXPECT_EQ(f.out.text, "Plain Ann");
  EXPECT_TRUE(f.out.html.empty());
}

TEST(Validate, ListsErrorsUnknownVariablesAndMissingFallbacks) {
  const std::vector<std::string> known = {"Industry"};
  const Validation v =
      Validate(Email("Hi {{first_name}} {{unsubscribe_url}}",
                     "{{#each x}}{{/each}}\n{{industry}} {{segment}} {{company|you}} "
                     "{{#if title}}{{title}}{{/if}} {{custom.segment}} {{spin: a | b}}"),
               known);
  EXPECT_FALSE(v.ok());
  ASSERT_EQ(v.errors.size(), 2u);
  EXPECT_EQ(v.errors[0].ToString(), "html:1:1: unknown helper 'each' (only #if and #unless exist)");
  EXPECT_EQ(v.errors[1].ToString(), "html:1:12: {{/each}} closes nothing");
  EXPECT_THAT(v.unknown_variables, ElementsAre("segment"));
  EXPECT_THAT(v.variables_without_fallback, ElementsAre("first_name", "industry", "segment"));
  ASSERT_FALSE(v.warnings.empty());
  EXPECT_EQ(v.warnings[0].severity, Diagnostic::Severity::kWarning);
  EXPECT_EQ(v.warnings[0].part, "subject");
  EXPECT_EQ(v.warnings[0].column, 4);

  const Validation good = Validate(Email("Hi", "<p>{{first_name|there}}</p>"), {});
  EXPECT_TRUE(good.ok());
  EXPECT_TRUE(good.unknown_variables.empty());
  EXPECT_TRUE(good.variables_without_fallback.empty());
}

TEST(Validate, UnlessElseGuards) {
  const Validation v =
      Validate(Text(Channel::kSms, "{{#unless company}}none{{else}}{{company}}{{/unless}}"), {});
  EXPECT_TRUE(v.ok());
  EXPECT_TRUE(v.variables_without_fallback.empty());
}

TEST(Spin, DeterministicPerSeedAndIndependentPerOccurrence) {
  auto compiled = Compile(Text(Channel::kSms, "{{spin: a|b|c|d}}{{spin: a|b|c|d}}"));
  ASSERT_TRUE(compiled.ok());
  Fixture f;
  std::set<std::string> seen;
  int same = 0;
  for (int64_t contact = 1; contact <= 400; ++contact) {
    f.context.spin_seed = SpinSeed(contact, 3);
    ASSERT_TRUE(Render(*compiled, f.context, f.out).ok());
    const std::string first = f.out.text;
    ASSERT_TRUE(Render(*compiled, f.context, f.out).ok());
    EXPECT_EQ(f.out.text, first);  // a retry renders the same
    seen.insert(first);
    if (first[0] == first[1]) ++same;
  }
  EXPECT_EQ(seen.size(), 16u);   // every pair of choices occurs
  EXPECT_GT(same, 400 / 4 / 2);  // independent: about a quarter agree
  EXPECT_LT(same, 400 / 4 * 2);
}

TEST(Spin, SeedIsStable) {
  // Stored messages and previews depend on this value: it must never change.
  EXPECT_EQ(SpinSeed(42, 7), SpinSeed(42, 7));
  EXPECT_NE(SpinSeed(42, 7), SpinSeed(7, 42));
  EXPECT_EQ(SpinSeed(42, 7), 0x16062d6c1339e500ULL);
}

TEST(Render, ReusesBuffersAndShrinksLinks) {
  auto compiled = Compile(Email(
      "s",
      "{{#if company}}<a href=\"https://a.test\">A</a>{{/if}}<a href=\"https://b.test\">B</a>"));
  ASSERT_TRUE(compiled.ok());
  Fixture f;
  ASSERT_TRUE(Render(*compiled, f.context, f.out).ok());
  ASSERT_EQ(f.out.links.size(), 2u);
  f.contact.company.clear();
  ASSERT_TRUE(Render(*compiled, f.context, f.out).ok());
  ASSERT_EQ(f.out.links.size(), 1u);
  EXPECT_EQ(f.out.links[0].url, "https://b.test");
  EXPECT_EQ(f.out.html.substr(f.out.links[0].offset, f.out.links[0].length), "https://b.test");
  f.out.clear();
  EXPECT_TRUE(f.out.html.empty());
  EXPECT_TRUE(f.out.links.empty());
}

TEST(Render, LinkOffsetsAllowRewriting) {
  Fixture f;
  f.contact.custom_fields["cal"] = "https://cal.test/?a=1&b=2";
  ASSERT_TRUE(f.Run(Email("s",
                          "<p>{{first_name}}: <a href=\"{{cal}}\">cal</a> <a "
                          "href=\"https://x.test\">x</a></p>"))
                  .ok());
  ASSERT_EQ(f.out.links.size(), 2u);
  std::string html = f.out.html;
  for (auto it = f.out.links.rbegin(); it != f.out.links.rend(); ++it) {
    html.replace(it->offset, it->length, "T");
  }
  EXPECT_EQ(html, "<p>Ann: <a href=\"T\">cal</a> <a href=\"T\">x</a></p>");
  EXPECT_EQ(f.out.links[0].url, "https://cal.test/?a=1&b=2");
}

TEST(Render, ThreadSafeFromManyThreads) {
  auto compiled = Compile(Email(
      "Hi {{first_name}} {{spin: a|b|c}}",
      "<p>{{#if company}}{{company}}{{/if}} <a href=\"https://x.test\">{{first_name}}</a></p>"));
  ASSERT_TRUE(compiled.ok());
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      Fixture f;
      for (int i = 0; i < 500; ++i) {
        f.context.spin_seed = SpinSeed(i, 1);
        if (!Render(*compiled, f.context, f.out).ok()) return;
        results[t] += f.out.subject.back();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(results[0].size(), 500u);
  for (const std::string& result : results) EXPECT_EQ(result, results[0]);
}

TEST(MissingVariables, ReportsUnguardedEmptiesWithoutFallback) {
  auto compiled = Compile(Email("Hi {{first_name}}",
                                "{{last_name}} {{title|x}} {{#if phone}}{{phone}}{{/if}} "
                                "{{sender.signature}} {{unsubscribe_url}} {{industry}}"));
  ASSERT_TRUE(compiled.ok());
  ContactData contact;
  contact.first_name = "Ann";
  EXPECT_THAT(MissingVariables(*compiled, contact),
              ElementsAre("last_name", "sender.signature", "industry"));
  contact.last_name = "Lee";
  contact.custom_fields["industry"] = "x";
  SenderFields sender;
  sender.signature = "Bob";
  EXPECT_TRUE(MissingVariables(*compiled, contact, &sender).empty());
}

TEST(Sms, Counting) {
  EXPECT_EQ(CountSms("").segments, 0);
  EXPECT_EQ(CountSms(std::string(160, 'a')).segments, 1);
  EXPECT_EQ(CountSms(std::string(161, 'a')).segments, 2);
  EXPECT_EQ(CountSms(std::string(306, 'a')).segments, 2);
  EXPECT_EQ(CountSms(std::string(307, 'a')).segments, 3);
  // 152 septets then an extension character: the pair moves whole to part two.
  const SmsCount pair = CountSms(std::string(152, 'a') + "{" + std::string(152, 'a'));
  EXPECT_EQ(pair.units, 306u);
  EXPECT_EQ(pair.segments, 3);
  EXPECT_EQ(CountSms("`").encoding, Rendered::SmsEncoding::kUcs2);  // backtick is not GSM-7
  EXPECT_EQ(CountSms("Δ£¥èé").encoding, Rendered::SmsEncoding::kGsm7);
  const SmsCount emoji = CountSms("😀");
  EXPECT_EQ(emoji.units, 2u);
  EXPECT_EQ(emoji.encoding, Rendered::SmsEncoding::kUcs2);
  // 66 units then a surrogate pair: the pair starts part two.
  std::string ucs;
  for (int i = 0; i < 66; ++i) ucs += "ç";
  EXPECT_EQ(CountSms(ucs + "😀" + "😀").segments, 1);  // 70 units
  EXPECT_EQ(CountSms(ucs + "😀" + "😀" + "😀").segments, 2);
}

TEST(Render, NonEmailChannelsRejectHtmlAndSubject) {
  TemplateSource source = Text(Channel::kLinkedInMessage, "x");
  source.html = "<p>x</p>";
  EXPECT_EQ(Compile(source).status().message(),
            "html:1:1: a linkedin_message template has no html (use text)");
}

TEST(Render, RequiresContact) {
  auto compiled = Compile(Text(Channel::kSms, "x"));
  ASSERT_TRUE(compiled.ok());
  Rendered out;
  EXPECT_FALSE(Render(*compiled, RenderContext(), out).ok());
}

// Random bytes and random tag soup never crash, and a compiled template always renders a
// subject without CR/LF.
TEST(Robustness, RandomInputs) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"{{",
                                           "}}",
                                           "{",
                                           "}",
                                           "{{{",
                                           "}}}",
                                           "\\{",
                                           "{{#if company}}",
                                           "{{else}}",
                                           "{{/if}}",
                                           "{{#unless title}}",
                                           "{{/unless}}",
                                           "{{first_name}}",
                                           "{{spin: a | b}}",
                                           "<a href=\"",
                                           "\">",
                                           "</a>",
                                           "<p>",
                                           "<br>",
                                           "&amp;",
                                           "&#x1F600;",
                                           "|",
                                           "\"",
                                           "x",
                                           " ",
                                           "\n",
                                           "é",
                                           "{firstName}",
                                           "{{sender.signature|raw}}",
                                           "<",
                                           ">",
                                           "'",
                                           "<!--",
                                           "-->",
                                           "<script>"};
  Fixture f;
  f.contact.first_name = "A\r\nB";
  for (int round = 0; round < 3000; ++round) {
    std::string subject;
    std::string html;
    const int n = static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) {
      html += pieces[rng() % pieces.size()];
      if (i % 3 == 0) subject += pieces[rng() % pieces.size()];
    }
    if (round % 10 == 0) html += static_cast<char>(rng() % 256);
    auto compiled = Compile(Email("s" + subject, html.empty() ? "x" : html));
    if (!compiled.ok()) {
      EXPECT_THAT(std::string(compiled.status().message()),
                  ::testing::MatchesRegex("^(subject|html|text):[0-9]+:[0-9]+: .*"));
      continue;
    }
    f.context.spin_seed = static_cast<uint64_t>(round);
    ASSERT_TRUE(Render(*compiled, f.context, f.out).ok());
    EXPECT_EQ(f.out.subject.find_first_of("\r\n"), std::string::npos);
    for (const Link& link : f.out.links) EXPECT_LE(link.offset + link.length, f.out.html.size());
  }
}

}  // namespace
}  // namespace cadent::templating
