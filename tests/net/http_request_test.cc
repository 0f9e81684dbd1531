// The request head parser, ranges and chunked bodies, with the inputs a hostile client sends.
#include "net/http_request.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace strata::net {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using State = HeadParse::State;

HeadParse Parse(const std::string& text, RequestHead& head, HttpLimits limits = {}) {
  return ParseRequestHead(text, limits, head);
}

TEST(HttpRequestTest, ParsesARequestHeadWithItsQueryAndHeaders) {
  RequestHead head;
  std::string text =
      "GET /v1/a%20b/c+d?x=1&y=%2Fz+w&flag HTTP/1.1\r\nHost: h\r\nX-Thing:  v v \r\n\r\nBODY";
  HeadParse p = Parse(text, head);
  ASSERT_EQ(p.state, State::kDone);
  EXPECT_EQ(p.head_bytes, text.size() - 4);
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.path, "/v1/a b/c+d");  // '+' is a plus in a path
  EXPECT_THAT(head.query, ElementsAre(Pair("x", "1"), Pair("y", "/z w"), Pair("flag", "")));
  EXPECT_THAT(head.headers, ElementsAre(Pair("host", "h"), Pair("x-thing", "v v")));
  EXPECT_TRUE(head.keep_alive);
  EXPECT_FALSE(head.content_length.has_value());
}

TEST(HttpRequestTest, WaitsForMoreUntilTheBlankLine) {
  RequestHead head;
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: h\r\n", head).state, State::kNeedMore);
  EXPECT_EQ(Parse("GET / HTT", head).state, State::kNeedMore);
  EXPECT_EQ(Parse("", head).state, State::kNeedMore);
}

TEST(HttpRequestTest, AnEndlessRequestLineIsRefusedOnceItPassesTheLineBound) {
  HttpLimits limits;
  RequestHead head;
  std::string line = "GET /" + std::string(limits.max_line_bytes, 'a');
  HeadParse p = Parse(line, head, limits);  // no newline yet: refused all the same
  EXPECT_EQ(p.state, State::kRefused);
  EXPECT_EQ(p.http_status, 414);
  EXPECT_EQ(Parse(line.substr(0, limits.max_line_bytes), head, limits).state, State::kNeedMore);
}

TEST(HttpRequestTest, AnEndlessHeaderLineIsRefused) {
  RequestHead head;
  std::string text = "GET / HTTP/1.1\r\nX: " + std::string(9000, 'v');
  HeadParse p = Parse(text, head);
  EXPECT_EQ(p.state, State::kRefused);
  EXPECT_EQ(p.http_status, 431);
}

TEST(HttpRequestTest, EndlessHeadersAreRefusedPastTheCount) {
  RequestHead head;
  std::string text = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) text += "X-" + std::to_string(i) + ": v\r\n";
  HeadParse p = Parse(text, head);  // before the blank line: refused as it grows
  EXPECT_EQ(p.state, State::kRefused);
  EXPECT_EQ(p.http_status, 431);
}

TEST(HttpRequestTest, AHeadPastItsByteBoundIsRefusedEvenInShortLines) {
  HttpLimits limits;
  limits.max_headers = 100000;
  RequestHead head;
  std::string text = "GET / HTTP/1.1\r\n";
  while (text.size() <= limits.max_head_bytes) text += "X-Long-Header-Name: some value\r\n";
  HeadParse p = Parse(text, head, limits);
  EXPECT_EQ(p.state, State::kRefused);
  EXPECT_EQ(p.http_status, 431);
}

