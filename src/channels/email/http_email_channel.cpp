#include "channels/email/http_email_channel.hpp"

#include <algorithm>

#include "channels/email/eml.hpp"
#include "core/common/strings.hpp"

namespace cadent::channels {

HttpEmailChannel::HttpEmailChannel(HttpEmailOptions options)
    : options_(std::move(options)),
      client_(HttpClient::Options{.connect_timeout = options_.connect_timeout,
                                  .timeout = options_.timeout}) {}

HttpEmailChannel::~HttpEmailChannel() = default;

Capabilities HttpEmailChannel::capabilities() const {
  Capabilities c;
  c.channels = {templating::Channel::kEmail};
  c.idempotency_keys = TakesIdempotencyKey();
  return c;
}

Result<SendResult> HttpEmailChannel::Send(const OutgoingMessage& message) {
  if (message.channel != templating::Channel::kEmail) {
    return absl::InvalidArgumentError(StrCat("the ", name(), " channel cannot carry ",
                                             templating::ToString(message.channel), " messages"));
  }
  if (message.to_address.empty() || message.from_address.empty()) {
    return absl::InvalidArgumentError(
        StrCat("message ", message.id.value(), " has no sender or recipient address"));
  }
  TRY(CheckEmlHeaders(message.headers));
  if (!options_.transports || options_.clock == nullptr) {
    return absl::FailedPreconditionError(
        StrCat("the ", name(), " channel has no transport lookup or clock"));
  }
  ASSIGN_OR_RETURN(const EmailTransport transport,
                   options_.transports(message.workspace, message.sender));
  if (!transport.kind.empty() && transport.kind != name()) {
    return absl::InvalidArgumentError(StrCat("sender ", message.sender.value(), " uses transport '",
                                             transport.kind, "', not ", name()));
  }
  const Instant now = options_.clock->Now();
  ASSIGN_OR_RETURN(HttpRequest request, BuildRequest(message, transport, now));
  request.verify_tls = transport.verify_tls;
  request.ca_file = transport.ca_file;

  SendResult result;
  Result<HttpResponse> answer = client_.Post(request);
  if (!answer.ok()) {
    if (answer.status().code() == absl::StatusCode::kInvalidArgument) return answer.status();
    result.code = sequence::SendCode::kTransient;
    result.detail = std::string(answer.status().message());
    return result;
  }
  result.code = SendCodeForStatus(answer->status, StatusOverrides());
  result.detail = HttpDetail(answer->status, answer->body);
  if (result.code != sequence::SendCode::kAccepted) {
    result.retry_after = ParseRetryAfter(answer->Header("Retry-After"), now);
  }
  ReadAnswer(*answer, result);
  return result;
}

std::vector<Result<SendResult>> HttpEmailChannel::SendBatch(
    std::span<const OutgoingMessage* const> batch) {
  return SendInParallel(*this, batch, options_.parallel_requests);
}

std::string FormatMailbox(std::string_view name, std::string_view address) {
  auto clean = [](std::string_view text) {
    std::string out(text);
    for (char& c : out) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
    }
    return out;
  };
  if (name.empty()) return clean(address);
  const std::string plain = clean(name);
  if (plain.find_first_of("()<>[]:;@\\,.\"") == std::string::npos) {
    return StrCat(plain, " <", clean(address), ">");
  }
  std::string quoted = "\"";
  for (char c : plain) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return StrCat(quoted, "\" <", clean(address), ">");
}

std::string BaseUrl(std::string_view endpoint, std::string_view fallback) {
  std::string_view base = endpoint.empty() ? fallback : endpoint;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base);
}

std::string MessageIdHeader(const OutgoingMessage& message) {
  return message.message_id.empty() ? std::string() : StrCat("<", message.message_id, ">");
}

}  // namespace cadent::channels
