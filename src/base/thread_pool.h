// A persistent pool of worker threads for data-parallel loops.
//
// Work is handed out in chunks that threads claim as they arrive, so a
// worker the operating system has not scheduled yet never holds up the
// caller: the caller claims the remaining chunks itself and only waits for
// chunks already in progress. On a machine busy with other work (a phone, a
// shared CI box) throughput degrades towards one thread's, never below it.
//
// Thread-safety: one caller at a time drives a pool (the engine that owns
// it); ParallelFor blocks until every chunk has run.
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

  // Calls fn(begin, end) on disjoint ranges covering [0, count), each a
  // multiple of `grain` long (but the last), on any of the pool's threads.
  void ParallelFor(int64_t count, int64_t grain,
                   const std::function<void(int64_t begin, int64_t end)>& fn);

 private:
  void WorkerLoop();
  // Claims and runs chunks of the open job until none is left.
  void RunChunks();

  std::vector<std::thread> workers_;
  // Bumped (release) when a job opens; workers wait on it. 32 bits so that
  // std::atomic::wait maps onto a futex.
  std::atomic<uint32_t> generation_{0};
  std::atomic<bool> stopping_{false};

  // The open job. Written by the caller before `open_` is set (release);
  // read by workers only between incrementing `active_` and seeing `open_`.
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t count_ = 0;
  int64_t chunk_ = 1;     // elements per claimed chunk
  int64_t chunks_ = 0;
  std::atomic<bool> open_{false};
  std::atomic<int64_t> next_chunk_{0};
  std::atomic<int64_t> done_chunks_{0};
  std::atomic<int32_t> active_{0};  // workers inside RunChunks for the open job
};

}  // namespace edgereason
