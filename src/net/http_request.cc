#include "net/http_request.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "base/ascii.h"
#include "base/hex.h"
#include "base/parse_integer.h"

namespace strata::net {
namespace {

constexpr size_t kMaxMethodBytes = 32;
constexpr size_t kMaxChunkSizeLine = 1024;
constexpr size_t kMaxTrailerBytes = size_t{8} * 1024;
constexpr size_t kMaxRanges = 16;
constexpr uint64_t kMaxContentLength = uint64_t{1} << 62;

bool IsTokenChar(unsigned char c) {
  // RFC 9110 5.6.2: tchar
  return std::isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

HeadParse Refuse(int status, std::string reason) {
  HeadParse p;
  p.state = HeadParse::State::kRefused;
  p.http_status = status;
  p.reason = std::move(reason);
  return p;
}

bool ParseDecimal(std::string_view s, uint64_t& out) {
  std::optional<uint64_t> value = s.size() > 19 ? std::nullopt : ParseInteger<uint64_t>(s);
  if (value) out = *value;
  return value.has_value();
}

// Splits a comma-separated header value into its trimmed, non-empty elements.
std::vector<std::string_view> ListElements(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = TrimOws(value.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

HeadParse ParseLines(std::string_view head, RequestHead& out) {
  out = RequestHead();
  std::vector<std::string_view> lines;
  while (!head.empty()) {
    size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() || !lines.empty()) lines.push_back(line);  // leading blank lines skipped
    head.remove_prefix(nl == std::string_view::npos ? head.size() : nl + 1);
  }
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return Refuse(400, "no request line");

  // The request line: METHOD SP request-target SP HTTP-version
  std::string_view line = lines[0];
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Refuse(400, "the request line is not METHOD TARGET VERSION");
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (method.empty() || method.size() > kMaxMethodBytes ||
      !std::all_of(method.begin(), method.end(),
                   [](char c) { return IsTokenChar(static_cast<unsigned char>(c)); })) {
    return Refuse(400, "a bad method");
  }
  if (version == "HTTP/1.1") {
    out.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    out.minor_version = 0;
  } else if (version.starts_with("HTTP/")) {
    return Refuse(505, "only HTTP/1.0 and HTTP/1.1 are served");
  } else {
    return Refuse(400, "a bad HTTP version");
  }
  if (target.empty() || target.front() != '/') {
    return Refuse(400, "the request target must be a path (origin form)");
  }
  for (char c : target) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return Refuse(400, "a control character in the request target");
  }
  out.method = std::string(method);
  out.target = std::string(target);
  std::string_view raw_path = target.substr(0, target.find_first_of("?#"));
  if (!PercentDecode(raw_path, false, out.path)) return Refuse(400, "a bad %-escape in the path");
  if (size_t q = target.find('?'); q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view item = query.substr(0, amp);
      query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
      if (item.empty()) continue;
      size_t eq = item.find('=');
      std::string key, value;
      if (!PercentDecode(item.substr(0, eq), true, key) ||
          (eq != std::string_view::npos && !PercentDecode(item.substr(eq + 1), true, value))) {
        return Refuse(400, "a bad %-escape in the query");
      }
      out.query.emplace_back(std::move(key), std::move(value));
    }
  }

  // Header fields: name ":" OWS value OWS
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view field = lines[i];
    if (field.front() == ' ' || field.front() == '\t') {
      return Refuse(400, "obsolete line folding in a header");
    }
    size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return Refuse(400, "a header without a name");
    std::string_view name = field.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(),
                     [](char c) { return IsTokenChar(static_cast<unsigned char>(c)); })) {
      return Refuse(400, "a bad header name");
    }
    std::string_view value = TrimOws(field.substr(colon + 1));
    for (char c : value) {
      auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && u != '\t') || u == 0x7f) {
        return Refuse(400, "a control character in a header value");
      }
    }
    out.headers.emplace_back(AsciiLower(name), std::string(value));
  }

  // Framing, read one way only.
  bool connection_close = false, connection_keep_alive = false;
  for (const auto& [name, value] : out.headers) {
    if (name == "content-length") {
      uint64_t length = 0;
      if (!ParseDecimal(value, length) || length > kMaxContentLength) {
        return Refuse(400, "a bad Content-Length");
      }
      if (out.content_length && *out.content_length != length) {
        return Refuse(400, "two different Content-Lengths");
      }
      out.content_length = length;
    } else if (name == "transfer-encoding") {
      std::vector<std::string_view> codings = ListElements(value);
      if (codings.size() != 1 || !EqualsIgnoreAsciiCase(codings[0], "chunked") || out.chunked) {
        return Refuse(501, "only the chunked transfer coding is accepted");
      }
      out.chunked = true;
    } else if (name == "connection") {
      for (std::string_view option : ListElements(value)) {
        connection_close = connection_close || EqualsIgnoreAsciiCase(option, "close");
        connection_keep_alive =
            connection_keep_alive || EqualsIgnoreAsciiCase(option, "keep-alive");
      }
    } else if (name == "expect") {
      if (!EqualsIgnoreAsciiCase(value, "100-continue"))
        return Refuse(417, "an unknown expectation");
      out.expect_continue = true;
    }
  }
  if (out.chunked && out.content_length) {
    return Refuse(400, "both Content-Length and Transfer-Encoding");
  }
  if (out.chunked && out.minor_version == 0) return Refuse(400, "a chunked HTTP/1.0 request");
  out.keep_alive = out.minor_version == 1 ? !connection_close : connection_keep_alive;
  HeadParse done;
  done.state = HeadParse::State::kDone;
  return done;
}

}  // namespace

