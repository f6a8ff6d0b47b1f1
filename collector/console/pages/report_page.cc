// The governors' report: GET /report?month=YYYY-MM (HTML with a chart), /report.json (what the
// chart script reads), /report.csv. Governors and DSL roles. Counts only, small numbers suppressed
// (collector/reports/README.md); each view is audited like any other.
#include <cstdio>

#include "console/html.h"
#include "console/page.h"
#include "console/pages/feature_routes.h"
#include "reports/governor_report.h"

namespace vigil::collector::console {
namespace {

const std::vector<Role> kReportRoles = {Role::kGovernor, Role::kDsl, Role::kDeputyDsl};

std::chrono::system_clock::time_point month_start(int y, int m) {
  return std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(static_cast<unsigned>(m)) / 1);
}

std::string shift_month(const std::string& month, int delta) {
  int y = std::stoi(month.substr(0, 4));
  int m = std::stoi(month.substr(5, 2)) + delta;
  while (m < 1) m += 12, --y;
  while (m > 12) m -= 12, ++y;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", y % 10000, m);
  return buf;
}

// The report for ?month= (default: this month), or a message naming the bad value.
Result<GovernorReport> build(ConsoleDeps& deps, const RequestContext& ctx, std::string& month) {
  auto it = ctx.query.find("month");
  month = it == ctx.query.end() || it->second.empty() ? month_of(std::chrono::system_clock::now()) : it->second;
  if (!build_governor_report({}, month)) return make_error(ErrorCode::kInvalidArgument, "month: must be YYYY-MM, not \"" + month + "\"");
  const std::string previous = shift_month(month, -1);
  const auto from = month_start(std::stoi(previous.substr(0, 4)), std::stoi(previous.substr(5, 2)));
  const std::string next = shift_month(month, 1);
  const auto to = month_start(std::stoi(next.substr(0, 4)), std::stoi(next.substr(5, 2)));
  auto rows = deps.features->records.report_items(from, to);
  if (!rows) return rows.error();
  return build_governor_report(*rows, month);
}

std::string cell_html(const ReportCell& c) {
  const char* cls = c.state == CellState::kShown ? "" : " class=\"suppressed\"";
  return "<td" + std::string(cls) + ">" + escape(c.display()) + "</td>";
}

Reply page(ConsoleDeps& deps, RequestContext& ctx, const std::string& format) {
  std::string month;
  auto report = build(deps, ctx, month);
  if (!report) {
    if (report.error().code == ErrorCode::kInvalidArgument) return error_reply(ctx.request, http::status::bad_request, report.error().message);
    return store_failure(ctx, report.error());
  }
  if (auto r = audit(deps, ctx, "view_report", "month:" + month); !r) return store_failure(ctx, r.error());
  if (format == "json") return {text_response(http::status::ok, "application/json", governor_report_json(*report))};
  if (format == "csv") {
    Response r = text_response(http::status::ok, "text/csv; charset=utf-8", governor_report_csv(*report));
    r.set(http::field::content_disposition, "attachment; filename=\"vigil-report-" + month + ".csv\"");
    return Reply{std::move(r)};
  }
  const MonthTable& t = report->current;
  const std::string q = "?month=" + url_encode(month);
  std::string body = "<p><a href=\"/report?month=" + shift_month(month, -1) + "\">Previous month</a> · <a href=\"/report?month=" +
                     shift_month(month, 1) + "\">Next month</a> · <a href=\"/report.csv" + q + "\" download>Download CSV</a></p>";
  body += "<p>Safeguarding concerns opened in " + escape(month) + " (UTC), by category and year group, against " + escape(report->previous.month) +
          ". No names or typed text. Numbers from 1 to 4 are shown as &lt;5; a * hides another number so a &lt;5 cannot be worked out "
          "from the totals.</p>";
  body += "<table id=\"report-table\"><caption>Concerns in " + escape(month) + "</caption><thead><tr><th scope=\"col\">Category</th>";
  for (const auto& y : t.year_groups) body += "<th scope=\"col\">" + escape(y) + "</th>";
  body += "<th scope=\"col\">Total</th><th scope=\"col\">" + escape(report->previous.month) + "</th><th scope=\"col\">Trend</th></tr></thead><tbody>";
  for (size_t r = 0; r < t.categories.size(); ++r) {
    body += "<tr><th scope=\"row\">" + escape(t.categories[r]) + "</th>";
    for (const auto& c : t.cells[r]) body += cell_html(c);
    body += cell_html(t.category_totals[r]) + cell_html(report->previous.category_totals[r]) + "<td>" + escape(trend_label(report->category_trends[r])) + "</td></tr>";
  }
  body += "<tr><th scope=\"row\">All categories</th>";
  for (const auto& c : t.year_group_totals) body += cell_html(c);
  body += cell_html(t.total) + cell_html(report->previous.total) + "<td>" + escape(trend_label(report->total_trend)) + "</td></tr></tbody></table>";
  if (t.categories.empty()) body += "<p>No concerns were opened in these two months.</p>";
  body += "<figure><canvas id=\"report-chart\" role=\"img\" aria-label=\"Concerns by category, this month and last\" data-src=\"/report.json" + q +
          "\"></canvas></figure>";
  // Chart.js and the drawing script are files (the CSP forbids inline script).
  body += "<script src=\"/assets/chart.umd.js\" defer></script><script src=\"/assets/governor_report.js\" defer></script>";
  return html_reply(layout(ctx, "Governors' report", body));
}

}  // namespace

void add_report_routes(Router& router, ConsoleDeps& deps) {
  router.add({http::verb::get, "/report", kReportRoles, false, [&deps](RequestContext& ctx) { return page(deps, ctx, "html"); }});
  router.add({http::verb::get, "/report.json", kReportRoles, false, [&deps](RequestContext& ctx) { return page(deps, ctx, "json"); }});
  router.add({http::verb::get, "/report.csv", kReportRoles, false, [&deps](RequestContext& ctx) { return page(deps, ctx, "csv"); }});
}

}  // namespace vigil::collector::console
