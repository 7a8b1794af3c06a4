#include "base/thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace edgereason {
namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// How long a thread polls before sleeping: long enough to cover the gap
// between two MatMul calls of a decode step (norms, RoPE, attention of one
// token take tens of microseconds), short enough not to burn a core between
// requests.
constexpr auto kPollTime = std::chrono::microseconds(300);
// Pure spinning is only for the first moments: when the machine is
// oversubscribed (other processes on our cores) the thread we wait for may
// be queued behind us on the same core, and spinning through our time slice
// would stall it for a whole scheduler tick (~1 ms per call, measured), so
// after that we yield the core on every poll.
constexpr int kSpinPolls = 64;

// Waits until `value` differs from `old` and returns the new value.
template <typename T>
T WaitWhileEqual(const std::atomic<T>& value, T old) {
  for (int i = 0; i < kSpinPolls; ++i) {
    const T now = value.load(std::memory_order_acquire);
    if (now != old) return now;
    CpuRelax();
  }
  const auto deadline = std::chrono::steady_clock::now() + kPollTime;
  for (;;) {
    const T now = value.load(std::memory_order_acquire);
    if (now != old) return now;
    std::this_thread::yield();
    if (std::chrono::steady_clock::now() > deadline) break;
  }
  for (;;) {
    value.wait(old, std::memory_order_acquire);
    const T now = value.load(std::memory_order_acquire);
    if (now != old) return now;
  }
}

}  // namespace

ThreadPool::ThreadPool(int num_threads) {
  for (int i = 1; i < std::max(1, num_threads); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

ThreadPool::~ThreadPool() {
  stopping_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::RunChunks() {
  for (;;) {
    const int64_t c = next_chunk_.fetch_add(1, std::memory_order_relaxed);
    if (c >= chunks_) return;
    const int64_t begin = c * chunk_;
    (*fn_)(begin, std::min(count_, begin + chunk_));
    if (done_chunks_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks_) {
      done_chunks_.notify_one();
    }
  }
}

void ThreadPool::WorkerLoop() {
  uint32_t seen = 0;
  for (;;) {
    seen = WaitWhileEqual(generation_, seen);
    if (stopping_.load(std::memory_order_relaxed)) return;
    // Announce ourselves before looking at the job, so the caller cannot
    // retire it while we read it; a job already closed is simply skipped.
    active_.fetch_add(1, std::memory_order_acq_rel);
    if (open_.load(std::memory_order_acquire)) RunChunks();
    if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) active_.notify_one();
  }
}

void ThreadPool::ParallelFor(int64_t count, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (count <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t grains = (count + grain - 1) / grain;
  if (workers_.empty() || grains <= 1) {
    fn(0, count);
    return;
  }
  // About four chunks per thread: enough for late threads to still find
  // work, few enough that claiming costs nothing next to the work.
  const int64_t target_chunks = std::min<int64_t>(grains, 4 * num_threads());
  chunk_ = (grains + target_chunks - 1) / target_chunks * grain;
  chunks_ = (count + chunk_ - 1) / chunk_;
  count_ = count;
  fn_ = &fn;
  next_chunk_.store(0, std::memory_order_relaxed);
  done_chunks_.store(0, std::memory_order_relaxed);
  open_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();

  RunChunks();
  // Chunks other threads claimed may still be running.
  for (int64_t done = done_chunks_.load(std::memory_order_acquire); done != chunks_;
       done = done_chunks_.load(std::memory_order_acquire)) {
    WaitWhileEqual(done_chunks_, done);
  }
  // Retire the job; workers that announced themselves before this point
  // must leave before fn_ goes out of scope.
  open_.store(false, std::memory_order_release);
  for (int32_t active = active_.load(std::memory_order_acquire); active != 0;
       active = active_.load(std::memory_order_acquire)) {
    WaitWhileEqual(active_, active);
  }
  fn_ = nullptr;
}

}  // namespace edgereason
