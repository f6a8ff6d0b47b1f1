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

// The inbox's filters from a query string (category, severity, status, from, to, year,
// device_group, q, pupil, page), or a message naming the bad one. Shared with the exports.
std::optional<std::string> read_inbox_filter(const Params& query, triage::InboxFilter& filter, int& page);

}  // namespace vigil::collector::console
