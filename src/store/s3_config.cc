#include "store/s3_config.h"

#include <cstdlib>
#include <map>
#include <optional>

#include <fmt/core.h>

#include "base/parse_integer.h"
#include "net/url.h"

namespace strata::store {
namespace {

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

Result<int64_t> ParsePositive(std::string_view name, std::string_view value, std::string_view url) {
  std::optional<int64_t> n = ParseInteger<int64_t>(value);
  if (!n || *n <= 0) {
    return Status::InvalidArgument(
        fmt::format("store URL '{}': {}={} is not a positive number", url, name, value));
  }
  return *n;
}

}  // namespace

Result<S3Config> ParseS3Url(std::string_view url) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme)) {
    return Status::InvalidArgument(fmt::format("'{}' is not an s3:// URL", url));
  }
  S3Config config;
  std::string_view rest = url.substr(kScheme.size());
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  size_t slash = rest.find('/');
  config.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash + 1);
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    config.prefix = std::string(prefix);
  }
  if (config.bucket.empty()) {
    return Status::InvalidArgument(
        fmt::format("store URL '{}' names no bucket (s3://BUCKET[/PREFIX]?endpoint=…)", url));
  }
  std::string addressing;
  std::string region;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    ASSIGN_OR_RETURN(std::string value,
                     net::UriDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1)));
    if (name == "endpoint") {
      while (!value.empty() && value.back() == '/') value.pop_back();
      if (!value.starts_with("http://") && !value.starts_with("https://")) {
        return Status::InvalidArgument(fmt::format(
            "store URL '{}': endpoint '{}' must start with http:// or https://", url, value));
      }
      config.endpoint = value;
    } else if (name == "region") {
      region = value;
    } else if (name == "addressing") {
      if (value != "path" && value != "virtual") {
        return Status::InvalidArgument(fmt::format(
            "store URL '{}': addressing must be 'path' or 'virtual', not '{}'", url, value));
      }
      addressing = value;
    } else if (name == "connections") {
      ASSIGN_OR_RETURN(int64_t n, ParsePositive(name, value, url));
      config.max_connections = static_cast<size_t>(n);
    } else if (name == "retries") {
      ASSIGN_OR_RETURN(int64_t n, ParsePositive(name, value, url));
      config.max_attempts = static_cast<int>(std::min<int64_t>(n, 100)) + 1;
    } else if (name == "list_page") {
      ASSIGN_OR_RETURN(config.list_page_size, ParsePositive(name, value, url));
    } else {
      return Status::InvalidArgument(fmt::format(
          "store URL '{}': unknown parameter '{}' (known: endpoint, region, addressing, "
          "connections, retries, list_page)",
          url, name));
    }
  }
  if (region.empty()) region = Getenv("AWS_REGION");
  if (region.empty()) region = Getenv("AWS_DEFAULT_REGION");
  if (!region.empty()) config.region = region;
  if (config.endpoint.empty()) {
    config.endpoint = fmt::format("https://s3.{}.amazonaws.com", config.region);
    config.path_style = addressing == "path";
  } else {
    config.path_style = addressing != "virtual";
  }
  config.access_key = Getenv("AWS_ACCESS_KEY_ID");
  config.secret_key = Getenv("AWS_SECRET_ACCESS_KEY");
  config.session_token = Getenv("AWS_SESSION_TOKEN");
  config.ca_bundle = Getenv("AWS_CA_BUNDLE");
  if (config.access_key.empty() || config.secret_key.empty()) {
    return Status::InvalidArgument(fmt::format(
        "store URL '{}' needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", url));
  }
  config.url = std::string(url);
  return config;
}

}  // namespace strata::store
