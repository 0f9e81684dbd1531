#include "net/curl_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>

namespace strata::net {
namespace {

constexpr auto kBackoffBase = std::chrono::milliseconds(100);
constexpr auto kBackoffCap = std::chrono::milliseconds(5000);

}  // namespace

void CurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool IsTransientCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

bool IsTransientHttpStatus(long status) { return status == 429 || status >= 500; }

void BackoffBeforeAttempt(int attempt) {
  auto cap = std::min<int64_t>(kBackoffCap.count(), kBackoffBase.count() << std::min(attempt, 10));
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::uniform_int_distribution<int64_t> jitter(cap / 4, cap);
  std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
}

CurlHandlePool::~CurlHandlePool() {
  for (CURL* handle : idle_) curl_easy_cleanup(handle);
}

CURL* CurlHandlePool::Acquire() {
  MutexLock lock(mu_);
  while (idle_.empty() && created_ >= max_handles_) lock.Wait(cv_);
  if (!idle_.empty()) {
    CURL* handle = idle_.back();
    idle_.pop_back();
    return handle;
  }
  ++created_;
  return curl_easy_init();
}

void CurlHandlePool::Release(CURL* handle) {
  {
    MutexLock lock(mu_);
    idle_.push_back(handle);
  }
  cv_.notify_one();
}

}  // namespace strata::net
