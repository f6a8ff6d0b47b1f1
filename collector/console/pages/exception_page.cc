// GET /exceptions: rule exception proposals made by DSLs after false positives. Network managers
// approve or reject them; they see the rule and the DSL's reason, never the captured text.
#include "console/html.h"
#include "console/page.h"
#include "console/pages/pages.h"

namespace vigil::collector::console {
namespace {

Reply list(ConsoleDeps& deps, RequestContext& ctx) {
  auto proposals = deps.triage.exception_proposals();
  if (!proposals) return store_failure(ctx, proposals.error());
  const bool manager = ctx.session->role == Role::kNetworkManager;
  std::string body = "<table><thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">Category</th><th scope=\"col\">Reason</th>"
                     "<th scope=\"col\">Proposed by</th><th scope=\"col\">State</th><th scope=\"col\">Decision</th></tr></thead><tbody>";
  for (const auto& p : *proposals) {
    body += "<tr><td>" + escape(p.rule_id) + "</td><td>" + escape(p.category) + "</td><td>" + escape(p.reason) + "</td><td>" + escape(p.proposed_by) +
            ", " + escape(format_time(p.proposed_at)) + "</td><td class=\"proposal-state\">" + escape(p.state) + "</td><td>";
    if (p.state == "pending" && manager) {
      const std::string id = std::to_string(p.id);
      body += "<form method=\"post\" action=\"/exceptions/" + id + "/approve\">" + csrf_field(ctx) + "<button type=\"submit\" aria-label=\"Approve exception for " +
              escape(p.rule_id) + "\">Approve</button></form><form method=\"post\" action=\"/exceptions/" + id + "/reject\">" + csrf_field(ctx) +
              "<button type=\"submit\" aria-label=\"Reject exception for " + escape(p.rule_id) + "\">Reject</button></form>";
    } else if (p.state != "pending") {
      body += escape(p.decided_by) + ", " + escape(format_time(p.decided_at));
    } else {
      body += "awaiting a network manager";
    }
    body += "</td></tr>";
  }
  body += "</tbody></table>";
  return html_reply(layout(ctx, "Exception proposals", body));
}

Reply decide(ConsoleDeps& deps, RequestContext& ctx, bool approve) {
  const std::string& s = ctx.args.at(0);
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return error_reply(ctx.request, http::status::not_found, "no such proposal");
  if (auto r = audit(deps, ctx, approve ? "approve_exception" : "reject_exception", "exception:" + s); !r) return store_failure(ctx, r.error());
  if (auto r = deps.triage.decide_exception(std::stoll(s), approve, ctx.session->username); !r) {
    if (r.error().code == ErrorCode::kNotFound) return error_reply(ctx.request, http::status::not_found, r.error().message);
    if (r.error().code == ErrorCode::kInvalidArgument) return error_reply(ctx.request, http::status::conflict, r.error().message);
    return store_failure(ctx, r.error());
  }
  return Reply{redirect("/exceptions")};
}

}  // namespace

void add_exception_routes(Router& router, ConsoleDeps& deps) {
  const std::vector<Role> viewers = {Role::kDsl, Role::kDeputyDsl, Role::kNetworkManager};
  router.add({http::verb::get, "/exceptions", viewers, false, [&deps](RequestContext& ctx) { return list(deps, ctx); }});
  router.add({http::verb::post, "/exceptions/{}/approve", {Role::kNetworkManager}, false, [&deps](RequestContext& ctx) { return decide(deps, ctx, true); }});
  router.add({http::verb::post, "/exceptions/{}/reject", {Role::kNetworkManager}, false, [&deps](RequestContext& ctx) { return decide(deps, ctx, false); }});
}

}  // namespace vigil::collector::console
