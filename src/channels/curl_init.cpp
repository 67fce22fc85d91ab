#include "channels/curl_init.hpp"

#include <curl/curl.h>

#include <mutex>

namespace cadent::channels {

void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace cadent::channels
