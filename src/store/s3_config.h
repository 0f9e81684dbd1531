// S3Config: where an S3-compatible bucket is and how to talk to it, parsed from a store URL:
//
//   s3://BUCKET[/PREFIX][?endpoint=URL&region=R&addressing=path|virtual&connections=N&retries=N]
//
// Without `endpoint`, AWS itself (https://s3.REGION.amazonaws.com, virtual-host addressing). With
// one, path-style addressing unless `addressing=virtual`. Credentials come from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; the region from the URL, else AWS_REGION, else
// AWS_DEFAULT_REGION, else us-east-1.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strata::store {

struct S3Config {
  std::string bucket;
  std::string prefix;    // without leading or trailing '/'; may be empty
  std::string endpoint;  // scheme://host[:port], no trailing '/'
  std::string region = "us-east-1";
  bool path_style = true;
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  std::string ca_bundle;          // AWS_CA_BUNDLE, for https endpoints with a private CA
  size_t max_connections = 64;    // requests in flight at once, each on its own kept-alive handle
  int max_attempts = 6;           // per request, retries of transient failures included
  int64_t list_page_size = 1000;  // ListObjectsV2 max-keys (tests set it small to page)

  // The URL this config was parsed from, normalised (no credentials: they never go in URLs).
  std::string url;
};

// Parses the URL and reads the credentials from the environment. InvalidArgument naming what is
// wrong: no bucket, a bad parameter, missing credentials.
Result<S3Config> ParseS3Url(std::string_view url);

}  // namespace strata::store
