// ImportUrl: a file at an http(s) URL streamed into a volume, chunked as it arrives.
//
// Redirects are followed; a non-2xx answer, a cut transfer or a failed store leaves nothing in
// the volume (the file is published only after the last byte arrived). Memory is bounded by
// fs::StreamWriter, whatever the file's size.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/thread_pool.h"
#include "fs/transfer_stats.h"
#include "fs/volume.h"
#include "net/http_client.h"

namespace strata::fs {

// Missing parent directories of `path` are made once the download is complete. A body longer
// than `max_bytes` stops the transfer (InvalidArgument) and publishes nothing.
Result<meta::Attr> ImportUrl(Volume& volume, ThreadPool& pool, net::HttpClient& http,
                             std::string_view url, std::string_view path, TransferStats& stats,
                             uint64_t max_bytes = UINT64_MAX);

}  // namespace strata::fs
