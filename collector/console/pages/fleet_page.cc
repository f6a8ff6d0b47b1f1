// GET /devices (network managers: fleet health, no content) and GET /overview (DSLs: counts by
// category for the last 30 days, no names, no text; governors use /report, which suppresses
// small numbers).
#include <chrono>

#include "app/capture_json.h"
#include "console/html.h"
#include "console/page.h"
#include "console/pages/pages.h"

namespace vigil::collector::console {
namespace {

constexpr int64_t kOverviewDays = 30;

Reply devices(ConsoleDeps& deps, RequestContext& ctx) {
  auto list = deps.store.devices();
  if (!list) return store_failure(ctx, list.error());
  const auto now = std::chrono::system_clock::now();
  std::string body = "<table><thead><tr><th scope=\"col\">Host</th><th scope=\"col\">State</th><th scope=\"col\">Coverage</th><th scope=\"col\">Last seen</th>"
                     "<th scope=\"col\">Agent</th><th scope=\"col\">Rule pack</th><th scope=\"col\">Outbox</th></tr></thead><tbody>";
  for (const auto& d : *list) {
    const auto j = device_to_json(d, now);
    body += "<tr><td>" + escape(d.hostname.empty() ? d.id : d.hostname) + "</td><td>" + escape(j.value("state", "")) + "</td><td>" +
            escape(j["coverage"].value("state", "")) + "</td><td>" + escape(j["last_seen"].is_string() ? j["last_seen"].get<std::string>() : "never") +
            "</td><td>" + escape(d.agent_version) + "</td><td>" + escape(d.rule_pack_version) + "</td><td>" + std::to_string(d.outbox_depth) + "</td></tr>";
  }
  body += "</tbody></table>";
  return html_reply(layout(ctx, "Devices", body));
}

Reply overview(ConsoleDeps& deps, RequestContext& ctx) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto counts = deps.triage.counts_by_category(now - kOverviewDays * 24 * 3600 * 1000, now);
  if (!counts) return store_failure(ctx, counts.error());
  std::string body = "<table><caption>Concerns in the last " + std::to_string(kOverviewDays) + " days</caption><thead><tr><th scope=\"col\">Category</th>"
                     "<th scope=\"col\">Items</th><th scope=\"col\">Captures</th></tr></thead><tbody>";
  for (const auto& c : *counts) {
    body += "<tr><td>" + escape(c.category) + "</td><td>" + std::to_string(c.items) + "</td><td>" + std::to_string(c.captures) + "</td></tr>";
  }
  body += "</tbody></table>";
  return html_reply(layout(ctx, "Overview", body));
}

}  // namespace

void add_fleet_routes(Router& router, ConsoleDeps& deps) {
  router.add({http::verb::get, "/devices", {Role::kNetworkManager, Role::kDsl, Role::kDeputyDsl}, false, [&deps](RequestContext& ctx) { return devices(deps, ctx); }});
  // Exact counts: DSL roles only. Governors get /report, where numbers below 5 are suppressed.
  router.add({http::verb::get, "/overview", {Role::kDsl, Role::kDeputyDsl}, false, [&deps](RequestContext& ctx) { return overview(deps, ctx); }});
}

}  // namespace vigil::collector::console
