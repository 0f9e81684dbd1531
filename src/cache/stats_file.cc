#include "cache/stats_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include <fmt/core.h>

#include "base/posix.h"

namespace strata::cache {
namespace {

std::vector<TierStats> Parse(const std::string& text) {
  std::vector<TierStats> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    TierStats s;
    if (fields >> s.tier >> s.hits >> s.misses >> s.hit_bytes >> s.fetched_bytes >>
        s.dropped_corrupt >> s.errors) {
      out.push_back(s);
    }
  }
  return out;
}

Result<std::string> ReadWhole(int fd, const std::string& path) {
  std::string text;
  char buf[4096];
  off_t offset = 0;
  while (true) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0) return PosixError(fmt::format("read {}", path), errno);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    offset += n;
  }
  return text;
}

}  // namespace

Status MergeStatsFile(const std::string& path, const std::vector<TierStats>& stats) {
  // O_NOFOLLOW: in a cache directory other users may write, a planted symlink must not make us
  // truncate the file it points to (review M10).
  ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (::flock(fd.get(), LOCK_EX) != 0) return PosixError(fmt::format("lock {}", path), errno);
  ASSIGN_OR_RETURN(std::string text, ReadWhole(fd.get(), path));
  std::vector<TierStats> totals = Parse(text);
  for (const TierStats& s : stats) {
    auto it = std::find_if(totals.begin(), totals.end(),
                           [&](const TierStats& t) { return t.tier == s.tier; });
    if (it == totals.end()) it = totals.insert(totals.end(), TierStats{.tier = s.tier});
    it->hits += s.hits;
    it->misses += s.misses;
    it->hit_bytes += s.hit_bytes;
    it->fetched_bytes += s.fetched_bytes;
    it->dropped_corrupt += s.dropped_corrupt;
    it->errors += s.errors;
  }
  std::string out;
  for (const TierStats& t : totals) {
    out += fmt::format("{} {} {} {} {} {} {}\n", t.tier, t.hits, t.misses, t.hit_bytes,
                       t.fetched_bytes, t.dropped_corrupt, t.errors);
  }
  if (::ftruncate(fd.get(), 0) != 0) return PosixError(fmt::format("truncate {}", path), errno);
  return PwriteAll(fd.get(), {reinterpret_cast<const uint8_t*>(out.data()), out.size()}, 0, path);
}

Result<std::vector<TierStats>> LoadStatsFile(const std::string& path) {
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) {
    if (errno == ENOENT) return std::vector<TierStats>{};
    return PosixError(fmt::format("open {}", path), errno);
  }
  UniqueFd fd(raw);
  if (::flock(fd.get(), LOCK_SH) != 0) return PosixError(fmt::format("lock {}", path), errno);
  ASSIGN_OR_RETURN(std::string text, ReadWhole(fd.get(), path));
  return Parse(text);
}

Status ClearStatsFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return PosixError(fmt::format("remove {}", path), errno);
  }
  return Status::OK();
}

}  // namespace strata::cache
