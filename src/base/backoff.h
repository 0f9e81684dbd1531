// Exponential backoff with jitter, the one schedule every retry loop waits by (HTTP requests,
// chunk fetches, PostgreSQL serialization conflicts): before attempt n (n ≥ 1) wait a random time
// in [c/4, c], c = min(cap, base · 2^n). The jitter keeps clients that failed together from
// retrying together; the floor keeps a retry from coming back at once.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

#include "base/clock.h"

namespace strata {

struct BackoffPolicy {
  std::chrono::nanoseconds base;
  std::chrono::nanoseconds cap;
};

// The wait before attempt `attempt` (0 for the first attempt).
inline std::chrono::nanoseconds BackoffDelay(const BackoffPolicy& policy, int attempt) {
  if (attempt <= 0) return std::chrono::nanoseconds(0);
  int64_t ceiling = policy.base.count() << std::min(attempt, 20);
  ceiling = std::min<int64_t>(std::max<int64_t>(ceiling, 0), policy.cap.count());
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::uniform_int_distribution<int64_t> jitter(ceiling / 4, ceiling);
  return std::chrono::nanoseconds(jitter(rng));
}

// Waits on `clock` for the delay before attempt `attempt`.
inline void BackoffBeforeAttempt(Clock& clock, const BackoffPolicy& policy, int attempt) {
  clock.SleepFor(BackoffDelay(policy, attempt));
}

}  // namespace strata
