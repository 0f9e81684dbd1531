// The server's routes in process: a real ApiServer on loopback over a SQLite volume, driven by
// the API's own client (client::ApiClient) and by raw requests where the client would not send
// what an adversary does. The shell suite (tests/integration/server_test.sh) covers the CLI
// around it; these are the rules of the routes, fast and under every sanitizer.
#include "server/api_server.h"

#include <random>
#include <thread>

#include <fmt/core.h>

#include "client/api_client.h"
#include "core/digest.h"
#include "fs/gc.h"
#include "net/http_client.h"
#include "server/tokens.h"
#include "support/test_util.h"

namespace strata::server {
namespace {

using strata::testing::StatusIs;
using ::testing::HasSubstr;

constexpr uint64_t kChunk = 64 * 1024;

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    session_.options().home = dir_.Sub("home");
    session_.options().meta_url = "sqlite://" + dir_.Sub("meta.db");
    session_.options().store_url = "file://" + dir_.Sub("chunks");
    session_.options().threads = 4;
    session_.options().clock = &clock_;  // expiries move when the test says, nobody sleeps
    ASSERT_OK(session_.Open());
    ASSERT_OK(session_.meta().CreateVolume("weights", kChunk));
    ASSERT_OK(session_.meta().CreateVolume("other", kChunk));
    writer_token_ = *CreateToken(session_.meta(), "weights", false, "test");
    reader_token_ = *CreateToken(session_.meta(), "weights", true, "test");
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 4;
    auto bound = ApiServer::Bind(session_, options);
    ASSERT_OK(bound);
    server_ = std::move(*bound);
    serving_ = std::thread([this] { (void)server_->Serve(); });
    base_ = fmt::format("http://127.0.0.1:{}", server_->port());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (serving_.joinable()) serving_.join();
  }

  client::ApiClient Client(const std::string& token, const std::string& volume = "weights") {
    return client::ApiClient(base_, volume, token);
  }

  static std::vector<uint8_t> Bytes(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    return strata::testing::RandomBytes(rng, n);
  }
  static std::string Sha256(std::span<const uint8_t> bytes) {
    StreamingDigest digest = StreamingDigest::Sha256();
    digest.Update(bytes);
    return digest.FinalHex();
  }

  // The KV API (outside any volume): the status and body of `method /v1/kv/rest`.
  std::pair<long, std::string> Kv(const std::string& method, const std::string& rest,
                                  std::string_view body = "") {
    net::HttpClientOptions options;
    options.headers = {"Authorization: Bearer " + writer_token_};
    options.max_attempts = 1;
    net::HttpClient http(options);
    std::string url = base_ + "/v1/kv/" + rest;
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(body.data()), body.size());
    Result<net::HttpResponse> got =
        method == "GET" ? http.Get(url, 1 << 20) : http.Send(method, url, bytes, 1 << 20);
    EXPECT_OK(got);
    if (!got.ok()) return {0, ""};
    return {got->status, got->body};
  }

  Result<fs::GcReport> Gc() {
    fs::GcOptions options;
    options.grace_ns = 0;
    options.clock = &clock_;
    return fs::RunGc(session_.meta(), session_.objects(), session_.pool(), options);
  }

  strata::testing::TempDir dir_;
  FakeClock clock_;
  fs::Session session_;
  std::string writer_token_, reader_token_;
  std::unique_ptr<ApiServer> server_;
  std::thread serving_;
  std::string base_;
};

