// Vendored assets, embedded in the binary at build time and served by exact name (no file
// system lookups, so no path traversal).
#include "console/assets/embedded_assets.h"
#include "console/pages/pages.h"

namespace vigil::collector::console {

void add_asset_routes(Router& router) {
  for (const auto& asset : embedded_assets()) {
    router.add({http::verb::get, "/assets/" + std::string(asset.name), {}, true, [&asset](RequestContext&) {
                  return Reply{text_response(http::status::ok, std::string(asset.content_type), std::string(asset.content))};
                }});
  }
}

}  // namespace vigil::collector::console
