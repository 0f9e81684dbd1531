#include "cli/remote_put.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include <fmt/core.h>

#include "base/posix.h"
#include "base/round.h"
#include "base/str_cat.h"
#include "client/api_client.h"
#include "core/digest.h"

namespace strata::cli {
namespace {

constexpr uint64_t kMaxParts = 90000;  // the server allows 100,000

using client::ApiClient;

std::string StateFile(const RemotePut& put, const std::string& local, const std::string& path,
                      const struct stat& st) {
  StreamingDigest key = StreamingDigest::Sha256();
  key.Update(fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}", put.url, put.volume, path,
                         std::filesystem::absolute(local).string(), st.st_size, st.st_mtim.tv_sec,
                         st.st_mtim.tv_nsec));
  return fmt::format("{}/uploads/{}", put.home, key.FinalHex().substr(0, 32));
}

// One try at sending `local` through a session: the one recorded in its state file if the server
// still has it, else a new one. NotFound from a part or the completion: the session expired (or
// was aborted) while this try used it; `bytes_sent` says what to take back from the progress.
Status PutFileOnce(const RemotePut& put, ApiClient& api, ThreadPool& pool, const std::string& local,
                   const std::string& path, fs::TransferStats& stats, uint64_t& resumed,
                   std::atomic<uint64_t>& bytes_sent) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(local, O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return PosixError(fmt::format("stat {}", local), errno);
  const auto size = static_cast<uint64_t>(st.st_size);
  const std::string state = StateFile(put, local, path, st);

  // An earlier session for this very file (same path, size and mtime) is resumed if it lives.
  client::UploadSessionInfo session;
  if (std::string id; std::ifstream(state) >> id) {
    Result<client::UploadSessionInfo> known = api.GetUpload(id);
    if (known.ok()) session = *std::move(known);
  }
  if (session.id.empty()) {
    uint64_t wanted = std::max(put.part_bytes, DivRoundUp(size, kMaxParts));
    ASSIGN_OR_RETURN(session, api.CreateUpload(path, wanted));
    std::filesystem::create_directories(put.home + "/uploads");
    std::ofstream(state) << session.id << "\n";
  }
  const uint64_t part_size = session.part_size;
  const uint64_t parts = DivRoundUp(size, part_size);

  // At most parallel_parts parts read into memory at once.
  TaskGroup group(pool, std::max<size_t>(1, put.parallel_parts));
  std::mutex mu;
  for (uint64_t n = 0; n < parts && !group.failed(); ++n) {
    group.Run([&, n]() -> Status {
      uint64_t offset = n * part_size;
      uint64_t length = std::min(part_size, size - offset);
      std::vector<uint8_t> buffer(length);
      ASSIGN_OR_RETURN(size_t got, PreadFull(fd.get(), buffer, offset, local));
      if (got != length) return Status::Aborted(fmt::format("{} shrank during the put", local));
      StreamingDigest digest = StreamingDigest::Sha256();
      digest.Update(buffer);
      std::string sha256 = digest.FinalHex();
      auto known = session.parts.find(n);
      if (known != session.parts.end() && known->second.size == length &&
          known->second.sha256 == sha256) {
        std::lock_guard lock(mu);
        ++resumed;
      } else {
        RETURN_IF_ERROR(api.PutPart(session.id, n, buffer, sha256).WithContext(local));
      }
      stats.bytes_done += length;
      bytes_sent += length;
      return Status::OK();
    });
  }
  RETURN_IF_ERROR(group.Wait());
  struct stat after {};
  if (::fstat(fd.get(), &after) != 0 || after.st_size != st.st_size ||
      after.st_mtim.tv_sec != st.st_mtim.tv_sec || after.st_mtim.tv_nsec != st.st_mtim.tv_nsec) {
    return Status::Aborted(fmt::format("{} changed during the put; put it again", local));
  }
  RETURN_IF_ERROR(api.CompleteUpload(session.id, size, parts));
  std::filesystem::remove(state);
  ++stats.files_done;
  return Status::OK();
}

// A session the server expired while it was in use (a resumed one near its end, or a part slower
// than the TTL) is no reason to fail the put: the file is sent again, once, in a new session.
Status PutFile(const RemotePut& put, ApiClient& api, ThreadPool& pool, const std::string& local,
               const std::string& path, fs::TransferStats& stats, uint64_t& resumed) {
  for (int attempt = 0;; ++attempt) {
    std::atomic<uint64_t> bytes_sent{0};
    uint64_t resumed_before = resumed;
    Status sent = PutFileOnce(put, api, pool, local, path, stats, resumed, bytes_sent);
    if (sent.code() != Code::kNotFound || attempt > 0) return sent;
    stats.bytes_done -= bytes_sent.load();
    resumed = resumed_before;
    struct stat st {};
    if (::stat(local.c_str(), &st) == 0) std::filesystem::remove(StateFile(put, local, path, st));
  }
}

}  // namespace

Status PutToServer(const RemotePut& put, ThreadPool& pool, fs::TransferStats& stats,
                   uint64_t& resumed_parts) {
  if (put.token.empty()) {
    return Status::InvalidArgument("a put to a server needs a token: set STRATA_TOKEN or --token");
  }
  ASSIGN_OR_RETURN(client::ServerPath target, client::ParseServerPath(put.url));
  ApiClient api(target.base, put.volume, put.token);
  std::error_code error;
  auto status = std::filesystem::status(put.local, error);
  if (error) return PosixError(fmt::format("stat {}", put.local), error.value());
  if (std::filesystem::is_regular_file(status)) {
    stats.total_bytes = std::filesystem::file_size(put.local);
    return PutFile(put, api, pool, put.local, target.path, stats, resumed_parts);
  }
  if (!std::filesystem::is_directory(status)) {
    return Status::InvalidArgument(fmt::format("{} is not a file or a directory", put.local));
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(put.local)) {
    if (entry.is_regular_file()) {
      files.push_back(entry.path());
      stats.total_bytes += entry.file_size();
    }
  }
  std::string root =
      target.path.back() == '/' ? target.path.substr(0, target.path.size() - 1) : target.path;
  for (const auto& file : files) {
    std::string rel = std::filesystem::relative(file, put.local).string();
    RETURN_IF_ERROR(
        PutFile(put, api, pool, file.string(), StrCat(root, "/", rel), stats, resumed_parts));
  }
  return Status::OK();
}

}  // namespace strata::cli
