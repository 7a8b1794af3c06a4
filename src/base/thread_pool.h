// A persistent pool of worker threads for data-parallel loops.
//
// Decode calls the pool ~170 times per token with a few microseconds of work
// between calls, so waking through a mutex and condition variable (tens of
// microseconds per call on a virtual machine) would cost more than the work.
// Workers and the caller therefore spin on atomics for a while before falling
// back to sleeping in the kernel (futex via std::atomic::wait).
//
// Thread-safety: one caller at a time drives a pool (the engine that owns it);
// Run blocks until every worker has finished its share.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
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
  // Bumped (release) by Run after job_ is set; workers acquire it. 32 bits so
  // that std::atomic::wait maps straight onto a futex.
  std::atomic<uint32_t> generation_{0};
  std::atomic<int32_t> pending_{0};  // workers still running the current job
  std::atomic<bool> stopping_{false};
  const std::function<void(int)>* job_ = nullptr;  // valid while a Run is in flight
};

}  // namespace edgereason
