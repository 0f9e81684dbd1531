// FaultInjectingStore: wraps an ObjectStore and makes chosen calls fail, for tests of what every
// layer above does when the store misbehaves (errors mid-put, failing deletes, flaky reads).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <random>
#include <string_view>

#include "base/mutex.h"
#include "store/object_store.h"

namespace strata::store {

enum class StoreOp { kPut, kRead, kHead, kDelete, kList };

// Thread-safe: the policy may be changed while other threads use the store.
class FaultInjectingStore final : public ObjectStore {
 public:
  explicit FaultInjectingStore(ObjectStore& inner) : inner_(inner) {}

  // Fails each call of `op` with probability `rate` (seeded, so runs replay), with `code`.
  void FailRandomly(StoreOp op, double rate, uint64_t seed, Code code = Code::kIOError);
  // Lets `n` more calls of `op` through, then fails every later one.
  void FailAfter(StoreOp op, int64_t n, Code code = Code::kIOError);
  // Adds `latency_us` to every call of `op` (a slow network), before any failure is decided.
  void AddLatency(StoreOp op, int64_t latency_us);
  // Flips one byte of a read's result with probability `rate` (a damaged transfer).
  void CorruptReads(double rate, uint64_t seed);
  // Back to a healthy store.
  void Heal();
  // How many calls failed so far.
  uint64_t injected() const { return injected_.load(); }

  Status Put(std::string_view key, std::span<const uint8_t> data) override;
  Result<size_t> Read(std::string_view key, uint64_t offset, std::span<uint8_t> out) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Status Delete(std::string_view key) override;
  Status List(std::string_view prefix, const std::function<Status(const ObjectInfo&)>& fn) override;
  Result<size_t> CleanTemporaries(int64_t min_age_ns, bool dry_run) override {
    return inner_.CleanTemporaries(min_age_ns, dry_run);
  }
  std::string url() const override { return inner_.url(); }

 private:
  struct Rule {
    bool active = false;
    double rate = 0;       // random failures
    int64_t allowed = -1;  // >= 0: calls left before every call fails
    Code code = Code::kIOError;
  };
  // OK, or the injected failure for this call.
  Status Check(StoreOp op, std::string_view key);

  ObjectStore& inner_;
  Mutex mu_;
  Rule rules_[5] GUARDED_BY(mu_);  // indexed by StoreOp
  int64_t latency_us_[5] GUARDED_BY(mu_) = {0, 0, 0, 0, 0};
  double corrupt_rate_ GUARDED_BY(mu_) = 0;
  std::mt19937_64 rng_ GUARDED_BY(mu_);
  std::atomic<uint64_t> injected_{0};
};

}  // namespace strata::store
