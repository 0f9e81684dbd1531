#include "base/single_flight.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/test_util.h"

namespace strata {
namespace {

// Blocks the leader until `n` callers wait for its flight: no timing, no sleeps that guess.
void WaitForWaiters(const SingleFlight<std::string, int>& flights, const std::string& key,
                    size_t n) {
  while (flights.Waiting(key) < n) std::this_thread::yield();
}

TEST(SingleFlightTest, CallersOfOneKeyShareOneRun) {
  SingleFlight<std::string, int> flights;
  std::atomic<int> runs{0};
  std::atomic<int> led{0};
  std::vector<int> values(8);
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&, t] {
      auto outcome = flights.Do("chunk", [&] {
        WaitForWaiters(flights, "chunk", 7);
        return 40 + ++runs;
      });
      values[t] = outcome.value;
      if (outcome.led) ++led;
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(led.load(), 1);
  for (int v : values) EXPECT_EQ(v, 41);
  EXPECT_FALSE(flights.InFlight("chunk"));
}

TEST(SingleFlightTest, AFinishedFlightIsNotAnAnswerForTheNextCaller) {
  SingleFlight<std::string, int> flights;
  int runs = 0;
  EXPECT_EQ(flights.Do("k", [&] { return ++runs; }).value, 1);
  auto second = flights.Do("k", [&] { return ++runs; });
  EXPECT_EQ(second.value, 2);
  EXPECT_TRUE(second.led);
}

TEST(SingleFlightTest, DifferentKeysRunSideBySide) {
  SingleFlight<std::string, int> flights;
  std::atomic<bool> b_ran{false};
  std::thread a([&] {
    // A's leader holds its flight until B's has run: if B waited for A, this never ends.
    flights.Do("a", [&] {
      while (!b_ran) std::this_thread::yield();
      return 1;
    });
  });
  while (!flights.InFlight("a")) std::this_thread::yield();
  EXPECT_TRUE(flights.Do("b", [&] { return b_ran = true, 2; }).led);
  a.join();
}

TEST(SingleFlightTest, AWaiterLeadsAgainWhenTheLeaderThrows) {
  SingleFlight<std::string, int> flights;
  std::thread leader([&] {
    EXPECT_THROW(flights.Do("k",
                            [&]() -> int {
                              WaitForWaiters(flights, "k", 1);
                              throw std::runtime_error("fetch failed");
                            }),
                 std::runtime_error);
  });
  while (!flights.InFlight("k")) std::this_thread::yield();
  auto outcome = flights.Do("k", [] { return 7; });
  leader.join();
  EXPECT_EQ(outcome.value, 7);
  EXPECT_TRUE(outcome.led);
  EXPECT_FALSE(flights.InFlight("k"));
}

}  // namespace
}  // namespace strata
