#include "server/tokens.h"

#include <fmt/core.h>

#include "core/digest.h"
#include "core/random.h"

namespace strata::server {
namespace {
constexpr std::string_view kPrefix = "strata_";
constexpr std::string_view kBearer = "Bearer ";

}  // namespace

Result<std::string> NewTokenSecret() {
  ASSIGN_OR_RETURN(std::string random, RandomHex(32));
  return std::string(kPrefix) + random;
}

std::string TokenHash(std::string_view token) {
  StreamingDigest digest = StreamingDigest::Sha256();
  digest.Update(token);
  return digest.FinalHex();
}

Result<std::string> CreateToken(meta::MetaStore& meta, std::string_view volume, bool read_only,
                                std::string_view note) {
  if (!volume.empty()) RETURN_IF_ERROR(meta::ValidateVolumeName(volume));
  ASSIGN_OR_RETURN(std::string secret, NewTokenSecret());
  meta::TokenInfo info;
  info.volume = std::string(volume);
  info.read_only = read_only;
  info.created_ns = meta.clock().NowNanos();
  info.note = std::string(note);
  RETURN_IF_ERROR(meta.AddToken(TokenHash(secret), info).status());
  return secret;
}

Result<meta::TokenInfo> Authenticate(meta::MetaStore& meta, std::string_view authorization) {
  if (!authorization.starts_with(kBearer)) {
    return Status::PermissionDenied("send a token: Authorization: Bearer <token>");
  }
  std::string_view token = authorization.substr(kBearer.size());
  // Anything that cannot be one of ours is refused before the database is asked.
  if (!token.starts_with(kPrefix) || token.size() != kPrefix.size() + 64) {
    return Status::PermissionDenied("not a strata token");
  }
  Result<meta::TokenInfo> found = meta.FindToken(TokenHash(token));
  if (!found.ok() && found.status().code() == Code::kNotFound) {
    return Status::PermissionDenied("unknown or revoked token");
  }
  return found;
}

Status Authorize(const meta::TokenInfo& token, std::string_view scope, bool write) {
  if (!token.volume.empty() && token.volume != scope) {
    return Status::PermissionDenied(fmt::format("this token is for '{}' only", token.volume));
  }
  if (write && token.read_only) return Status::PermissionDenied("this token is read-only");
  return Status::OK();
}

}  // namespace strata::server
