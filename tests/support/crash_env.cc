#include "support/crash_env.h"

#include <algorithm>
#include <random>

#include <fmt/core.h>

#include "base/posix.h"
#include "core/clock.h"

namespace strata::testing {

class CrashEnv::File final : public WritableFile {
 public:
  File(CrashEnv& env, std::shared_ptr<Inode> inode) : env_(env), inode_(std::move(inode)) {}
  Status Append(std::span<const uint8_t> data) override {
    std::lock_guard lock(env_.mu_);
    RETURN_IF_ERROR(env_.Mutate());
    inode_->live.insert(inode_->live.end(), data.begin(), data.end());
    inode_->mtime_ns = NowNanos();
    return Status::OK();
  }
  Status Sync() override {
    std::lock_guard lock(env_.mu_);
    RETURN_IF_ERROR(env_.Mutate());
    inode_->durable = inode_->live;
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }

 private:
  CrashEnv& env_;
  std::shared_ptr<Inode> inode_;
};

CrashEnv::CrashEnv() {
  live_dirs_.insert("/");
  durable_dirs_.insert("/");
}

void CrashEnv::CrashAfter(int64_t n) {
  std::lock_guard lock(mu_);
  crash_after_ = mutations_ + n;
}

int64_t CrashEnv::mutations() const {
  std::lock_guard lock(mu_);
  return mutations_;
}

void CrashEnv::Crash(uint64_t seed) {
  std::lock_guard lock(mu_);
  if (seed != 0) {
    std::mt19937_64 rng(seed);
    for (const auto& [path, inode] : live_files_) {
      auto it = durable_files_.find(path);
      bool changed = it == durable_files_.end() || it->second != inode;
      if (changed && rng() % 2 == 0) durable_files_[path] = inode;
    }
  }
  live_files_ = durable_files_;
  for (auto& [path, inode] : live_files_) inode->live = inode->durable;
  live_dirs_ = durable_dirs_;
  // A directory whose own entry was not durable is gone, and everything under it (a real file
  // system would leave its contents in lost+found, which is gone as far as paths go).
  for (auto it = live_dirs_.begin(); it != live_dirs_.end();) {  // parents sort before children
    if (*it != "/" && !live_dirs_.count(DirName(*it))) {
      it = live_dirs_.erase(it);
    } else {
      ++it;
    }
  }
  std::erase_if(live_files_, [&](const auto& e) { return !live_dirs_.count(DirName(e.first)); });
  crash_after_ = -1;
}

void CrashEnv::SetMtime(const std::string& path, int64_t mtime_ns) {
  std::lock_guard lock(mu_);
  auto it = live_files_.find(path);
  if (it != live_files_.end()) it->second->mtime_ns = mtime_ns;
}

Status CrashEnv::Mutate() {
  if (crash_after_ >= 0 && mutations_ >= crash_after_) {
    return Status::IOError("simulated crash: the disk is gone");
  }
  ++mutations_;
  return Status::OK();
}

Result<std::unique_ptr<WritableFile>> CrashEnv::NewWritableFile(const std::string& path) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(Mutate());
  if (!DirExists(DirName(path))) return Status::NotFound(fmt::format("no directory for {}", path));
  if (live_files_.count(path) || DirExists(path)) {
    return Status::AlreadyExists(fmt::format("{} exists", path));
  }
  auto inode = std::make_shared<Inode>();
  inode->mtime_ns = NowNanos();
  live_files_[path] = inode;
  return std::unique_ptr<WritableFile>(new File(*this, inode));
}

Result<size_t> CrashEnv::ReadAt(const std::string& path, uint64_t offset, std::span<uint8_t> out) {
  std::lock_guard lock(mu_);
  auto it = live_files_.find(path);
  if (it == live_files_.end()) return Status::NotFound(fmt::format("no file {}", path));
  const auto& data = it->second->live;
  if (offset > data.size()) return Status::InvalidArgument("read past the end");
  size_t n = std::min<uint64_t>(out.size(), data.size() - offset);
  std::copy_n(data.begin() + static_cast<ptrdiff_t>(offset), n, out.begin());
  return n;
}

Result<FileStat> CrashEnv::Stat(const std::string& path) {
  std::lock_guard lock(mu_);
  if (DirExists(path)) return FileStat{0, 0, true};
  auto it = live_files_.find(path);
  if (it == live_files_.end()) return Status::NotFound(fmt::format("no file {}", path));
  return FileStat{it->second->live.size(), it->second->mtime_ns, false};
}

Status CrashEnv::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(Mutate());
  auto it = live_files_.find(from);
  if (it == live_files_.end()) return Status::NotFound(fmt::format("no file {}", from));
  if (!DirExists(DirName(to))) return Status::NotFound(fmt::format("no directory for {}", to));
  auto inode = it->second;
  live_files_.erase(it);
  live_files_[to] = inode;
  return Status::OK();
}

Status CrashEnv::RemoveFile(const std::string& path) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(Mutate());
  if (live_files_.erase(path) == 0) return Status::NotFound(fmt::format("no file {}", path));
  return Status::OK();
}

Status CrashEnv::CreateDir(const std::string& path) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(Mutate());
  if (DirExists(path)) return Status::OK();
  if (!DirExists(DirName(path))) return Status::NotFound(fmt::format("no parent for {}", path));
  live_dirs_.insert(path);
  return Status::OK();
}

Status CrashEnv::SyncDir(const std::string& path) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(Mutate());
  if (!DirExists(path)) return Status::NotFound(fmt::format("no directory {}", path));
  // The directory's entries, as they are now, become what a crash keeps.
  auto in_dir = [&](const std::string& p) { return p != "/" && DirName(p) == path; };
  std::erase_if(durable_files_, [&](const auto& e) { return in_dir(e.first); });
  std::erase_if(durable_dirs_, [&](const auto& d) { return in_dir(d); });
  for (const auto& [p, inode] : live_files_) {
    if (in_dir(p)) durable_files_[p] = inode;
  }
  for (const auto& d : live_dirs_) {
    if (in_dir(d)) durable_dirs_.insert(d);
  }
  return Status::OK();
}

Result<std::vector<std::string>> CrashEnv::ListDir(const std::string& path) {
  std::lock_guard lock(mu_);
  if (!DirExists(path)) return Status::NotFound(fmt::format("no directory {}", path));
  std::vector<std::string> names;
  auto add = [&](const std::string& p) {
    if (p != "/" && DirName(p) == path) names.push_back(p.substr(p.rfind('/') + 1));
  };
  for (const auto& [p, inode] : live_files_) add(p);
  for (const auto& d : live_dirs_) add(d);
  return names;
}

}  // namespace strata::testing