TEST_F(ApiServerTest, AnUploadResumesWithThePartsTheServerHas) {
  client::ApiClient api = Client(writer_token_);
  std::vector<uint8_t> whole = Bytes(2 * kChunk + 100, 1);
  std::span<const uint8_t> all(whole);
  Result<client::UploadSessionInfo> made = api.CreateUpload("/m/model.bin", 1);
  ASSERT_OK(made);
  EXPECT_EQ(made->part_size, kChunk);  // rounded up to whole chunks
  ASSERT_OK(api.PutPart(made->id, 2, all.subspan(2 * kChunk), Sha256(all.subspan(2 * kChunk))));
  ASSERT_OK(api.PutPart(made->id, 0, all.first(kChunk), Sha256(all.first(kChunk))));

  // A client that lost track asks what the server has.
  Result<client::UploadSessionInfo> known = api.GetUpload(made->id);
  ASSERT_OK(known);
  ASSERT_EQ(known->parts.size(), 2u);
  EXPECT_EQ(known->parts.at(2).size, 100u);
  EXPECT_EQ(known->parts.at(0).sha256, Sha256(all.first(kChunk)));
  EXPECT_THAT(api.CompleteUpload(made->id, whole.size(), 3),
              StatusIs(Code::kInvalidArgument, HasSubstr("2 parts")));

  auto middle = all.subspan(kChunk, kChunk);
  ASSERT_OK(api.PutPart(made->id, 1, middle, Sha256(middle)));
  ASSERT_OK(api.CompleteUpload(made->id, whole.size(), 3));
  EXPECT_THAT(api.GetUpload(made->id), StatusIs(Code::kNotFound));

  // One vocabulary for entry types, the metadata's: "directory", not "dir".
  Result<load::JsonValue> listing = api.Call("GET", "/files?path=/&recursive=1", "", 200);
  ASSERT_OK(listing);
  std::vector<std::string> types;
  for (const load::JsonValue& e : listing->Find("entries")->items()) {
    types.push_back(e.Find("path")->str() + " " + e.Find("type")->str());
  }
  EXPECT_THAT(types, ::testing::ElementsAre("/m directory", "/m/model.bin file"));

  auto volume = std::move(session_.OpenVolume("weights")).value();
  Result<meta::Attr> attr = volume->Stat("/m/model.bin");
  ASSERT_OK(attr);
  EXPECT_EQ(attr->size_bytes, whole.size());
}

TEST_F(ApiServerTest, APartIsRefusedWithTheServersReason) {
  client::ApiClient api = Client(writer_token_);
  Result<client::UploadSessionInfo> made = api.CreateUpload("/f", kChunk);
  ASSERT_OK(made);
  std::vector<uint8_t> bytes = Bytes(1000, 2);
  EXPECT_THAT(api.PutPart(made->id, 0, bytes, std::string(64, '0')),
              StatusIs(Code::kInvalidArgument, HasSubstr("hashes to")));
  std::vector<uint8_t> too_long = Bytes(kChunk + 1, 3);
  Status refused = api.PutPart(made->id, 0, too_long, Sha256(too_long));
  EXPECT_THAT(refused, StatusIs(Code::kInvalidArgument, HasSubstr("HTTP 413")));
  EXPECT_THAT(api.PutPart(made->id, 100000, bytes, Sha256(bytes)),
              StatusIs(Code::kInvalidArgument, HasSubstr("0..99999")));
  EXPECT_TRUE(api.GetUpload(made->id)->parts.empty());  // nothing refused was recorded
}

TEST_F(ApiServerTest, TokensAreHeldToTheirVolumeAndTheirRights) {
  EXPECT_THAT(Client(reader_token_).CreateUpload("/f", kChunk), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Client(writer_token_, "other").CreateUpload("/f", kChunk),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Client("strata_" + std::string(64, 'a')).GetUpload(std::string(32, 'a')),
              StatusIs(Code::kPermissionDenied));
  // A session of one volume does not exist for another, even for a token of both.
  std::string admin = *CreateToken(session_.meta(), "", false, "admin");
  Result<client::UploadSessionInfo> made = Client(admin).CreateUpload("/f", kChunk);
  ASSERT_OK(made);
  EXPECT_THAT(Client(admin, "other").GetUpload(made->id), StatusIs(Code::kNotFound));
  EXPECT_OK(Client(reader_token_).GetUpload(made->id));  // reading it is a read
}