std::optional<std::string_view> RequestHead::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> RequestHead::Param(std::string_view name) const {
  for (const auto& [n, v] : query) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

HeadParse ParseRequestHead(std::string_view received, const HttpLimits& limits, RequestHead& out) {
  size_t pos = 0;
  size_t lines = 0;
  for (;;) {
    size_t nl = received.find('\n', pos);
    size_t end = nl == std::string_view::npos ? received.size() : nl;
    size_t length = end - pos;
    if (length > 0 && nl != std::string_view::npos && received[end - 1] == '\r') --length;
    if (length > limits.max_line_bytes) {
      return lines == 0 ? Refuse(414, "the request line is too long")
                        : Refuse(431, "a header line is too long");
    }
    if (nl == std::string_view::npos) {
      if (received.size() > limits.max_head_bytes) return Refuse(431, "the head is too long");
      return HeadParse();  // kNeedMore
    }
    pos = nl + 1;
    if (pos > limits.max_head_bytes) return Refuse(431, "the head is too long");
    if (length == 0) {
      if (lines == 0) continue;  // a blank line before the request line is ignored
      HeadParse parsed = ParseLines(received.substr(0, pos), out);
      if (parsed.state == HeadParse::State::kDone) parsed.head_bytes = pos;
      return parsed;
    }
    if (++lines > limits.max_headers + 1) return Refuse(431, "too many headers");
  }
}

bool PercentDecode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexDigitValue(in[i + 1]), lo = HexDigitValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

std::vector<ByteRange> ParseRangeHeader(std::string_view value) {
  value = TrimOws(value);
  if (value.size() < 6 || !EqualsIgnoreAsciiCase(value.substr(0, 6), "bytes=")) return {};
  std::vector<ByteRange> out;
  for (std::string_view spec : ListElements(value.substr(6))) {
    if (out.size() == kMaxRanges) return {};
    size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return {};
    std::string_view a = TrimOws(spec.substr(0, dash)), b = TrimOws(spec.substr(dash + 1));
    uint64_t first = 0, last = 0;
    ByteRange r;
    if (a.empty()) {
      if (!ParseDecimal(b, last) || last > INT64_MAX) return {};
      r.last = static_cast<int64_t>(last);
    } else {
      if (!ParseDecimal(a, first) || first > INT64_MAX) return {};
      r.first = static_cast<int64_t>(first);
      if (!b.empty()) {
        if (!ParseDecimal(b, last) || last > INT64_MAX || last < first) return {};
        r.last = static_cast<int64_t>(last);
      }
    }
    out.push_back(r);
  }
  return out;
}

std::optional<std::pair<uint64_t, uint64_t>> ResolveRange(const ByteRange& range, uint64_t size) {
  if (range.first < 0) {
    if (range.last <= 0 || size == 0) return std::nullopt;
    uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(range.last), size);
    return std::make_pair(size - n, n);
  }
  auto first = static_cast<uint64_t>(range.first);
  if (first >= size) return std::nullopt;
  uint64_t end =
      range.last < 0 ? size - 1 : std::min<uint64_t>(static_cast<uint64_t>(range.last), size - 1);
  return std::make_pair(first, end - first + 1);
}

void ChunkedDecoder::Step(char c) {
  switch (state_) {
    case State::kSize: {
      if (c != '\n') {
        line_.push_back(c);
        if (line_.size() > kMaxChunkSizeLine) state_ = State::kError;
        return;
      }
      std::string_view size = line_;
      if (!size.empty() && size.back() == '\r') size.remove_suffix(1);
      size = TrimOws(size.substr(0, size.find(';')));
      std::optional<uint64_t> n =
          size.size() > 15 ? std::nullopt : ParseInteger<uint64_t>(size, 16);
      if (!n) {
        state_ = State::kError;
        return;
      }
      line_.clear();
      left_ = *n;
      state_ = *n == 0 ? State::kTrailer : State::kData;
      return;
    }
    case State::kDataCr:
      state_ = c == '\r' ? State::kDataLf : c == '\n' ? State::kSize : State::kError;
      return;
    case State::kDataLf:
      state_ = c == '\n' ? State::kSize : State::kError;
      return;
    case State::kTrailer: {
      if (++trailer_bytes_ > kMaxTrailerBytes) {
        state_ = State::kError;
        return;
      }
      if (c != '\n') {
        line_.push_back(c);
        return;
      }
      bool blank = line_.empty() || line_ == "\r";
      line_.clear();
      if (blank) state_ = State::kDone;
      return;
    }
    default:
      return;
  }
}

}  // namespace strata::net
