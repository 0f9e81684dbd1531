#include "store/local_dir_store.h"

#include <unistd.h>

#include <atomic>

#include <fmt/core.h>

#include "base/posix.h"
#include "core/clock.h"

namespace strata::store {
namespace {

constexpr std::string_view kTempDir = ".tmp";

class LocalDirStore final : public ObjectStore {
 public:
  LocalDirStore(Env& env, std::string root) : env_(env), root_(std::move(root)) {}

  Status Put(std::string_view key, std::span<const uint8_t> data) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    std::string final_path = PathOf(key);
    std::string temp_path = fmt::format("{}/{}/{}-{}", root_, kTempDir, ::getpid(),
                                        temp_counter_.fetch_add(1, std::memory_order_relaxed));
    Status status = WriteDurably(temp_path, data);
    if (status.ok()) status = RenameIntoPlace(temp_path, final_path);
    if (!status.ok()) (void)env_.RemoveFile(temp_path);
    return status;
  }

  Result<size_t> Read(std::string_view key, uint64_t offset, std::span<uint8_t> out) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    Result<size_t> n = env_.ReadAt(PathOf(key), offset, out);
    if (!n.ok()) return NotFoundOr(key, n.status());
    return n;
  }

  Result<ObjectInfo> Head(std::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    Result<FileStat> st = env_.Stat(PathOf(key));
    if (!st.ok()) return NotFoundOr(key, st.status());
    if (st->is_directory) return Status::NotFound(fmt::format("no object '{}' in {}", key, url()));
    return ObjectInfo{std::string(key), st->size_bytes, st->mtime_ns, {}};
  }

  Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    Status status = env_.RemoveFile(PathOf(key));
    if (status.code() == Code::kNotFound) return Status::OK();
    return status;
  }

  Status List(std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) override {
    // Walk only the deepest directory that contains every key with this prefix.
    std::string start_rel;
    size_t slash = prefix.rfind('/');
    if (slash != std::string_view::npos) start_rel = std::string(prefix.substr(0, slash));
    return Walk(start_rel, prefix, fn);
  }

  Result<size_t> CleanTemporaries(int64_t min_age_ns, bool dry_run) override {
    return CleanLocalDirTemporaries(env_, root_, min_age_ns, dry_run);
  }

  std::string url() const override { return "file://" + root_; }

 private:
  std::string PathOf(std::string_view key) const { return fmt::format("{}/{}", root_, key); }

  Status NotFoundOr(std::string_view key, const Status& status) const {
    if (status.code() == Code::kNotFound || status.code() == Code::kNotDirectory) {
      return Status::NotFound(fmt::format("no object '{}' in {}", key, url()));
    }
    return status;
  }

  Status WriteDurably(const std::string& path, std::span<const uint8_t> data) {
    ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env_.NewWritableFile(path));
    RETURN_IF_ERROR(file->Append(data));
    // The bytes must be on disk before the rename makes them visible under the final name:
    // otherwise a crash could leave a chunk file of the right name and the wrong content.
    RETURN_IF_ERROR(file->Sync());
    return file->Close();
  }

  Status RenameIntoPlace(const std::string& temp_path, const std::string& final_path) {
    std::string dir = DirName(final_path);
    Status status = env_.Rename(temp_path, final_path);
    if (status.code() == Code::kNotFound) {
      // First object under this directory: create it (its entry made durable) and retry.
      RETURN_IF_ERROR(env_.CreateDirs(dir));
      status = env_.Rename(temp_path, final_path);
    }
    RETURN_IF_ERROR(status);
    return env_.SyncDir(dir);
  }

  Status Walk(const std::string& rel_dir, std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) {
    std::string dir_path = rel_dir.empty() ? root_ : PathOf(rel_dir);
    Result<std::vector<std::string>> names = env_.ListDir(dir_path);
    if (!names.ok()) {
      Code code = names.status().code();
      if (code == Code::kNotFound || code == Code::kNotDirectory) return Status::OK();
      return names.status();
    }
    for (const auto& name : *names) {
      if (rel_dir.empty() && name == kTempDir) continue;
      std::string rel = rel_dir.empty() ? name : fmt::format("{}/{}", rel_dir, name);
      Result<FileStat> st = env_.Stat(fmt::format("{}/{}", dir_path, name));
      if (!st.ok()) {
        if (st.status().code() == Code::kNotFound) continue;  // deleted while we listed
        return st.status();
      }
      if (st->is_directory) {
        // Descend only where keys under this directory can still match the prefix.
        std::string as_prefix = rel + "/";
        if (as_prefix.starts_with(prefix) || prefix.starts_with(as_prefix)) {
          RETURN_IF_ERROR(Walk(rel, prefix, fn));
        }
      } else if (std::string_view(rel).starts_with(prefix)) {
        RETURN_IF_ERROR(fn(ObjectInfo{rel, st->size_bytes, st->mtime_ns, {}}));
      }
    }
    return Status::OK();
  }

  Env& env_;
  const std::string root_;
  std::atomic<uint64_t> temp_counter_{0};
};

}  // namespace

Result<size_t> CleanLocalDirTemporaries(Env& env, const std::string& root, int64_t min_age_ns,
                                        bool dry_run) {
  std::string temp_dir = fmt::format("{}/{}", root, kTempDir);
  Result<std::vector<std::string>> names = env.ListDir(temp_dir);
  if (!names.ok()) {
    if (names.status().code() == Code::kNotFound) return size_t{0};
    return names.status();
  }
  int64_t now = NowNanos();
  size_t count = 0;
  for (const auto& name : *names) {
    std::string path = fmt::format("{}/{}", temp_dir, name);
    Result<FileStat> st = env.Stat(path);
    if (!st.ok() || now - st->mtime_ns < min_age_ns) continue;  // maybe a live write
    if (dry_run || env.RemoveFile(path).ok()) ++count;
  }
  return count;
}

Result<size_t> CleanLocalDirTemporaries(const std::string& root, int64_t min_age_ns, bool dry_run) {
  return CleanLocalDirTemporaries(PosixEnv(), root, min_age_ns, dry_run);
}

Result<std::unique_ptr<ObjectStore>> OpenLocalDirStore(Env& env, const std::string& root) {
  if (root.empty() || root.front() != '/') {
    return Status::InvalidArgument(fmt::format("local store path '{}' must be absolute", root));
  }
  std::string normalized = root;
  while (normalized.size() > 1 && normalized.back() == '/') normalized.pop_back();
  RETURN_IF_ERROR(env.CreateDirs(fmt::format("{}/{}", normalized, kTempDir))
                      .WithContext(fmt::format("store directory {}", normalized)));
  ASSIGN_OR_RETURN(size_t removed, CleanLocalDirTemporaries(env, normalized, kStaleTempAgeNanos,
                                                            /*dry_run=*/false));
  (void)removed;
  return std::unique_ptr<ObjectStore>(new LocalDirStore(env, std::move(normalized)));
}

Result<std::unique_ptr<ObjectStore>> OpenLocalDirStore(const std::string& root) {
  return OpenLocalDirStore(PosixEnv(), root);
}

}  // namespace strata::store
