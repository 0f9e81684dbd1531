// The Files page (src/server/web/), compiled into the binary by cmake/embed_files.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace strata::server {

struct WebAsset {
  std::string_view path;  // "/index.html"
  std::string_view content_type;
  std::string_view body;
};

const std::vector<WebAsset>& WebAssets();

}  // namespace strata::server
