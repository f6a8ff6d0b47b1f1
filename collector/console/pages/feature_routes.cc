#include "console/pages/feature_routes.h"

namespace vigil::collector::console {

void add_feature_routes(Router& router, ConsoleDeps& deps) {
  add_export_routes(router, deps);
  add_report_routes(router, deps);
  add_directory_routes(router, deps);
}

}  // namespace vigil::collector::console
