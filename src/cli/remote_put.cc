#include "cli/remote_put.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <vector>

#include <fmt/core.h>

#include "core/digest.h"
#include "core/posix.h"
#include "core/round.h"
#include "core/str_cat.h"
#include "load/json.h"
#include "load/json_writer.h"
#include "net/http_client.h"

namespace strata::cli {
namespace {

constexpr uint64_t kMaxParts = 90000;  // the server allows 100,000

struct Target {
  std::string base;  // scheme://host:port
  std::string path;  // in the volume
};

Result<Target> ParseTarget(const std::string& url) {
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme + 3);
  if (scheme == std::string::npos || slash == std::string::npos || slash + 1 == url.size()) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not http(s)://SERVER/PATH (the file's path in the volume)", url));
  }
  return Target{url.substr(0, slash), url.substr(slash)};
}

class ApiClient {
 public:
  ApiClient(std::string base, std::string volume, const std::string& token)
      : base_(std::move(base)), volume_(std::move(volume)), http_([&] {
          net::HttpClientOptions http;
          http.headers = {"Authorization: Bearer " + token};
          http.headers_origin = net::UrlOrigin(base_);  // never to a host it redirects to
          return http;
        }()) {}

  std::string Url(std::string_view rest) const {
    return fmt::format("{}/v1/volumes/{}{}", base_, volume_, rest);
  }

  // A JSON answer with status `want`, else the server's error as a Status.
  Result<load::JsonValue> Call(std::string_view method, std::string_view rest,
                               std::string_view body, long want) {
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(body.data()), body.size());
    std::string url = Url(rest);
    Result<net::HttpResponse> got =
        method == "GET" ? http_.Get(url, 64 << 20) : http_.Send(method, url, bytes, 64 << 20);
    RETURN_IF_ERROR(got.status());
    if (got->status != want) return ServerError(*got, method, url);
    return load::ParseJson(got->body, 32);
  }

  Result<load::JsonValue> PutPart(std::string_view id, uint64_t number,
                                  std::span<const uint8_t> bytes, const std::string& sha256) {
    std::string url = Url(fmt::format("/uploads/{}/parts/{}", id, number));
    ASSIGN_OR_RETURN(net::HttpResponse got,
                     http_.Send("PUT", url, bytes, 1 << 20, {"X-Strata-Sha256: " + sha256}));
    if (got.status != 200) return ServerError(got, "PUT", url);
    return load::ParseJson(got.body, 8);
  }

 private:
  static Status ServerError(const net::HttpResponse& got, std::string_view method,
                            const std::string& url) {
    std::string message = got.body;
    if (Result<load::JsonValue> json = load::ParseJson(got.body); json.ok()) {
      if (const load::JsonValue* error = json->Find("error")) {
        if (const load::JsonValue* m = error->Find("message"); m && m->is_string()) {
          message = m->str();
        }
      }
    }
    Status status = net::HttpStatusError(method, url, got);
    return Status(status.code(), fmt::format("{} {}: HTTP {}: {}", method, net::UrlForMessages(url),
                                             got.status, message));
  }

  std::string base_, volume_;
  net::HttpClient http_;
};

int64_t Integer(const load::JsonValue& json, std::string_view name) {
  const load::JsonValue* v = json.Find(name);
  return v && v->is_integer() ? v->integer() : -1;
}

std::string StringOf(const load::JsonValue& json, std::string_view name) {
  const load::JsonValue* v = json.Find(name);
  return v && v->is_string() ? v->str() : "";
}

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
  std::string id;
  uint64_t part_size = 0;
  std::map<uint64_t, std::pair<uint64_t, std::string>> have;  // number → size, sha256
  if (std::ifstream in(state); in >> id) {
    Result<load::JsonValue> session = api.Call("GET", "/uploads/" + id, "", 200);
    if (session.ok()) {
      part_size = static_cast<uint64_t>(Integer(*session, "part_size"));
      if (const load::JsonValue* parts = session->Find("parts"); parts && parts->is_array()) {
        for (const load::JsonValue& p : parts->items()) {
          have[static_cast<uint64_t>(Integer(p, "number"))] = {
              static_cast<uint64_t>(Integer(p, "size")), StringOf(p, "sha256")};
        }
      }
    } else {
      id.clear();
    }
  }
  if (id.empty()) {
    uint64_t wanted = std::max(put.part_bytes, DivRoundUp(size, kMaxParts));
    ASSIGN_OR_RETURN(load::JsonValue session, api.Call("POST", "/uploads",
                                                       load::JsonWriter()
                                                           .BeginObject()
                                                           .Field("path", path)
                                                           .Field("part_size", wanted)
                                                           .EndObject()
                                                           .Take(),
                                                       201));
    id = StringOf(session, "id");
    part_size = static_cast<uint64_t>(Integer(session, "part_size"));
    std::filesystem::create_directories(put.home + "/uploads");
    std::ofstream(state) << id << "\n";
  }
  if (part_size == 0 || id.empty())
    return Status::IOError("the server's upload session is malformed");
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
      auto known = have.find(n);
      if (known != have.end() && known->second.first == length && known->second.second == sha256) {
        std::lock_guard lock(mu);
        ++resumed;
      } else {
        ASSIGN_OR_RETURN(load::JsonValue answer, api.PutPart(id, n, buffer, sha256));
        if (StringOf(answer, "sha256") != sha256) {
          return Status::Corruption(fmt::format("part {} of {} arrived damaged", n, local));
        }
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
  std::string complete =
      load::JsonWriter().BeginObject().Field("size", size).Field("parts", parts).EndObject().Take();
  RETURN_IF_ERROR(api.Call("POST", "/uploads/" + id + "/complete", complete, 201).status());
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
  ASSIGN_OR_RETURN(Target target, ParseTarget(put.url));
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