TEST_F(ApiServerTest, BadSessionsAreRefusedBeforeAnythingIsMade) {
  client::ApiClient api = Client(writer_token_);
  EXPECT_THAT(api.CreateUpload("/", kChunk), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(api.CreateUpload("/a/../../etc/passwd", kChunk), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(api.CreateUpload("/f", (5ULL << 30) + 1), StatusIs(Code::kInvalidArgument));
  for (std::string_view body : {R"({"path": "/f", "ttl": "0s"})", R"({"path": "/f", "ttl": "8d"})",
                                R"({"path": "/f", "part_size": -1})", R"({"path": 7})", "[]",
                                R"({"path": "/f", "path": "/g"})", "{"}) {
    EXPECT_THAT(api.Call("POST", "/uploads", body, 201), StatusIs(Code::kInvalidArgument)) << body;
  }
  for (std::string_view body : {R"({"size": -1})", R"({"parts": "3"})", "[1]"}) {
    Result<client::UploadSessionInfo> made = api.CreateUpload("/g", kChunk);
    ASSERT_OK(made);
    EXPECT_THAT(api.Call("POST", fmt::format("/uploads/{}/complete", made->id), body, 201),
                StatusIs(Code::kInvalidArgument))
        << body;
  }
  auto volume = std::move(session_.OpenVolume("weights")).value();
  EXPECT_THAT(volume->Stat("/g"), StatusIs(Code::kNotFound));
}

TEST_F(ApiServerTest, AKeyWithATtlReadsAsAbsentOnceItExpiresAndGcRemovesIt) {
  EXPECT_EQ(Kv("PUT", "weights/short?ttl=90s", "bye").first, 200);
  EXPECT_EQ(Kv("PUT", "weights/long", "stays").first, 200);
  EXPECT_EQ(Kv("GET", "weights/short"), std::make_pair(200L, std::string("bye")));

  clock_.Advance(std::chrono::seconds(89));
  EXPECT_EQ(Kv("GET", "weights/short").first, 200);  // not yet
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_EQ(Kv("GET", "weights/short").first, 404);
  auto [status, listing] = Kv("GET", "weights");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(listing, HasSubstr("long"));
  EXPECT_THAT(listing, ::testing::Not(HasSubstr("short")));

  Result<fs::GcReport> gc = Gc();
  ASSERT_OK(gc);
  EXPECT_EQ(gc->expired_kv, 1u);
  EXPECT_EQ(Kv("GET", "weights/long").first, 200);
  EXPECT_EQ(Kv("PUT", "weights/x?ttl=soon", "x").first, 400);
}

TEST_F(ApiServerTest, AnAbandonedUploadExpiresAndGcTakesItsParts) {
  client::ApiClient api = Client(writer_token_);
  Result<load::JsonValue> made =
      api.Call("POST", "/uploads", R"({"path": "/never.bin", "ttl": "1h"})", 201);
  ASSERT_OK(made);
  std::string id = made->Find("id")->str();
  std::vector<uint8_t> part = Bytes(kChunk, 9);
  ASSERT_OK(api.PutPart(id, 0, part, Sha256(part)));

  // While it lives, gc keeps its part.
  Result<fs::GcReport> early = Gc();
  ASSERT_OK(early);
  EXPECT_EQ(early->expired_uploads, 0u);
  EXPECT_EQ(early->deleted, 0u);
  EXPECT_OK(api.GetUpload(id));

  clock_.Advance(std::chrono::minutes(61));
  EXPECT_THAT(api.GetUpload(id), StatusIs(Code::kNotFound));
  EXPECT_THAT(api.PutPart(id, 1, part, Sha256(part)), StatusIs(Code::kNotFound));
  EXPECT_THAT(api.CompleteUpload(id, kChunk, 1), StatusIs(Code::kNotFound));

  Result<fs::GcReport> late = Gc();
  ASSERT_OK(late);
  EXPECT_EQ(late->expired_uploads, 1u);
  EXPECT_EQ(late->deleted, 1u);  // the part's one chunk, used by nothing else
  auto volume = std::move(session_.OpenVolume("weights")).value();
  EXPECT_THAT(volume->Stat("/never.bin"), StatusIs(Code::kNotFound));
}

}  // namespace
}  // namespace strata::server
