// libcurl's process-wide initialisation, done once before the first handle of any channel
// (HTTP APIs, webhooks, SMTP, IMAP) is made. Thread-safe.
#pragma once

namespace cadent::channels {

void InitCurl();

}  // namespace cadent::channels
