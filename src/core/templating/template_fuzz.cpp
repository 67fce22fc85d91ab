// libFuzzer target for the template compiler and renderer. The input is split into subject,
// html and text at 0x1F bytes; its first byte picks the channel. Every compiled template is
// rendered for a contact with hostile values, and the output must hold the invariants:
// valid UTF-8 everywhere, no CR/LF/NUL or other control character in the subject, links
// inside the html with their url decoded from it, the same output for the same seed, and
// Validate agreeing with Compile.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv/utf8.hpp"
#include "core/templating/internal.hpp"
#include "core/templating/template.hpp"

namespace cadent::templating {
namespace {

#define FUZZ_CHECK(condition)                                                            \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

ContactData HostileContact() {
  ContactData contact;
  contact.first_name = "x\r\nBcc: evil@x";
  contact.last_name = std::string("N\0ul\x7f\x1b", 6);
  contact.company = "<script>alert('&')</script>";
  contact.title = "   ";
  contact.email = "ann@example.com";
  contact.phone = "+14155550123";
  contact.custom_fields["industry"] = "Fin\xff\xfetech \xe2\x80\xa8 \xc2\x85";
  contact.custom_fields["url"] = "https://x.test/?a=1&b=\"2\"";
  return contact;
}

void CheckRendered(const Rendered& out) {
  for (const std::string* part : {&out.subject, &out.html, &out.text}) {
    FUZZ_CHECK(csv::FindInvalidUtf8(*part) == std::string_view::npos);
  }
  for (unsigned char c : out.subject) FUZZ_CHECK(c >= 0x20 && c != 0x7F);
  FUZZ_CHECK(out.subject.find("\xe2\x80\xa8") == std::string::npos);
  FUZZ_CHECK(out.subject.find("\xc2\x85") == std::string::npos);
  for (const Link& link : out.links) {
    FUZZ_CHECK(link.offset + link.length <= out.html.size());
    std::string url;
    internal::AppendDecodedEntities(std::string_view(out.html).substr(link.offset, link.length),
                                    &url);
    FUZZ_CHECK(url == link.url);
  }
  size_t code_points = 0;
  for (unsigned char c : out.text) code_points += (c & 0xC0) != 0x80 ? 1 : 0;
  FUZZ_CHECK(code_points == out.characters);
}

}  // namespace
}  // namespace cadent::templating

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cadent::templating;  // NOLINT: a file of its own, one function
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  TemplateSource source;
  source.channel = static_cast<Channel>(data[0] % 4);
  std::vector<std::string> parts(3);
  size_t part = 0;
  for (char c : input) {
    if (c == '\x1f' && part < 2) {
      ++part;
    } else {
      parts[part].push_back(c);
    }
  }
  source.subject = parts[0];
  source.html = parts[1];
  source.text = parts[2];
  Limits limits;
  limits.max_source_bytes = 8192;
  limits.max_nesting = 8;
  limits.sms_max_segments = 3;

  const Validation validation = Validate(source, {}, limits);
  auto compiled = Compile(source, limits);
  FUZZ_CHECK(validation.ok() == compiled.ok());
  if (!compiled.ok()) {
    FUZZ_CHECK(!compiled.status().message().empty());
    return 0;
  }
  const cadent::ContactData contact = HostileContact();
  SenderFields sender;
  sender.signature = "<b>Bob</b><br>\r\nCadent &amp; co";
  RenderContext context;
  context.contact = &contact;
  context.sender = &sender;
  context.unsubscribe_url = "https://u.test/?a=1&b=2";
  context.day_of_week = "Tuesday";
  Rendered first;
  Rendered second;
  for (uint64_t seed : {uint64_t{0}, uint64_t{size}, ~uint64_t{0}}) {
    context.spin_seed = seed;
    const cadent::Status status = Render(*compiled, context, first);
    CheckRendered(first);
    const cadent::Status again = Render(*compiled, context, second);
    FUZZ_CHECK(status.ok() == again.ok());
    FUZZ_CHECK(first.subject == second.subject && first.html == second.html &&
               first.text == second.text && first.links.size() == second.links.size());
  }
  (void)MissingVariables(*compiled, contact, &sender);
  return 0;
}
