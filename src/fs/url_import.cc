#include "fs/url_import.h"

#include <charconv>

#include <fmt/core.h>

#include "fs/stream_writer.h"

namespace strata::fs {

Result<meta::Attr> ImportUrl(Volume& volume, ThreadPool& pool, store::HttpClient& http,
                             std::string_view url, std::string_view path, TransferStats& stats) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return Status::InvalidArgument("only http:// and https:// URLs can be imported");
  }
  StreamWriter writer(volume, pool);
  ASSIGN_OR_RETURN(store::HttpResponse response,
                   http.GetStream(url, [&](std::span<const uint8_t> bytes) -> Status {
                     RETURN_IF_ERROR(writer.Append(bytes));
                     stats.bytes_done += bytes.size();
                     return Status::OK();
                   }));
  if (response.status < 200 || response.status >= 300) {
    return store::HttpStatusError("GET", url, response);
  }
  if (std::optional<std::string> length = response.Header("content-length")) {
    uint64_t expected = 0;
    auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), expected);
    if (ec == std::errc() && end == length->data() + length->size() && expected != writer.bytes()) {
      return Status::IOError(fmt::format("GET {}: {} bytes announced, {} received",
                                         store::UrlForMessages(url), expected, writer.bytes()));
    }
  }
  ASSIGN_OR_RETURN(meta::Attr attr, writer.Commit(path, 0644, /*make_parents=*/true));
  stats.chunks_uploaded += writer.chunks_uploaded();
  ++stats.files_done;
  return attr;
}

}  // namespace strata::fs
