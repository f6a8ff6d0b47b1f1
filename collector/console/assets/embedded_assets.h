#pragma once
// The console's static files (collector/console/assets/), embedded by CMake (cmake/embed_assets.cmake).

#include <string_view>
#include <vector>

namespace vigil::collector::console {

struct EmbeddedAsset {
  std::string_view name;          // "console.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view content;
};

const std::vector<EmbeddedAsset>& embedded_assets();

}  // namespace vigil::collector::console
