// The request side of HTTP/1.1 as Strata's servers read it from untrusted clients: the request
// head parsed within fixed bounds, query strings, Range headers and chunked bodies. Pure
// functions over bytes (no sockets), so that each bound is tested and fuzzed on its own
// (tests/fuzz/http_request_fuzz.cc).
//
// Bounds: the head (request line and headers) is at most `max_head_bytes`, each line at most
// `max_line_bytes`, at most `max_headers` headers; a head that has not ended within them is refused
// (431, or 414 for a long request line) as soon as the bound is crossed, so a client sending an
// endless line costs at most `max_head_bytes` of memory. Framing that could be read two ways
// (Content-Length with Transfer-Encoding, two different lengths, a transfer coding other than
// chunked, obs-fold) is refused: a proxy in front must not see another request than we do.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::net {

struct HttpLimits {
  size_t max_head_bytes = size_t{64} * 1024;
  size_t max_line_bytes = size_t{8} * 1024;
  size_t max_headers = 100;
};

struct RequestHead {
  std::string method;
  std::string target;                                        // as sent: "/v1/x?y=1"
  std::string path;                                          // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  int minor_version = 1;                                     // HTTP/1.x
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case, in order

  // How the body is framed. A request with neither has no body (RFC 9112 6.3).
  std::optional<uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;  // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only if asked
  bool expect_continue = false;

  // The first header of that (lower-case) name, or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  std::optional<std::string_view> Param(std::string_view name) const;
};

// The outcome of parsing bytes received so far.
struct HeadParse {
  enum class State { kNeedMore, kDone, kRefused };
  State state = State::kNeedMore;
  size_t head_bytes = 0;  // kDone: bytes of the head, the blank line included
  int http_status = 0;    // kRefused: the status to answer (400, 414, 431, 501, 505)
  std::string reason;     // kRefused: why, for the error body
};

// Parses the head at the start of `received`. kNeedMore while it may still end within the
// bounds; `out` is filled on kDone.
HeadParse ParseRequestHead(std::string_view received, const HttpLimits& limits, RequestHead& out);

// "%41b+c" → "Ab c" in a query (`plus_is_space`), "Ab+c" in a path. False on a bad escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string& out);

// A byte range of a Range header: first..last inclusive; first == -1 is a suffix ("-N": the
// last N bytes, in `last`); last == -1 runs to the end.
struct ByteRange {
  int64_t first = -1;
  int64_t last = -1;
};
// The ranges of a "bytes=" Range header; empty if it is absent, malformed or of another unit
// (which a server then ignores, answering the whole body: RFC 9110 14.2). At most 16 ranges.
std::vector<ByteRange> ParseRangeHeader(std::string_view value);
// `range` within a body of `size` bytes as [offset, offset + length); nullopt if unsatisfiable.
// An end past the body is clamped to it.
std::optional<std::pair<uint64_t, uint64_t>> ResolveRange(const ByteRange& range, uint64_t size);

// Decodes a chunked body as its bytes arrive, within bounds: chunk-size lines of at most 1 KiB,
// trailers of at most 8 KiB in all. Feed() consumes bytes and hands the data on.
class ChunkedDecoder {
 public:
  enum class State { kSize, kData, kDataCr, kDataLf, kTrailer, kDone, kError };

  // Consumes a prefix of `in`: data bytes go to `data` (which may be called several times);
  // returns the bytes consumed. Stops at the end of the body (done()) or on an error.
  template <typename DataFn>
  size_t Feed(std::string_view in, DataFn&& data) {
    size_t i = 0;
    while (i < in.size() && state_ != State::kDone && state_ != State::kError) {
      if (state_ == State::kData) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(left_, in.size() - i));
        data(in.substr(i, n));
        i += n;
        left_ -= n;
        if (left_ == 0) state_ = State::kDataCr;
        continue;
      }
      Step(in[i++]);
    }
    return i;
  }
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kError; }

 private:
  void Step(char c);

  State state_ = State::kSize;
  uint64_t left_ = 0;  // data bytes left in this chunk
  std::string line_;   // the chunk-size line so far, or the trailer line
  size_t trailer_bytes_ = 0;
};

}  // namespace strata::net
