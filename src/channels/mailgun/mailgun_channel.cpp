#include "channels/mailgun/mailgun_channel.hpp"

#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"

namespace cadent::channels {

std::string FormEscape(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
        (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kDigits[byte >> 4];
      out += kDigits[byte & 0xF];
    }
  }
  return out;
}

Result<std::string> MailgunBaseUrl(const EmailTransport& transport) {
  std::string_view fallback;
  if (transport.region.empty() || transport.region == "us") {
    fallback = "https://api.mailgun.net";
  } else if (transport.region == "eu") {
    fallback = "https://api.eu.mailgun.net";
  } else {
    return absl::InvalidArgumentError(
        StrCat("mailgun region must be us or eu, got '", transport.region, "'"));
  }
  return BaseUrl(transport.endpoint, fallback);
}

Result<HttpRequest> MailgunChannel::BuildRequest(const OutgoingMessage& message,
                                                 const EmailTransport& transport, Instant now) {
  (void)now;
  if (transport.domain.empty()) {
    return absl::InvalidArgumentError(
        StrCat("mailgun sender ", message.sender.value(), " has no sending domain"));
  }
  ASSIGN_OR_RETURN(const std::string base, MailgunBaseUrl(transport));
  std::string body;
  auto add = [&body](std::string_view field, std::string_view value) {
    if (!body.empty()) body += '&';
    StrAppend(&body, FormEscape(field), "=", FormEscape(value));
  };
  add("from", FormatMailbox(message.from_name, message.from_address));
  add("to", FormatMailbox(message.to_name, message.to_address));
  add("subject", message.subject);
  if (!message.text.empty() || message.html.empty()) add("text", message.text);
  if (!message.html.empty()) add("html", message.html);
  if (!message.reply_to.empty()) add("h:Reply-To", message.reply_to);
  for (const auto& [field, value] : message.headers) add(StrCat("h:", field), value);
  if (const std::string id = MessageIdHeader(message); !id.empty()) add("h:Message-Id", id);
  add("v:cadent_message_id", std::to_string(message.id.value()));

  HttpRequest request;
  request.url = StrCat(base, "/v3/", FormEscape(transport.domain), "/messages");
  request.headers = {"Content-Type: application/x-www-form-urlencoded"};
  request.basic_auth = StrCat("api:", transport.secret);
  request.body = std::move(body);
  return request;
}

void MailgunChannel::ReadAnswer(const HttpResponse& response, SendResult& result) {
  if (result.code != sequence::SendCode::kAccepted) return;
  const nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  if (!answer.is_object()) return;
  if (const auto id = answer.find("id"); id != answer.end() && id->is_string()) {
    std::string value = id->get<std::string>();
    if (value.size() >= 2 && value.front() == '<' && value.back() == '>') {
      value = value.substr(1, value.size() - 2);
    }
    result.provider_id = std::move(value);
  }
}

}  // namespace cadent::channels
