#include "hub/hub_client.h"

#include <cctype>
#include <cstdlib>
#include <utility>

#include <fmt/core.h>

#include "base/split.h"
#include "load/json.h"
#include "net/url.h"

namespace strata::hub {
namespace {

constexpr size_t kMaxModelInfoBytes = 64 << 20;  // repositories with 100k files stay well under

std::string StringMember(const load::JsonValue& object, std::string_view name) {
  const load::JsonValue* v = object.Find(name);
  return v && v->is_string() ? v->str() : "";
}

bool IsHex(std::string_view s, size_t length) {
  if (s.size() != length) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A repository file path we are willing to create: relative, no empty, "." or ".." parts.
bool IsSafeRelativePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) {
    return false;
  }
  for (const std::string& part : SplitNonEmpty(path, '/')) {
    if (part == "." || part == "..") return false;
  }
  return path.find("//") == std::string_view::npos && path.back() != '/';
}

bool IsSafeRepo(std::string_view repo) {
  std::vector<std::string> parts = SplitNonEmpty(repo, '/');
  if (parts.empty() || parts.size() > 2 || repo.front() == '/' || repo.back() == '/') return false;
  for (const std::string& part : parts) {
    if (part == "." || part == "..") return false;
    for (char c : part) {
      bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      if (!ok) return false;
    }
  }
  return true;
}

}  // namespace

Result<HubRef> ParseHubUrl(std::string_view url) {
  constexpr std::string_view kScheme = "hub://";
  if (!url.starts_with(kScheme)) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not a hub URL (hub://ORG/NAME[@REVISION])", url));
  }
  std::string_view rest = url.substr(kScheme.size());
  HubRef ref;
  size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    ref.revision = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (ref.revision.empty()) {
      return Status::InvalidArgument(fmt::format("'{}': empty revision after '@'", url));
    }
  }
  if (!IsSafeRepo(rest)) {
    return Status::InvalidArgument(
        fmt::format("'{}': the repository must be ORG/NAME (letters, digits, '-', '_', '.')", url));
  }
  ref.repo = std::string(rest);
  return ref;
}

Result<HubSnapshot> ParseModelInfo(std::string_view json, const HubRef& ref) {
  Result<load::JsonValue> parsed = load::ParseJson(json, 32);
  if (!parsed.ok()) {
    return Status::InvalidArgument(fmt::format("the hub's answer for {} is not JSON: {}", ref.repo,
                                               parsed.status().message()));
  }
  HubSnapshot snapshot;
  snapshot.repo = ref.repo;
  snapshot.revision = ref.revision;
  snapshot.commit = StringMember(*parsed, "sha");
  if (!IsHex(snapshot.commit, 40)) {
    return Status::InvalidArgument(
        fmt::format("the hub's answer for {}@{} has no commit id ('sha')", ref.repo, ref.revision));
  }
  const load::JsonValue* siblings = parsed->Find("siblings");
  if (!siblings || !siblings->is_array()) {
    return Status::InvalidArgument(
        fmt::format("the hub's answer for {} has no file list ('siblings')", ref.repo));
  }
  for (const load::JsonValue& sibling : siblings->items()) {
    HubFile file;
    file.path = StringMember(sibling, "rfilename");
    if (!IsSafeRelativePath(file.path)) {
      return Status::InvalidArgument(
          fmt::format("the hub lists an unsafe file name '{}' in {}", file.path, ref.repo));
    }
    const load::JsonValue* size = sibling.Find("size");
    const load::JsonValue* lfs = sibling.Find("lfs");
    if (lfs) {
      file.sha256 = StringMember(*lfs, "sha256");
      if (const load::JsonValue* lfs_size = lfs->Find("size")) size = lfs_size;
    }
    file.blob_id = StringMember(sibling, "blobId");
    if (!size || !size->is_integer() || size->integer() < 0) {
      return Status::InvalidArgument(
          fmt::format("the hub gives no size for {} in {} (files metadata missing: an old hub?)",
                      file.path, ref.repo));
    }
    file.size_bytes = static_cast<uint64_t>(size->integer());
    if (!file.sha256.empty() ? !IsHex(file.sha256, 64) : !IsHex(file.blob_id, 40)) {
      return Status::InvalidArgument(
          fmt::format("the hub gives no usable hash for {} in {} (sha256 '{}', blobId '{}')",
                      file.path, ref.repo, file.sha256, file.blob_id));
    }
    snapshot.files.push_back(std::move(file));
  }
  return snapshot;
}

Result<std::unique_ptr<HubClient>> HubClient::Open(const HubClientOptions& options) {
  std::string endpoint = options.endpoint;
  if (endpoint.empty()) {
    const char* env = std::getenv("HF_ENDPOINT");
    endpoint = env && *env ? env : std::string(kDefaultEndpoint);
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (!endpoint.starts_with("http://") && !endpoint.starts_with("https://")) {
    return Status::InvalidArgument(
        fmt::format("hub endpoint '{}' is not an http(s) URL (check HF_ENDPOINT)", endpoint));
  }
  std::string token = options.token;
  if (token.empty()) {
    const char* env = std::getenv("HF_TOKEN");
    if (env) token = env;
  }
  net::HttpClientOptions http;
  http.max_connections = options.max_connections;
  if (!token.empty()) http.headers.push_back("Authorization: Bearer " + token);
  // The token is for the hub alone, never for the CDN its file downloads redirect to (later
  // ranges go straight to the redirect's URL).
  http.headers_origin = net::UrlOrigin(endpoint);
  return std::unique_ptr<HubClient>(
      new HubClient(std::move(endpoint), std::make_unique<net::HttpClient>(std::move(http))));
}

Result<HubSnapshot> HubClient::Resolve(const HubRef& ref) {
  std::string url = fmt::format("{}/api/models/{}/revision/{}?blobs=true", endpoint_, ref.repo,
                                net::UriEncode(ref.revision, /*keep_slash=*/false));
  ASSIGN_OR_RETURN(net::HttpResponse response, http_->Get(url, kMaxModelInfoBytes));
  if (response.status == 401 || response.status == 403) {
    return Status::PermissionDenied(
        fmt::format("hub {}: {}@{} needs a token with access to it (set HF_TOKEN; HTTP {})",
                    endpoint_, ref.repo, ref.revision, response.status));
  }
  if (response.status == 404) {
    return Status::NotFound(fmt::format("hub {}: no repository {} with a revision '{}'", endpoint_,
                                        ref.repo, ref.revision));
  }
  if (response.status != 200) return net::HttpStatusError("model info", url, response);
  return ParseModelInfo(response.body, ref);
}

std::string HubClient::FileUrl(std::string_view repo, std::string_view commit,
                               std::string_view path) const {
  return fmt::format("{}/{}/resolve/{}/{}", endpoint_, repo, commit,
                     net::UriEncode(path, /*keep_slash=*/true));
}

}  // namespace strata::hub
