#include "console/console_deps.h"
#include "console/pages/feature_routes.h"
#include "console/pages/pages.h"

namespace vigil::collector::console {

void add_console_routes(Router& router, ConsoleDeps& deps) {
  add_asset_routes(router);
  add_login_routes(router, deps);
  add_event_routes(router);
  add_inbox_routes(router, deps);
  add_item_routes(router, deps);
  add_timeline_routes(router, deps);
  add_audit_routes(router, deps);
  add_exception_routes(router, deps);
  add_fleet_routes(router, deps);
  if (deps.features) add_feature_routes(router, deps);
}

}  // namespace vigil::collector::console
