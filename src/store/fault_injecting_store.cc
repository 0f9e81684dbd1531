#include "store/fault_injecting_store.h"

#include <chrono>
#include <thread>

#include <fmt/core.h>

namespace strata::store {
namespace {
std::string_view OpName(StoreOp op) {
  switch (op) {
    case StoreOp::kPut:
      return "put";
    case StoreOp::kRead:
      return "read";
    case StoreOp::kHead:
      return "head";
    case StoreOp::kDelete:
      return "delete";
    case StoreOp::kList:
      return "list";
  }
  return "?";
}
}  // namespace

void FaultInjectingStore::FailRandomly(StoreOp op, double rate, uint64_t seed, Code code) {
  MutexLock lock(mu_);
  rules_[static_cast<int>(op)] = Rule{true, rate, -1, code};
  rng_.seed(seed);
}

void FaultInjectingStore::FailAfter(StoreOp op, int64_t n, Code code) {
  MutexLock lock(mu_);
  rules_[static_cast<int>(op)] = Rule{true, 0, n, code};
}

void FaultInjectingStore::AddLatency(StoreOp op, int64_t latency_us) {
  MutexLock lock(mu_);
  latency_us_[static_cast<int>(op)] = latency_us;
}

void FaultInjectingStore::CorruptReads(double rate, uint64_t seed) {
  MutexLock lock(mu_);
  corrupt_rate_ = rate;
  rng_.seed(seed);
}

void FaultInjectingStore::Heal() {
  MutexLock lock(mu_);
  for (auto& rule : rules_) rule = Rule{};
  for (auto& latency : latency_us_) latency = 0;
  corrupt_rate_ = 0;
}

Status FaultInjectingStore::Check(StoreOp op, std::string_view key) {
  int64_t latency_us;
  {
    MutexLock lock(mu_);
    latency_us = latency_us_[static_cast<int>(op)];
  }
  if (latency_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(latency_us));
  MutexLock lock(mu_);
  Rule& rule = rules_[static_cast<int>(op)];
  if (!rule.active) return Status::OK();
  bool fail;
  if (rule.allowed >= 0) {
    fail = rule.allowed == 0;
    if (!fail) --rule.allowed;
  } else {
    fail = std::uniform_real_distribution<double>(0, 1)(rng_) < rule.rate;
  }
  if (!fail) return Status::OK();
  ++injected_;
  return Status(rule.code, fmt::format("injected fault: {} '{}' in {}", OpName(op), key, url()));
}

Status FaultInjectingStore::Put(std::string_view key, std::span<const uint8_t> data) {
  RETURN_IF_ERROR(Check(StoreOp::kPut, key));
  return inner_.Put(key, data);
}

Result<size_t> FaultInjectingStore::Read(std::string_view key, uint64_t offset,
                                         std::span<uint8_t> out) {
  RETURN_IF_ERROR(Check(StoreOp::kRead, key));
  Result<size_t> n = inner_.Read(key, offset, out);
  if (n.ok() && *n > 0) {
    MutexLock lock(mu_);
    if (corrupt_rate_ > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < corrupt_rate_) {
      out[std::uniform_int_distribution<size_t>(0, *n - 1)(rng_)] ^= 0x5a;
      ++injected_;
    }
  }
  return n;
}

Result<ObjectInfo> FaultInjectingStore::Head(std::string_view key) {
  RETURN_IF_ERROR(Check(StoreOp::kHead, key));
  return inner_.Head(key);
}

Status FaultInjectingStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(Check(StoreOp::kDelete, key));
  return inner_.Delete(key);
}

Status FaultInjectingStore::List(std::string_view prefix,
                                 const std::function<Status(const ObjectInfo&)>& fn) {
  RETURN_IF_ERROR(Check(StoreOp::kList, prefix));
  return inner_.List(prefix, fn);
}

}  // namespace strata::store
