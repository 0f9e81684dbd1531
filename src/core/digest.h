// StreamingDigest: a SHA-256 or SHA-1 of bytes that arrive in pieces (OpenSSL EVP). ChunkId::Of
// hashes one buffer; this is for whole files fed chunk by chunk, e.g. to check a download
// against the SHA-256 or git blob id its source publishes.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace strata {

class StreamingDigest {
 public:
  static StreamingDigest Sha256();
  static StreamingDigest Sha1();
  ~StreamingDigest();
  StreamingDigest(StreamingDigest&&) noexcept;
  StreamingDigest& operator=(StreamingDigest&&) noexcept;

  void Update(std::span<const uint8_t> data);
  void Update(std::string_view text);
  // The digest in lower-case hex. Once only.
  std::string FinalHex();

 private:
  struct Ctx;
  explicit StreamingDigest(std::unique_ptr<Ctx> ctx);
  static StreamingDigest Of(const void* evp_md);  // an EVP_MD*, kept out of this header
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace strata
