#include "channels/channel.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

namespace cadent::channels {

std::vector<Result<SendResult>> SendInParallel(Channel& channel,
                                               std::span<const OutgoingMessage* const> batch,
                                               int workers) {
  const size_t threads_wanted = std::min(batch.size(), static_cast<size_t>(std::max(1, workers)));
  std::vector<Result<SendResult>> results(batch.size(), absl::InternalError("not sent"));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < batch.size(); i = next++) results[i] = channel.Send(*batch[i]);
  };
  std::vector<std::thread> threads;
  if (threads_wanted > 1) threads.reserve(threads_wanted - 1);
  for (size_t i = 1; i < threads_wanted; ++i) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  return results;
}

}  // namespace cadent::channels
