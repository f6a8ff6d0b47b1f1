// GET /audit: the append-only record of who viewed, exported or changed what, readable by DSLs.
#include "console/html.h"
#include "console/page.h"
#include "console/pages/pages.h"

namespace vigil::collector::console {

void add_audit_routes(Router& router, ConsoleDeps& deps) {
  router.add({http::verb::get, "/audit", kContentRoles, false, [&deps](RequestContext& ctx) {
                int page = 1;
                if (auto it = ctx.query.find("page"); it != ctx.query.end() && !it->second.empty() && it->second.size() < 7 &&
                                                      it->second.find_first_not_of("0123456789") == std::string::npos) {
                  page = std::max(1, std::stoi(it->second));
                }
                if (auto r = audit(deps, ctx, "view_audit", ""); !r) return store_failure(ctx, r.error());
                auto entries = deps.triage.audit_entries(200, (page - 1) * 200);
                if (!entries) return store_failure(ctx, entries.error());
                std::string body = "<table><caption>Newest first</caption><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th>"
                                   "<th scope=\"col\">Role</th><th scope=\"col\">Action</th><th scope=\"col\">What</th><th scope=\"col\">From</th></tr></thead><tbody>";
                for (const auto& e : *entries) {
                  body += "<tr><td>" + escape(format_time(e.at)) + "</td><td>" + escape(e.actor) + "</td><td>" + escape(e.role) + "</td><td>" +
                          escape(e.action) + "</td><td>" + escape(e.target) + "</td><td>" + escape(e.remote) + "</td></tr>";
                }
                body += "</tbody></table>";
                if (entries->size() == 200) body += "<p><a href=\"/audit?page=" + std::to_string(page + 1) + "\">Older entries</a></p>";
                return html_reply(layout(ctx, "Audit log", body));
              }});
}

}  // namespace vigil::collector::console
