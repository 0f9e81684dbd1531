// Clock: the seam through which code that waits or compares against "now" reads time, so a test
// can move time instead of sleeping (FakeClock). Time is nanoseconds since the Unix epoch, as
// Strata stores it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace strata {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch.
  virtual int64_t NowNanos() const = 0;
  // Blocks for `duration` of this clock's time.
  virtual void SleepFor(std::chrono::nanoseconds duration) = 0;

  // The machine's clock (std::chrono::system_clock, a real sleep).
  static Clock& System();
};

// A clock that moves only when told: SleepFor returns at once, advancing the time by its
// duration, so a retry loop runs its schedule without waiting and a test can read how long it
// would have waited. Thread-safe.
class FakeClock final : public Clock {
 public:
  // Starts at the machine's time, so times it records sort with those real components record
  // (an object store's mtimes).
  FakeClock() : FakeClock(System().NowNanos()) {}
  explicit FakeClock(int64_t start_ns) : now_(start_ns) {}

  int64_t NowNanos() const override { return now_.load(); }
  void SleepFor(std::chrono::nanoseconds duration) override {
    if (duration.count() > 0) {
      now_ += duration.count();
      slept_ += duration.count();
    }
  }

  void Advance(std::chrono::nanoseconds duration) { now_ += duration.count(); }
  // The total SleepFor has waited.
  std::chrono::nanoseconds slept() const { return std::chrono::nanoseconds(slept_.load()); }

 private:
  std::atomic<int64_t> now_;
  std::atomic<int64_t> slept_{0};
};

}  // namespace strata
