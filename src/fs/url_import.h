// ImportUrl: a file at an http(s) URL streamed into a volume, chunked as it arrives.
//
// Redirects are followed; a non-2xx answer, a cut transfer or a failed store leaves nothing in
// the volume (the file is published only after the last byte arrived). Memory is bounded by
// fs::StreamWriter, whatever the file's size.
#pragma once

#include <string_view>

#include "core/thread_pool.h"
#include "fs/transfer_stats.h"
#include "fs/volume.h"
#include "store/http_client.h"

namespace strata::fs {

// Missing parent directories of `path` are made once the download is complete.
Result<meta::Attr> ImportUrl(Volume& volume, ThreadPool& pool, store::HttpClient& http,
                             std::string_view url, std::string_view path, TransferStats& stats);

}  // namespace strata::fs
