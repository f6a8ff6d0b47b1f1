#pragma once
// What console routes work with. Pages register their routes with add_*_routes(router, deps).

#include "accounts/account_store.h"
#include "console/login_limiter.h"
#include "console/router.h"
#include "console/sessions.h"
#include "store/store.h"
#include "triage/triage_store.h"

namespace vigil::collector::console {

struct FeatureDeps;  // console/pages/feature_routes.h

struct ConsoleDeps {
  triage::TriageStore& triage;
  AccountStore& accounts;
  Store& store;
  Sessions& sessions;
  LoginLimiter& limiter;
  FeatureDeps* features = nullptr;  // exports, legal hold, report, pupil upload; null: those routes are not added
};

// Every console route: pages, JSON API, event stream, assets.
void add_console_routes(Router& router, ConsoleDeps& deps);

}  // namespace vigil::collector::console
