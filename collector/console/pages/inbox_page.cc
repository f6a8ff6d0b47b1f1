// GET /inbox (HTML) and GET /api/inbox (JSON): open items, most severe and newest first, with the
// filters a DSL needs. Showing the inbox shows pupil text, so each view is audited first.
#include "console/html.h"
#include "console/page.h"
#include "console/pages/item_json.h"
#include "console/pages/pages.h"

namespace vigil::collector::console {
namespace {

constexpr int kPageSize = 50;
constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;

// The filters from the query string, or a message naming the bad one.
std::optional<std::string> read_filter(const Params& q, triage::InboxFilter& f, int& page) {
  const auto get = [&](const char* key) {
    auto it = q.find(key);
    return it == q.end() ? std::string() : it->second;
  };
  if (auto c = get("category"); !c.empty()) f.category = c;
  if (auto s = get("severity"); !s.empty()) {
    if (s.size() != 1 || s[0] < '1' || s[0] > '5') return "severity: must be 1 to 5, not \"" + s + "\"";
    f.min_severity = s[0] - '0';
  }
  if (auto s = get("status"); s == "all") {
    f.all_statuses = true;
  } else if (!s.empty() && s != "open") {
    f.status = triage::parse_status(s);
    if (!f.status) return "status: \"" + s + "\" is not a status";
  }
  int64_t ms = 0;
  if (auto d = get("from"); !d.empty()) {
    if (!parse_date(d, ms)) return "from: expected a date like 2026-11-26, not \"" + d + "\"";
    f.from = ms;
  }
  if (auto d = get("to"); !d.empty()) {
    if (!parse_date(d, ms)) return "to: expected a date like 2026-11-26, not \"" + d + "\"";
    f.to = ms + kDayMs - 1;
  }
  f.year_group = get("year");
  f.device_group = get("device_group");
  f.text = get("q");
  f.user = get("pupil");
  page = 1;
  if (auto p = get("page"); !p.empty()) {
    if (p.size() > 6 || p.find_first_not_of("0123456789") != std::string::npos || std::stoi(p) < 1) return "page: must be a positive number";
    page = std::stoi(p);
  }
  f.limit = kPageSize;
  f.offset = (page - 1) * kPageSize;
  return std::nullopt;
}

std::string select(const char* id, const char* label, const std::string& current, const std::vector<std::pair<std::string, std::string>>& options) {
  std::string out = "<div><label for=\"" + std::string(id) + "\">" + label + "</label><select id=\"" + id + "\" name=\"" + id + "\">";
  for (const auto& [value, text] : options) {
    out += "<option value=\"" + escape(value) + "\"" + (value == current ? " selected" : "") + ">" + escape(text) + "</option>";
  }
  return out + "</select></div>";
}

std::string filter_form(ConsoleDeps& deps, const Params& q) {
  const auto get = [&](const char* key) {
    auto it = q.find(key);
    return it == q.end() ? std::string() : it->second;
  };
  std::vector<std::pair<std::string, std::string>> categories = {{"", "Any category"}};
  if (auto c = deps.triage.categories()) {
    for (const auto& name : *c) categories.emplace_back(name, name);
  }
  std::vector<std::pair<std::string, std::string>> statuses = {{"open", "Open (new, in review, escalated)"}, {"all", "Any status"}};
  for (auto s : triage::kAllStatuses) statuses.emplace_back(std::string(triage::status_name(s)), std::string(triage::status_label(s)));
  std::vector<std::pair<std::string, std::string>> years = {{"", "Any year group"}};
  if (auto y = deps.triage.year_groups()) {
    for (const auto& name : *y) years.emplace_back(name, name);
  }
  std::vector<std::pair<std::string, std::string>> groups = {{"", "Any device group"}};
  if (auto g = deps.triage.device_groups()) {
    for (const auto& name : *g) groups.emplace_back(name, name);
  }
  std::string out = "<form method=\"get\" action=\"/inbox\" class=\"filters\" role=\"search\" aria-label=\"Filter the inbox\">";
  out += select("category", "Category", get("category"), categories);
  out += select("severity", "Minimum severity", get("severity"),
                {{"", "Any severity"}, {"5", "5 (risk to life)"}, {"4", "4 or more"}, {"3", "3 or more"}, {"2", "2 or more"}, {"1", "1 or more"}});
  out += select("status", "Status", get("status").empty() ? "open" : get("status"), statuses);
  out += "<div><label for=\"from\">From</label><input type=\"date\" id=\"from\" name=\"from\" value=\"" + escape(get("from")) + "\"></div>";
  out += "<div><label for=\"to\">To</label><input type=\"date\" id=\"to\" name=\"to\" value=\"" + escape(get("to")) + "\"></div>";
  out += select("year", "Year group", get("year"), years);
  out += select("device_group", "Device group", get("device_group"), groups);
  out += "<div><label for=\"q\">Text</label><input type=\"search\" id=\"q\" name=\"q\" value=\"" + escape(get("q")) + "\"></div>";
  out += "<div><button type=\"submit\">Filter</button> <a href=\"/inbox\">Clear</a></div></form>";
  return out;
}

std::string item_card(const triage::ItemSummary& s) {
  const v1::Capture& c = s.latest;
  std::string out = "<li><h2 class=\"item-title\"><a class=\"item-link\" href=\"/items/" + std::to_string(s.id) + "\">" + severity_badge(s.max_severity) +
                    " " + escape(s.category) + " &middot; " + pupil_label(s.pupil) + "</a></h2>";
  out += "<div class=\"meta\">";
  if (!s.pupil.year_group.empty()) out += "<span>Year " + escape(s.pupil.year_group) + (s.pupil.form.empty() ? "" : " (" + escape(s.pupil.form) + ")") + "</span>";
  out += "<span>Device: " + escape(s.hostname.empty() ? s.device_id : s.hostname) + "</span>";
  out += "<span>App: " + escape(c.application().process_name()) + "</span>";
  if (!c.window_title().empty()) out += "<span>Window: " + escape(c.window_title()) + "</span>";
  if (!c.url().empty()) out += "<span>URL: <span class=\"url\">" + escape(c.url()) + "</span></span>";
  out += "<span>Last: <time>" + escape(format_time(s.last_at)) + "</time></span>";
  out += "<span>Status: " + escape(triage::status_label(s.status)) + "</span>";
  if (!s.assignee.empty()) out += "<span>Assigned to " + escape(s.assignee) + "</span>";
  if (s.capture_count > 1) out += "<span class=\"grouped\">" + std::to_string(s.capture_count) + " captures grouped</span>";
  out += "</div><div class=\"context\">" + highlight(c) + "</div></li>";
  return out;
}

std::string pager(const Params& q, int page, int64_t total, bool capped, bool page_full) {
  const auto link = [&](int to, const char* label) {
    Params p = q;
    p["page"] = std::to_string(to);
    std::string query;
    for (const auto& [k, v] : p) query += (query.empty() ? "?" : "&") + url_encode(k) + "=" + url_encode(v);
    return "<a href=\"/inbox" + escape(query) + "\">" + label + "</a>";
  };
  // The count is capped, so past it the next page exists as long as this one was full.
  const int64_t counted_pages = std::max<int64_t>(1, (total + kPageSize - 1) / kPageSize);
  const bool more = capped ? page_full : page < counted_pages;
  std::string out = "<nav aria-label=\"Pages\" class=\"pager\">";
  if (page > 1) out += link(page - 1, "Previous page") + " ";
  out += "Page " + std::to_string(page) + (capped ? "" : " of " + std::to_string(counted_pages));
  if (more) out += " " + link(page + 1, "Next page");
  return out + "</nav>";
}

Reply inbox(ConsoleDeps& deps, RequestContext& ctx, bool json) {
  triage::InboxFilter f;
  int page = 1;
  if (auto bad = read_filter(ctx.query, f, page)) return error_reply(ctx.request, http::status::bad_request, *bad);
  std::string target(ctx.request.target());
  if (auto r = audit(deps, ctx, "view_inbox", target); !r) return store_failure(ctx, r.error());
  auto result = deps.triage.inbox(f);
  if (!result) return store_failure(ctx, result.error());
  if (json) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& s : result->items) items.push_back(item_summary_json(s));
    return json_reply({{"total", result->total}, {"total_capped", result->total_capped}, {"page", page}, {"items", items}});
  }
  std::string body = filter_form(deps, ctx.query);
  body += "<p class=\"muted\">" + (result->total_capped ? "More than " + std::to_string(result->total - 1) : std::to_string(result->total)) +
          " items, most severe and newest first.</p>";
  body += "<ul class=\"items\" aria-label=\"Inbox items\">";
  for (const auto& s : result->items) body += item_card(s);
  body += "</ul>" + pager(ctx.query, page, result->total, result->total_capped, result->items.size() == kPageSize);
  return html_reply(layout(ctx, "Inbox", body));
}

}  // namespace

std::optional<std::string> read_inbox_filter(const Params& query, triage::InboxFilter& filter, int& page) {
  return read_filter(query, filter, page);
}

void add_inbox_routes(Router& router, ConsoleDeps& deps) {
  router.add({http::verb::get, "/inbox", kContentRoles, false, [&deps](RequestContext& ctx) { return inbox(deps, ctx, false); }});
  router.add({http::verb::get, "/api/inbox", kContentRoles, false, [&deps](RequestContext& ctx) { return inbox(deps, ctx, true); }});
}

}  // namespace vigil::collector::console
