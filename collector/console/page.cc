#include "console/page.h"

#include <spdlog/spdlog.h>

#include "console/html.h"

namespace vigil::collector::console {

std::string csrf_field(const RequestContext& ctx) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(ctx.session ? ctx.session->csrf_token : "") + "\">";
}

std::string layout(const RequestContext& ctx, std::string_view title, std::string_view body_html) {
  std::string nav;
  std::string live;
  if (ctx.session) {
    const Role role = ctx.session->role;
    const auto link = [&](std::string_view href, std::string_view label) {
      nav += "<li><a href=\"" + std::string(href) + "\"" + (ctx.path == href ? " aria-current=\"page\"" : "") + ">" + std::string(label) + "</a></li>";
    };
    if (sees_content(role)) {
      link("/inbox", "Inbox");
      link("/exceptions", "Exception proposals");
      link("/audit", "Audit log");
      // Only content roles get the live alert stream (console.js connects when this is present).
      live = "<div id=\"live-alerts\" class=\"live-alerts\" role=\"status\" aria-live=\"assertive\" data-events=\"/events\"></div>";
    }
    if (role == Role::kNetworkManager) {
      link("/devices", "Devices");
      link("/exceptions", "Exception proposals");
    }
    if (sees_content(role)) link("/overview", "Overview");
    if (role == Role::kGovernor || sees_content(role)) link("/report", "Governors' report");
    if (sees_content(role)) link("/directory/import", "Pupil directory");
    nav += "<li class=\"who\">" + escape(ctx.session->username) + " (" + std::string(role_name(role)) +
           ")</li><li><form method=\"post\" action=\"/logout\">" + csrf_field(ctx) + "<button type=\"submit\">Sign out</button></form></li>";
  }
  std::string out;
  out.reserve(body_html.size() + 2048);
  out += "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += "<title>" + escape(title) + " - Vigil</title><link rel=\"stylesheet\" href=\"/assets/console.css\">";
  out += "<script src=\"/assets/console.js\" defer></script></head><body>";
  out += "<a class=\"skip\" href=\"#main\">Skip to content</a><header><span class=\"brand\">Vigil</span>";
  if (!nav.empty()) out += "<nav aria-label=\"Main\"><ul>" + nav + "</ul></nav>";
  out += "</header>" + live + "<main id=\"main\" tabindex=\"-1\"><h1>" + escape(title) + "</h1>";
  out += body_html;
  out += "</main></body></html>";
  return out;
}

Reply html_reply(std::string html, http::status status) { return {text_response(status, "text/html; charset=utf-8", std::move(html))}; }

Reply json_reply(const nlohmann::json& body, http::status status) {
  // Pupil text may hold invalid UTF-8: replaced, never allowed to abort the reply.
  return {text_response(status, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))};
}

Result<void> audit(ConsoleDeps& deps, const RequestContext& ctx, const std::string& action, const std::string& target) {
  triage::AuditEntry e;
  e.actor = ctx.session ? ctx.session->username : "";
  e.role = ctx.session ? std::string(role_name(ctx.session->role)) : "";
  e.action = action;
  e.target = target;
  e.remote = ctx.remote;
  return deps.triage.append_audit(e);
}

Reply store_failure(const RequestContext& ctx, const Error& error) {
  spdlog::error("console {}: {}", ctx.path, error.message);
  return error_reply(ctx.request, http::status::internal_server_error, "the collector could not read or write its database; see its log");
}

std::string_view source_label(int source) {
  switch (source) {
    case 1: return "keyboard";
    case 2: return "window title";
    case 3: return "URL";
    case 4: return "clipboard";
    default: return "unknown";
  }
}

std::string severity_badge(int severity) {
  const std::string n = std::to_string(severity);
  return "<span class=\"sev sev-" + n + "\" title=\"severity " + n + " of 5\">Severity " + n + "</span>";
}

std::string pupil_label(const triage::Pupil& p) {
  if (p.name.empty()) return escape(p.username);
  return escape(p.name) + " <span class=\"muted\">(" + escape(p.username) + ")</span>";
}

}  // namespace vigil::collector::console
