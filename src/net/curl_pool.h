// What every libcurl client of ours shares: one global init, which failures are worth another
// attempt, the backoff between attempts, and a bounded pool of easy handles (a handle keeps its
// connection alive between requests, so reusing handles is what keeps connections warm).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <vector>

#include <curl/curl.h>

#include "base/backoff.h"
#include "base/mutex.h"

namespace strata::net {

// curl_global_init, once per process.
void CurlGlobalInit();

// Connection errors and timeouts: the next attempt may well succeed.
bool IsTransientCurlError(CURLcode code);
// 429 and 5xx.
bool IsTransientHttpStatus(long status);
// The wait before a request's next attempt: 100 ms doubling, capped at 5 s (base/backoff.h).
inline constexpr BackoffPolicy kHttpBackoff{std::chrono::milliseconds(100),
                                            std::chrono::seconds(5)};

class CurlHandlePool {
 public:
  explicit CurlHandlePool(size_t max_handles) : max_handles_(max_handles) {}
  ~CurlHandlePool();
  CurlHandlePool(const CurlHandlePool&) = delete;
  CurlHandlePool& operator=(const CurlHandlePool&) = delete;

  // Blocks while `max_handles` are in use.
  CURL* Acquire();
  void Release(CURL* handle);

 private:
  const size_t max_handles_;
  Mutex mu_;
  std::condition_variable cv_;
  std::vector<CURL*> idle_ GUARDED_BY(mu_);
  size_t created_ GUARDED_BY(mu_) = 0;
};

}  // namespace strata::net
