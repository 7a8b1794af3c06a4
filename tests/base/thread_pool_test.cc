#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace edgereason {
namespace {

TEST(ThreadPoolTest, ParallelForCoversEveryIndexOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int64_t count : {0, 1, 7, 64, 1000}) {
      for (int64_t grain : {1, 4, 16}) {
        std::vector<std::atomic<int>> hits(count);
        pool.ParallelFor(count, grain, [&](int64_t b, int64_t e) {
          EXPECT_EQ(b % grain, 0);
          for (int64_t i = b; i < e; ++i) hits[i]++;
        });
        for (int64_t i = 0; i < count; ++i) ASSERT_EQ(hits[i].load(), 1) << i;
      }
    }
  }
}

TEST(ThreadPoolTest, ManySmallJobsInARowAreEachComplete) {
  ThreadPool pool(4);
  std::atomic<int64_t> total{0};
  for (int round = 0; round < 2000; ++round) {
    std::atomic<int> sum{0};
    pool.ParallelFor(33, 1, [&](int64_t b, int64_t e) { sum += static_cast<int>(e - b); });
    ASSERT_EQ(sum.load(), 33) << round;
    total += sum;
  }
  EXPECT_EQ(total.load(), 2000 * 33);
}

TEST(ThreadPoolTest, WakesAfterSleepingBetweenJobs) {
  ThreadPool pool(3);
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // workers go to sleep
    std::vector<std::atomic<int>> hits(100);
    pool.ParallelFor(100, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) hits[i]++;
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
}

// The caller finishes the job alone when the other threads are busy
// elsewhere (here: spinning threads that outnumber the cores), instead of
// waiting for them to be scheduled.
TEST(ThreadPoolTest, OversubscribedMachineDoesNotStallTheCaller) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> hogs;
  const unsigned hog_count = 2 * std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < hog_count; ++i) {
    hogs.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  }
  ThreadPool pool(2);
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 500; ++round) {
    std::atomic<int> sum{0};
    pool.ParallelFor(64, 1, [&](int64_t b, int64_t e) { sum += static_cast<int>(e - b); });
    ASSERT_EQ(sum.load(), 64);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  for (auto& h : hogs) h.join();
  // 500 tiny jobs; a pool that waits for every worker to be scheduled needs a
  // scheduler tick (~1-4 ms) per job here.
  EXPECT_LT(seconds, 2.0);
}

}  // namespace
}  // namespace edgereason
