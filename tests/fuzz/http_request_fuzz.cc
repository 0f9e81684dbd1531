// libFuzzer target: any bytes, taken as what a client sent to a Strata server (strata serve and
// the cache node share this parser), parse as a head within the bounds or are refused; the Range
// header, a chunked body and a JSON body that follow are decoded within theirs. Never a crash, a
// hang, a read past the input or an answer outside the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "load/json.h"
#include "net/http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  strata::net::HttpLimits limits;
  limits.max_head_bytes = 4096;  // small bounds, so that the fuzzer reaches them
  limits.max_line_bytes = 512;
  limits.max_headers = 16;
  strata::net::RequestHead head;
  strata::net::HeadParse parsed = strata::net::ParseRequestHead(input, limits, head);
  using State = strata::net::HeadParse::State;
  if (parsed.state == State::kRefused) {
    if (parsed.http_status < 400 || parsed.http_status > 599) std::abort();
    return 0;
  }
  if (parsed.state == State::kNeedMore) {
    if (size > limits.max_head_bytes + 1) std::abort();  // past the bound it must have decided
    return 0;
  }
  if (parsed.head_bytes == 0 || parsed.head_bytes > size ||
      parsed.head_bytes > limits.max_head_bytes || head.headers.size() > limits.max_headers) {
    std::abort();
  }
  if (head.chunked && head.content_length) std::abort();

  uint64_t body_size = head.content_length.value_or(size);
  if (std::optional<std::string_view> range = head.Header("range")) {
    for (const strata::net::ByteRange& r : strata::net::ParseRangeHeader(*range)) {
      if (auto resolved = strata::net::ResolveRange(r, body_size)) {
        if (resolved->second == 0 || resolved->first + resolved->second > body_size) std::abort();
      }
    }
  }
  std::string body(input.substr(parsed.head_bytes));
  if (head.chunked) {
    strata::net::ChunkedDecoder decoder;
    std::string decoded;
    size_t used = decoder.Feed(body, [&](std::string_view d) { decoded += d; });
    if (used > body.size() || decoded.size() > used) std::abort();
    body = decoded;
  }
  // The API's JSON bodies: the server's bounds (64 KiB, nesting 16).
  if (body.size() <= 64 * 1024) {
    strata::Result<strata::load::JsonValue> json = strata::load::ParseJson(body, 16, 4096);
    if (json.ok()) (void)strata::load::JsonQuote(json->is_string() ? json->str() : body);
  }
  return 0;
}
