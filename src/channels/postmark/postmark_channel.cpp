#include "channels/postmark/postmark_channel.hpp"

#include "core/common/strings.hpp"
#include "nlohmann/json.hpp"

namespace cadent::channels {

Result<HttpRequest> PostmarkChannel::BuildRequest(const OutgoingMessage& message,
                                                  const EmailTransport& transport, Instant now) {
  (void)now;
  nlohmann::json body = {
      {"From", FormatMailbox(message.from_name, message.from_address)},
      {"To", FormatMailbox(message.to_name, message.to_address)},
      {"Subject", message.subject},
      {"MessageStream", "outbound"},
      {"Metadata", {{"cadent_message_id", std::to_string(message.id.value())}}},
  };
  if (!message.reply_to.empty()) body["ReplyTo"] = message.reply_to;
  if (!message.text.empty()) body["TextBody"] = message.text;
  if (!message.html.empty()) body["HtmlBody"] = message.html;
  if (message.text.empty() && message.html.empty()) body["TextBody"] = "";
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& [field, value] : message.headers) {
    headers.push_back({{"Name", field}, {"Value", value}});
  }
  if (const std::string id = MessageIdHeader(message); !id.empty()) {
    headers.push_back({{"Name", "Message-ID"}, {"Value", id}});
  }
  if (!headers.empty()) body["Headers"] = std::move(headers);

  HttpRequest request;
  request.url = StrCat(BaseUrl(transport.endpoint, "https://api.postmarkapp.com"), "/email");
  request.headers = {StrCat("X-Postmark-Server-Token: ", transport.secret),
                     "Content-Type: application/json", "Accept: application/json"};
  request.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return request;
}

void PostmarkChannel::ReadAnswer(const HttpResponse& response, SendResult& result) {
  const nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  if (!answer.is_object()) return;
  const auto code = answer.find("ErrorCode");
  const int error_code = code != answer.end() && code->is_number_integer() ? code->get<int>() : 0;
  if (result.code == sequence::SendCode::kAccepted && error_code == 0) {
    if (const auto id = answer.find("MessageID"); id != answer.end() && id->is_string()) {
      result.provider_id = id->get<std::string>();
    }
    return;
  }
  using sequence::SendCode;
  switch (error_code) {
    case 0:
      break;
    case 300:  // Invalid email request (the recipient address)
    case 406:  // Inactive recipient
      result.code = SendCode::kHardBounce;
      break;
    case 10:  // Bad or missing API token
      result.code = SendCode::kUnauthorized;
      break;
    case 400:  // Sender signature not found
    case 401:  // Sender signature not confirmed
    case 405:  // Not allowed to send
    case 412:  // Account pending approval
      result.code = SendCode::kBlocked;
      break;
    case 429:  // Rate limit exceeded
      result.code = SendCode::kRateLimited;
      break;
    default:
      // A 2xx answer with an error code is still a refusal.
      if (result.code == SendCode::kAccepted) result.code = SendCode::kRejected;
      break;
  }
}

}  // namespace cadent::channels
