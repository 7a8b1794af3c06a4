// A persistent pool of worker threads for data-parallel loops.
//
// Thread-safety: one caller at a time drives a pool (the engine that owns it);
// Run blocks until every worker has finished its share.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace edgereason {

class ThreadPool {
 public:
  // `num_threads` includes the calling thread: 1 means no workers at all.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(thread_index) once on each of the num_threads() threads (the
  // caller is index 0) and returns when all calls have returned.
  void Run(const std::function<void(int thread_index)>& fn);

  // Splits [0, count) into contiguous ranges, one per thread, aligned to
  // `grain`, and calls fn(begin, end) for each non-empty range.
  void ParallelFor(int64_t count, int64_t grain,
                   const std::function<void(int64_t begin, int64_t end)>& fn);

 private:
  void WorkerLoop(int thread_index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_;
  std::condition_variable done_;
  const std::function<void(int)>* job_ = nullptr;  // valid while a Run is in flight
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stopping_ = false;
};

}  // namespace edgereason
