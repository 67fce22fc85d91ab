// A blocking first-in first-out queue with a capacity, for pipelines whose memory must stay
// bounded whatever the input size (the producer waits when the consumer falls behind).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace cadent {

// Thread-safe. std::mutex rather than absl::Mutex: Debian's abseil is not built for
// ThreadSanitizer, which then cannot see its locking (the tsan preset would report races).
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  // Waits for room, then appends. False (item dropped) once the queue is closed.
  bool Push(T item) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [this] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    lock.unlock();
    ready_.notify_one();
    return true;
  }

  // Waits for an item; nullopt once the queue is closed and drained.
  std::optional<T> Pop() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    lock.unlock();
    room_.notify_one();
    return item;
  }

  // No more pushes: Pop drains what is queued, then returns nullopt; Push returns false.
  void Close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    room_.notify_all();
    ready_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable room_;   // signalled when an item is taken or the queue closes
  std::condition_variable ready_;  // signalled when an item is added or the queue closes
  std::deque<T> items_;            // guarded by mutex_
  bool closed_ = false;            // guarded by mutex_
};

}  // namespace cadent
