#include "core/digest.h"

#include <stdexcept>

#include <openssl/evp.h>

#include "base/hex.h"

namespace strata {

struct StreamingDigest::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

StreamingDigest::StreamingDigest(std::unique_ptr<Ctx> ctx) : ctx_(std::move(ctx)) {}
StreamingDigest::~StreamingDigest() = default;
StreamingDigest::StreamingDigest(StreamingDigest&&) noexcept = default;
StreamingDigest& StreamingDigest::operator=(StreamingDigest&&) noexcept = default;

StreamingDigest StreamingDigest::Of(const void* evp_md) {
  auto ctx = std::make_unique<Ctx>();
  if (!ctx->md || EVP_DigestInit_ex(ctx->md, static_cast<const EVP_MD*>(evp_md), nullptr) != 1) {
    throw std::runtime_error("OpenSSL digest init failed");
  }
  return StreamingDigest(std::move(ctx));
}

StreamingDigest StreamingDigest::Sha256() { return Of(EVP_sha256()); }
StreamingDigest StreamingDigest::Sha1() { return Of(EVP_sha1()); }

void StreamingDigest::Update(std::span<const uint8_t> data) {
  EVP_DigestUpdate(ctx_->md, data.data(), data.size());
}

void StreamingDigest::Update(std::string_view text) {
  EVP_DigestUpdate(ctx_->md, text.data(), text.size());
}

std::string StreamingDigest::FinalHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx_->md, digest, &length);
  return LowerHex(std::span<const uint8_t>(digest, length));
}

}  // namespace strata
