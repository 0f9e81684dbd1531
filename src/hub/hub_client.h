// HubClient: the part of a Hugging Face-compatible hub's public HTTP API that an import needs.
//
//   GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true
//       → {"sha": "<commit>", "siblings": [{"rfilename", "size", "blobId", "lfs": {"sha256", …}}]}
//   GET {endpoint}/{repo}/resolve/{commit}/{path}   (Range honoured; LFS files redirect to a CDN)
//
// The endpoint is HF_ENDPOINT (default https://huggingface.co); HF_TOKEN, when set, is sent as a
// bearer token to the endpoint's origin only (never to a host a download redirects to).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "net/http_client.h"

namespace strata::hub {

inline constexpr std::string_view kDefaultEndpoint = "https://huggingface.co";

// hub://ORG/NAME[@REVISION]: a repository and a revision (a branch, tag or commit; default main).
struct HubRef {
  std::string repo;  // "org/name" (or "name")
  std::string revision = "main";
};
// InvalidArgument naming what is wrong with `url`.
Result<HubRef> ParseHubUrl(std::string_view url);

// One file of a snapshot, with what its bytes must hash to.
struct HubFile {
  std::string path;  // relative, '/'-separated, as the hub names it
  uint64_t size_bytes = 0;
  std::string sha256;   // LFS files: the SHA-256 of the content (hex); empty for plain git files
  std::string blob_id;  // the git blob id (SHA-1 hex) when no sha256 is given
};

// A revision resolved to its commit, with its files.
struct HubSnapshot {
  std::string repo;
  std::string revision;  // as asked
  std::string commit;    // the 40-hex commit it resolved to
  std::vector<HubFile> files;
};

struct HubClientOptions {
  std::string endpoint;  // empty: HF_ENDPOINT, else kDefaultEndpoint
  std::string token;     // empty: HF_TOKEN, if set
  size_t max_connections = 16;
};

class HubClient {
 public:
  static Result<std::unique_ptr<HubClient>> Open(const HubClientOptions& options);

  // The snapshot of `ref`: NotFound for an unknown repository or revision, PermissionDenied for a
  // private or gated one without a (good) token.
  Result<HubSnapshot> Resolve(const HubRef& ref);
  // Where `path` of `commit` is downloaded from.
  std::string FileUrl(std::string_view repo, std::string_view commit, std::string_view path) const;

  const std::string& endpoint() const { return endpoint_; }
  net::HttpClient& http() { return *http_; }

 private:
  HubClient(std::string endpoint, std::unique_ptr<net::HttpClient> http)
      : endpoint_(std::move(endpoint)), http_(std::move(http)) {}
  std::string endpoint_;
  std::unique_ptr<net::HttpClient> http_;
};

// Parses the model-info answer (exposed for tests). InvalidArgument for anything unexpected:
// missing commit, a file path that is absolute or has "." / ".." parts, a malformed hash.
Result<HubSnapshot> ParseModelInfo(std::string_view json, const HubRef& ref);

}  // namespace strata::hub
