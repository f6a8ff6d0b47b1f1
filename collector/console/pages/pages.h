#pragma once
// Route registration, one function per page file.

#include "console/console_deps.h"

namespace vigil::collector::console {

void add_login_routes(Router& router, ConsoleDeps& deps);
void add_asset_routes(Router& router);
void add_inbox_routes(Router& router, ConsoleDeps& deps);
void add_item_routes(Router& router, ConsoleDeps& deps);
void add_timeline_routes(Router& router, ConsoleDeps& deps);
void add_audit_routes(Router& router, ConsoleDeps& deps);
void add_exception_routes(Router& router, ConsoleDeps& deps);
void add_fleet_routes(Router& router, ConsoleDeps& deps);
void add_event_routes(Router& router);

}  // namespace vigil::collector::console
