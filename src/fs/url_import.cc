#include "fs/url_import.h"

#include <optional>

#include <fmt/core.h>

#include "base/parse_integer.h"
#include "fs/stream_writer.h"

namespace strata::fs {

Result<meta::Attr> ImportUrl(Volume& volume, ThreadPool& pool, net::HttpClient& http,
                             std::string_view url, std::string_view path, TransferStats& stats,
                             uint64_t max_bytes) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return Status::InvalidArgument("only http:// and https:// URLs can be imported");
  }
  StreamWriter writer(volume, pool);
  ASSIGN_OR_RETURN(net::HttpResponse response,
                   http.GetStream(url, [&](std::span<const uint8_t> bytes) -> Status {
                     if (bytes.size() > max_bytes - writer.bytes()) {
                       return Status::InvalidArgument(
                           fmt::format("GET {}: the file is larger than the {} bytes allowed",
                                       net::UrlForMessages(url), max_bytes));
                     }
                     RETURN_IF_ERROR(writer.Append(bytes));
                     stats.bytes_done += bytes.size();
                     return Status::OK();
                   }));
  if (response.status < 200 || response.status >= 300) {
    return net::HttpStatusError("GET", url, response);
  }
  if (std::optional<std::string> length = response.Header("content-length")) {
    std::optional<uint64_t> expected = ParseInteger<uint64_t>(*length);
    if (expected && *expected != writer.bytes()) {
      return Status::IOError(fmt::format("GET {}: {} bytes announced, {} received",
                                         net::UrlForMessages(url), *expected, writer.bytes()));
    }
  }
  ASSIGN_OR_RETURN(meta::Attr attr, writer.Commit(path, 0644, /*make_parents=*/true));
  stats.chunks_uploaded += writer.chunks_uploaded();
  ++stats.files_done;
  return attr;
}

}  // namespace strata::fs
