#include "core/common/bounded_queue.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace cadent {
namespace {

TEST(BoundedQueueTest, DeliversInOrderAcrossThreads) {
  BoundedQueue<int> queue(2);
  std::vector<int> received;
  std::thread consumer([&] {
    while (auto item = queue.Pop()) received.push_back(*item);
  });
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(queue.Push(i));
  queue.Close();
  consumer.join();
  ASSERT_EQ(received.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(received[i], i);
}

TEST(BoundedQueueTest, CloseDrainsThenEnds) {
  BoundedQueue<int> queue(4);
  ASSERT_TRUE(queue.Push(1));
  ASSERT_TRUE(queue.Push(2));
  queue.Close();
  EXPECT_FALSE(queue.Push(3));
  EXPECT_EQ(queue.Pop(), 1);
  EXPECT_EQ(queue.Pop(), 2);
  EXPECT_EQ(queue.Pop(), std::nullopt);
}

TEST(BoundedQueueTest, CloseReleasesABlockedProducer) {
  BoundedQueue<int> queue(1);
  ASSERT_TRUE(queue.Push(1));
  bool pushed = true;
  std::thread producer([&] { pushed = queue.Push(2); });  // blocks: the queue is full
  queue.Close();
  producer.join();
  EXPECT_FALSE(pushed);
}

}  // namespace
}  // namespace cadent
