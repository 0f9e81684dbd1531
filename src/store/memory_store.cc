#include "store/memory_store.h"

#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "base/mutex.h"
#include "core/clock.h"

namespace strata::store {
namespace {

class MemoryStore final : public ObjectStore {
 public:
  Status Put(std::string_view key, std::span<const uint8_t> data) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    MutexLock lock(mu_);
    objects_[std::string(key)] = Object{std::vector<uint8_t>(data.begin(), data.end()), NowNanos()};
    return Status::OK();
  }

  Result<size_t> Read(std::string_view key, uint64_t offset, std::span<uint8_t> out) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    MutexLock lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end())
      return Status::NotFound(fmt::format("no object '{}' in memory://", key));
    const auto& data = it->second.data;
    if (offset > data.size()) {
      return Status::InvalidArgument(fmt::format(
          "read of object '{}' at offset {} is past its end ({} bytes)", key, offset, data.size()));
    }
    size_t n = std::min<uint64_t>(out.size(), data.size() - offset);
    std::copy_n(data.begin() + static_cast<ptrdiff_t>(offset), n, out.begin());
    return n;
  }

  Result<ObjectInfo> Head(std::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    MutexLock lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end())
      return Status::NotFound(fmt::format("no object '{}' in memory://", key));
    return ObjectInfo{it->first, it->second.data.size(), it->second.mtime_ns, {}};
  }

  Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    MutexLock lock(mu_);
    objects_.erase(std::string(key));
    return Status::OK();
  }

  Status List(std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) override {
    std::vector<ObjectInfo> matches;
    {
      MutexLock lock(mu_);
      for (auto it = objects_.lower_bound(std::string(prefix));
           it != objects_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
        matches.push_back(ObjectInfo{it->first, it->second.data.size(), it->second.mtime_ns, {}});
      }
    }
    // Call back without the lock so that `fn` may use the store.
    for (const auto& info : matches) RETURN_IF_ERROR(fn(info));
    return Status::OK();
  }

  Result<size_t> CleanTemporaries(int64_t, bool) override { return size_t{0}; }  // Put is atomic

  std::string url() const override { return "memory://"; }

 private:
  struct Object {
    std::vector<uint8_t> data;
    int64_t mtime_ns;
  };
  Mutex mu_;
  std::map<std::string, Object> objects_ GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<ObjectStore> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace strata::store
