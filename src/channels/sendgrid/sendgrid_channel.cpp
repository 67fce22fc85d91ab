#include "channels/sendgrid/sendgrid_channel.hpp"

#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"

namespace cadent::channels {

Result<HttpRequest> SendGridChannel::BuildRequest(const OutgoingMessage& message,
                                                  const EmailTransport& transport, Instant now) {
  (void)now;
  nlohmann::json to = {{"email", message.to_address}};
  if (!message.to_name.empty()) to["name"] = message.to_name;
  nlohmann::json from = {{"email", message.from_address}};
  if (!message.from_name.empty()) from["name"] = message.from_name;
  nlohmann::json body = {
      {"personalizations", nlohmann::json::array({{{"to", nlohmann::json::array({to})}}})},
      {"from", from},
      {"subject", message.subject},
  };
  if (!message.reply_to.empty()) body["reply_to"] = {{"email", message.reply_to}};
  nlohmann::json content = nlohmann::json::array();
  if (!message.text.empty() || message.html.empty()) {
    content.push_back({{"type", "text/plain"}, {"value", message.text}});
  }
  if (!message.html.empty()) content.push_back({{"type", "text/html"}, {"value", message.html}});
  body["content"] = std::move(content);
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [field, value] : message.headers) headers[field] = value;
  if (const std::string id = MessageIdHeader(message); !id.empty()) headers["Message-ID"] = id;
  if (!headers.empty()) body["headers"] = std::move(headers);
  body["custom_args"] = {{"cadent_message_id", std::to_string(message.id.value())}};

  HttpRequest request;
  request.url = StrCat(BaseUrl(transport.endpoint, "https://api.sendgrid.com"), "/v3/mail/send");
  request.headers = {StrCat("Authorization: Bearer ", transport.secret),
                     "Content-Type: application/json"};
  // Invalid UTF-8 (which the dispatcher should never produce) is replaced, never thrown.
  request.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return request;
}

void SendGridChannel::ReadAnswer(const HttpResponse& response, SendResult& result) {
  if (result.code == sequence::SendCode::kAccepted) {
    result.provider_id = std::string(response.Header("X-Message-Id"));
  }
}

}  // namespace cadent::channels
