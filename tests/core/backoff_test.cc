#include "base/backoff.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace strata {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr BackoffPolicy kPolicy{milliseconds(100), milliseconds(5000)};

TEST(BackoffTest, TheFirstAttemptDoesNotWait) {
  EXPECT_EQ(BackoffDelay(kPolicy, 0), nanoseconds(0));
  EXPECT_EQ(BackoffDelay(kPolicy, -3), nanoseconds(0));
}

TEST(BackoffTest, EachAttemptWaitsBetweenAQuarterAndAllOfItsDoubledCeiling) {
  for (int attempt = 1; attempt <= 40; ++attempt) {
    int64_t ceiling =
        std::min<int64_t>(nanoseconds(milliseconds(100)).count() << std::min(attempt, 20),
                          nanoseconds(milliseconds(5000)).count());
    for (int i = 0; i < 200; ++i) {
      int64_t delay = BackoffDelay(kPolicy, attempt).count();
      ASSERT_GE(delay, ceiling / 4) << "attempt " << attempt;
      ASSERT_LE(delay, ceiling) << "attempt " << attempt;
    }
  }
}

TEST(BackoffTest, TheJitterSpreadsRetriesThatFailedTogether) {
  std::vector<int64_t> delays;
  for (int i = 0; i < 50; ++i) delays.push_back(BackoffDelay(kPolicy, 5).count());
  std::sort(delays.begin(), delays.end());
  // 50 draws from a range of 2.4 s: not all alike (a fixed delay would make them one).
  EXPECT_LT(delays.front(), delays.back());
}

TEST(FakeClockTest, SleepingMovesTimeAndReturnsAtOnce) {
  FakeClock clock(1000);
  BackoffBeforeAttempt(clock, kPolicy, 3);
  EXPECT_GE(clock.slept(), milliseconds(200));
  EXPECT_LE(clock.slept(), milliseconds(800));
  EXPECT_EQ(clock.NowNanos(), 1000 + clock.slept().count());
  clock.Advance(std::chrono::seconds(2));  // an advance is not a sleep
  EXPECT_EQ(clock.NowNanos(), 1000 + clock.slept().count() + 2'000'000'000);
  EXPECT_LE(clock.slept(), milliseconds(800));
}

TEST(FakeClockTest, StartsAtTheMachinesTime) {
  int64_t before = Clock::System().NowNanos();
  FakeClock clock;
  EXPECT_GE(clock.NowNanos(), before);
  EXPECT_LE(clock.NowNanos(), Clock::System().NowNanos());
}

TEST(FakeClockTest, ManyThreadsSleepingAddUp) {
  FakeClock clock(0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) clock.SleepFor(nanoseconds(3));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.NowNanos(), 8 * 1000 * 3);
  EXPECT_EQ(clock.slept(), nanoseconds(8 * 1000 * 3));
}

}  // namespace
}  // namespace strata
