#include "channels/resend/resend_channel.hpp"

#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"

namespace cadent::channels {

Result<HttpRequest> ResendChannel::BuildRequest(const OutgoingMessage& message,
                                                const EmailTransport& transport, Instant now) {
  (void)now;
  nlohmann::json body = {
      {"from", FormatMailbox(message.from_name, message.from_address)},
      {"to", nlohmann::json::array({FormatMailbox(message.to_name, message.to_address)})},
      {"subject", message.subject},
      {"tags", nlohmann::json::array({{{"name", "cadent_message_id"},
                                       {"value", std::to_string(message.id.value())}}})},
  };
  if (!message.text.empty() || message.html.empty()) body["text"] = message.text;
  if (!message.html.empty()) body["html"] = message.html;
  if (!message.reply_to.empty()) body["reply_to"] = message.reply_to;
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [field, value] : message.headers) headers[field] = value;
  if (const std::string id = MessageIdHeader(message); !id.empty()) headers["Message-ID"] = id;
  if (!headers.empty()) body["headers"] = std::move(headers);

  HttpRequest request;
  request.url = StrCat(BaseUrl(transport.endpoint, "https://api.resend.com"), "/emails");
  request.headers = {StrCat("Authorization: Bearer ", transport.secret),
                     "Content-Type: application/json",
                     StrCat("Idempotency-Key: ", message.id.value())};
  request.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return request;
}

void ResendChannel::ReadAnswer(const HttpResponse& response, SendResult& result) {
  const nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  if (!answer.is_object()) return;
  if (result.code == sequence::SendCode::kAccepted) {
    if (const auto id = answer.find("id"); id != answer.end() && id->is_string()) {
      result.provider_id = id->get<std::string>();
    }
    return;
  }
  const auto name = answer.find("name");
  if (name == answer.end() || !name->is_string()) return;
  if (*name == "concurrent_idempotent_requests") result.code = sequence::SendCode::kTransient;
  if (*name == "invalid_idempotent_request") result.code = sequence::SendCode::kRejected;
}

}  // namespace cadent::channels
