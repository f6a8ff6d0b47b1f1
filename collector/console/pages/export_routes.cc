// Exports for the school's incident log and the legal hold:
//   GET  /items/ID/export.csv    one item as CSV          GET /export.csv?FILTERS     the inbox's filtered set
//   GET  /items/ID/record        printable record (HTML)  GET /export/record?FILTERS  the same, filtered
//   POST /items/ID/legal-hold    hold=on|off
// DSL roles only. Every export is audited (action, the item ids) before any content is read.
#include <spdlog/spdlog.h>

#include "console/html.h"
#include "console/page.h"
#include "console/pages/feature_routes.h"
#include "console/pages/pages.h"
#include "export/item_csv.h"
#include "export/printable_record.h"

namespace vigil::collector::console {
namespace {

std::optional<int64_t> parse_id(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(text);
}

std::string join_ids(const std::vector<int64_t>& ids) {
  std::string out;
  for (const int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

Reply csv_reply(std::string csv, const std::string& filename) {
  Response r = text_response(http::status::ok, "text/csv; charset=utf-8", std::move(csv));
  r.set(http::field::content_disposition, "attachment; filename=\"" + filename + "\"");
  return Reply{std::move(r)};
}

Reply record_reply(FeatureDeps& f, const RequestContext& ctx, const std::vector<ExportItem>& items) {
  const PrintableRecordContext context{f.school, ctx.session->username, std::chrono::system_clock::now()};
  Response r = text_response(http::status::ok, "text/html; charset=utf-8", printable_record_html(items, context));
  // Stricter than the console's own policy: no script at all, and only the record's style block.
  r.set("Content-Security-Policy", printable_record_csp());
  return Reply{std::move(r)};
}

// The items an export is about: one from the path, or the inbox's filtered set.
Result<std::vector<int64_t>> export_ids(ConsoleDeps& deps, const RequestContext& ctx, bool single, std::string& problem) {
  if (single) {
    const auto id = parse_id(ctx.args[0]);
    if (!id) {
      problem = "no such item";
      return std::vector<int64_t>{};
    }
    return std::vector<int64_t>{*id};
  }
  triage::InboxFilter filter;
  int page = 1;
  if (auto bad = read_inbox_filter(ctx.query, filter, page)) {
    problem = *bad;
    return std::vector<int64_t>{};
  }
  filter.limit = kMaxExportItems;
  filter.offset = 0;
  auto found = deps.triage.inbox(filter);
  if (!found) return found.error();
  if (found->total > kMaxExportItems) {
    problem = std::to_string(found->total) + " items match; an export holds at most " + std::to_string(kMaxExportItems) + ", so narrow the filter";
    return std::vector<int64_t>{};
  }
  std::vector<int64_t> ids;
  for (const auto& i : found->items) ids.push_back(i.id);
  return ids;
}

Reply export_items(ConsoleDeps& deps, RequestContext& ctx, bool single, bool printable) {
  FeatureDeps& f = *deps.features;
  std::string problem;
  auto ids = export_ids(deps, ctx, single, problem);
  if (!ids) return store_failure(ctx, ids.error());
  if (!problem.empty()) return error_reply(ctx.request, single ? http::status::not_found : http::status::bad_request, problem);
  // Audited before any content is read, naming every item that leaves the console.
  if (auto r = audit(deps, ctx, printable ? "export_record" : "export_csv", "items:" + join_ids(*ids)); !r) return store_failure(ctx, r.error());
  std::vector<ExportItem> items;
  for (const int64_t id : *ids) {
    auto item = f.records.export_item(id);
    if (!item) return store_failure(ctx, item.error());
    if (!item->has_value()) {
      if (single) return error_reply(ctx.request, http::status::not_found, "no such item");
      continue;  // purged between the filter and now
    }
    items.push_back(std::move(**item));
  }
  if (printable) return record_reply(f, ctx, items);
  return csv_reply(items_to_csv(items), single ? "vigil-item-" + ctx.args[0] + ".csv" : "vigil-items.csv");
}

Reply legal_hold(ConsoleDeps& deps, RequestContext& ctx) {
  const auto id = parse_id(ctx.args[0]);
  if (!id) return error_reply(ctx.request, http::status::not_found, "no such item");
  const std::string hold = ctx.form["hold"];
  if (hold != "on" && hold != "off") return error_reply(ctx.request, http::status::bad_request, "hold: must be \"on\" or \"off\", not \"" + hold + "\"");
  if (auto r = audit(deps, ctx, "legal_hold:" + hold, "item:" + std::to_string(*id)); !r) return store_failure(ctx, r.error());
  if (auto r = deps.features->records.set_legal_hold(*id, hold == "on", ctx.session->username); !r) {
    if (r.error().code == ErrorCode::kNotFound) return error_reply(ctx.request, http::status::not_found, "no such item");
    return store_failure(ctx, r.error());
  }
  if (ctx.request[http::field::accept].find("application/json") != std::string_view::npos) return json_reply({{"ok", true}, {"legal_hold", hold == "on"}});
  return Reply{redirect("/items/" + std::to_string(*id))};
}

}  // namespace

std::string item_record_controls(FeatureDeps& f, const RequestContext& ctx, int64_t item) {
  const std::string base = "/items/" + std::to_string(item);
  auto held = f.records.legal_hold(item);
  const bool on = held && *held;
  std::string out = "<section class=\"actions record-controls\" aria-label=\"Records\">";
  out += "<p><a href=\"" + base + "/export.csv\" download>Export CSV</a> · <a href=\"" + base + "/record\" target=\"_blank\" rel=\"noopener\">Printable record</a></p>";
  out += "<form method=\"post\" action=\"" + base + "/legal-hold\">" + csrf_field(ctx);
  out += "<p id=\"legal-hold\">Legal hold: <strong>" + std::string(on ? "on" : "off") + "</strong> ";
  out += on ? "(kept beyond the retention period)" : "(purged after the retention period once resolved)";
  out += "</p><input type=\"hidden\" name=\"hold\" value=\"" + std::string(on ? "off" : "on") + "\">";
  out += "<button type=\"submit\">" + std::string(on ? "Lift legal hold" : "Set legal hold") + "</button></form></section>";
  return out;
}

void add_export_routes(Router& router, ConsoleDeps& deps) {
  router.add({http::verb::get, "/items/{}/export.csv", kContentRoles, false, [&deps](RequestContext& ctx) { return export_items(deps, ctx, true, false); }});
  router.add({http::verb::get, "/items/{}/record", kContentRoles, false, [&deps](RequestContext& ctx) { return export_items(deps, ctx, true, true); }});
  router.add({http::verb::get, "/export.csv", kContentRoles, false, [&deps](RequestContext& ctx) { return export_items(deps, ctx, false, false); }});
  router.add({http::verb::get, "/export/record", kContentRoles, false, [&deps](RequestContext& ctx) { return export_items(deps, ctx, false, true); }});
  router.add({http::verb::post, "/items/{}/legal-hold", kContentRoles, false, [&deps](RequestContext& ctx) { return legal_hold(deps, ctx); }});
}

}  // namespace vigil::collector::console
