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
    workers_.emplace_back([this, i] { WorkerLoop(i); });
  }
}

ThreadPool::~ThreadPool() {
  stopping_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::WorkerLoop(int thread_index) {
  // Generation 0 is the pool's state at construction; a Run may bump it
  // before this thread first looks.
  uint32_t seen = 0;
  for (;;) {
    seen = WaitWhileEqual(generation_, seen);
    if (stopping_.load(std::memory_order_relaxed)) return;
    (*job_)(thread_index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

void ThreadPool::Run(const std::function<void(int)>& fn) {
  if (workers_.empty()) {
    fn(0);
    return;
  }
  job_ = &fn;
  pending_.store(static_cast<int32_t>(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  fn(0);
  for (int32_t left = pending_.load(std::memory_order_acquire); left != 0;
       left = pending_.load(std::memory_order_acquire)) {
    WaitWhileEqual(pending_, left);
  }
  job_ = nullptr;
}

void ThreadPool::ParallelFor(int64_t count, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (count <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t chunks = (count + grain - 1) / grain;
  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), chunks));
  if (threads <= 1) {
    fn(0, count);
    return;
  }
  Run([&](int t) {
    if (t >= threads) return;
    const int64_t first = chunks * t / threads;
    const int64_t last = chunks * (t + 1) / threads;
    const int64_t begin = first * grain;
    const int64_t end = std::min(count, last * grain);
    if (begin < end) fn(begin, end);
  });
}

}  // namespace edgereason
