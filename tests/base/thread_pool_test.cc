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

TEST(ThreadPoolTest, RunCallsEveryThreadIndexOnceAndIsReusable) {
  ThreadPool pool(4);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::atomic<int>> seen(4);
    pool.Run([&](int t) { seen[t]++; });
    for (auto& s : seen) ASSERT_EQ(s.load(), 1);
  }
}

// Gaps longer than the spin phase make workers (and the caller) sleep; they
// must still wake for the next job, and the pool must shut down while asleep.
TEST(ThreadPoolTest, WakesAfterSleepingBetweenJobs) {
  ThreadPool pool(3);
  std::atomic<int> total{0};
  for (int round = 0; round < 5; ++round) {
    pool.Run([&](int t) {
      if (t == 2 && round % 2 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(3));
      total += t + 1;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  EXPECT_EQ(total.load(), 5 * (1 + 2 + 3));
}

}  // namespace
}  // namespace edgereason