TEST(HttpRequestTest, FramingThatCouldBeReadTwoWaysIsRefused) {
  RequestHead head;
  auto status = [&](const std::string& headers) {
    HeadParse p = Parse("POST / HTTP/1.1\r\n" + headers + "\r\n", head);
    return p.state == State::kRefused ? p.http_status : 0;
  };
  EXPECT_EQ(status("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), 400);
  EXPECT_EQ(status("Content-Length: 5\r\nContent-Length: 6\r\n"), 400);
  EXPECT_EQ(status("Content-Length: 5\r\nContent-Length: 5\r\n"), 0);
  EXPECT_EQ(status("Content-Length: -1\r\n"), 400);
  EXPECT_EQ(status("Content-Length: 99999999999999999999999\r\n"), 400);
  EXPECT_EQ(status("Content-Length: 0x10\r\n"), 400);
  EXPECT_EQ(status("Transfer-Encoding: gzip, chunked\r\n"), 501);
  EXPECT_EQ(status("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), 501);
  EXPECT_EQ(status("X-A: b\r\n folded\r\n"), 400);
  EXPECT_EQ(status("X A: b\r\n"), 400);
  EXPECT_EQ(status(": b\r\n"), 400);
  EXPECT_EQ(status("X-A: b\x01\r\n"), 400);
  EXPECT_EQ(status("Expect: 100-continue\r\n"), 0);
  EXPECT_TRUE(head.expect_continue);
  EXPECT_EQ(status("Expect: something-else\r\n"), 417);
}

TEST(HttpRequestTest, ARequestLineOfAnotherShapeIsRefused) {
  RequestHead head;
  auto status = [&](const std::string& line) {
    HeadParse p = Parse(line + "\r\n\r\n", head);
    return p.state == State::kRefused ? p.http_status : 0;
  };
  EXPECT_EQ(status("GET / HTTP/2.0"), 505);
  EXPECT_EQ(status("GET / SPDY/3"), 400);
  EXPECT_EQ(status("GET /"), 400);
  EXPECT_EQ(status("GET  / HTTP/1.1"), 400);
  EXPECT_EQ(status("GET http://evil/ HTTP/1.1"), 400);
  EXPECT_EQ(status("G(T / HTTP/1.1"), 400);
  EXPECT_EQ(status("GET /%zz HTTP/1.1"), 400);
  EXPECT_EQ(status("GET /a?b=%4 HTTP/1.1"), 400);
  EXPECT_EQ(status(std::string("GET /a\x7f HTTP/1.1")), 400);
  EXPECT_EQ(status("GET /a HTTP/1.1"), 0);
}

TEST(HttpRequestTest, KeepAliveFollowsTheVersionAndConnectionHeader) {
  RequestHead head;
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\n\r\n", head).state, State::kDone);
  EXPECT_FALSE(head.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", head).state, State::kDone);
  EXPECT_TRUE(head.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n", head).state, State::kDone);
  EXPECT_FALSE(head.keep_alive);
  EXPECT_EQ(Parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", head).state,
            State::kRefused);
}

TEST(HttpRequestTest, RangesAreParsedAndResolvedWithinTheBody) {
  auto one = [](std::string_view value, uint64_t size) {
    std::vector<ByteRange> r = ParseRangeHeader(value);
    EXPECT_EQ(r.size(), 1u) << value;
    return r.empty() ? std::nullopt : ResolveRange(r[0], size);
  };
  using P = std::pair<uint64_t, uint64_t>;
  EXPECT_EQ(one("bytes=0-1048575", 3 << 22), P(0, 1048576));
  EXPECT_EQ(one("bytes=10-", 100), P(10, 90));
  EXPECT_EQ(one("bytes=-10", 100), P(90, 10));
  EXPECT_EQ(one("bytes=-1000", 100), P(0, 100));       // a suffix longer than the body: all of it
  EXPECT_EQ(one("bytes=50-1000000", 100), P(50, 50));  // an end past the body is clamped (L1)
  EXPECT_EQ(one("bytes=100-200", 100), std::nullopt);  // starting past it: unsatisfiable
  EXPECT_EQ(one("bytes=-0", 100), std::nullopt);
  EXPECT_EQ(one("bytes=0-0", 0), std::nullopt);
  EXPECT_EQ(one("BYTES=1-2", 10), P(1, 2));

  EXPECT_EQ(ParseRangeHeader("bytes=0-1,5-9").size(), 2u);
  EXPECT_TRUE(ParseRangeHeader("items=0-1").empty());
  EXPECT_TRUE(ParseRangeHeader("bytes=5-1").empty());
  EXPECT_TRUE(ParseRangeHeader("bytes=a-b").empty());
  EXPECT_TRUE(ParseRangeHeader("bytes=99999999999999999999-").empty());
  EXPECT_TRUE(ParseRangeHeader("bytes=1").empty());
  std::string many = "bytes=0-0";
  for (int i = 1; i <= 16; ++i) many += "," + std::to_string(i) + "-" + std::to_string(i);
  EXPECT_TRUE(ParseRangeHeader(many).empty());  // 17 ranges: ignored, the whole body is sent
}

TEST(HttpRequestTest, PercentDecodingRefusesTruncatedEscapes) {
  std::string out;
  EXPECT_TRUE(PercentDecode("%41b+c", true, out));
  EXPECT_EQ(out, "Ab c");
  EXPECT_TRUE(PercentDecode("%41b+c", false, out));
  EXPECT_EQ(out, "Ab+c");
  EXPECT_FALSE(PercentDecode("%4", false, out));
  EXPECT_FALSE(PercentDecode("%", false, out));
  EXPECT_FALSE(PercentDecode("%g0", false, out));
}

std::string Decode(ChunkedDecoder& decoder, std::string_view in, size_t piece) {
  std::string data;
  size_t at = 0;
  while (at < in.size() && !decoder.done() && !decoder.failed()) {
    size_t used = decoder.Feed(in.substr(at, piece), [&](std::string_view d) { data += d; });
    if (used == 0) break;
    at += used;
  }
  return data;
}

TEST(HttpRequestTest, AChunkedBodyDecodesWhateverPiecesItArrivesIn) {
  std::string body = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  for (size_t piece : {1u, 2u, 7u, 1000u}) {
    ChunkedDecoder decoder;
    EXPECT_EQ(Decode(decoder, body, piece), "hello world") << piece;
    EXPECT_TRUE(decoder.done());
  }
  ChunkedDecoder decoder;  // the bytes after the body are not consumed
  size_t used = decoder.Feed(body, [](std::string_view) {});
  EXPECT_EQ(body.substr(used), "NEXT");
}

TEST(HttpRequestTest, AChunkedBodyOutsideItsBoundsFails) {
  auto fails = [](const std::string& body) {
    ChunkedDecoder decoder;
    Decode(decoder, body, 4096);
    return decoder.failed();
  };
  EXPECT_TRUE(fails(std::string(2000, '1')));            // an endless chunk-size line
  EXPECT_TRUE(fails("ffffffffffffffffff\r\n"));          // a size that overflows
  EXPECT_TRUE(fails("zz\r\n"));                          // not hex
  EXPECT_TRUE(fails("\r\n"));                            // no size
  EXPECT_TRUE(fails("3\r\nabcX"));                       // data not followed by CRLF
  EXPECT_TRUE(fails("0\r\n" + std::string(9000, 'T')));  // endless trailers
  EXPECT_FALSE(fails("3\r\nabc\r\n0\r\n\r\n"));
}

}  // namespace
}  // namespace strata::net
