#include "channels/email/gmime_lock.hpp"

#include <gmime/gmime.h>

namespace cadent::channels {

void InitGMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

std::unique_lock<std::mutex> LockGMime() {
  InitGMime();
  static std::mutex mutex;
  return std::unique_lock<std::mutex>(mutex);
}

}  // namespace cadent::channels
