// One item: every grouped capture with its matched words highlighted in context, and the DSL's
// actions (status, assignee, notes, proposing a rule exception after a false positive).
// Viewing and every change are audited before the store is touched.
#include <google/protobuf/util/time_util.h>

#include <set>

#include "console/html.h"
#include "console/page.h"
#include "console/pages/item_json.h"
#include "console/pages/feature_routes.h"
#include "console/pages/pages.h"

namespace vigil::collector::console {
namespace {

constexpr size_t kMaxNoteBytes = 8000;

std::optional<int64_t> item_id(const RequestContext& ctx) {
  const std::string& s = ctx.args.at(0);
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(s);
}

std::string capture_card(const triage::CaptureView& v) {
  const v1::Capture& c = v.capture;
  std::string out = "<li class=\"capture\"><div class=\"meta\">";
  out += "<span><time>" + escape(format_time(google::protobuf::util::TimeUtil::TimestampToMilliseconds(c.observed_at()))) + "</time></span>";
  out += "<span>Source: " + std::string(source_label(c.source())) + "</span>";
  out += "<span>Device: " + escape(v.hostname.empty() ? c.device_id() : v.hostname) + "</span>";
  out += "<span>App: " + escape(c.application().process_name()) + "</span>";
  if (!c.window_title().empty()) out += "<span>Window: " + escape(c.window_title()) + "</span>";
  // Shown as text, never as a link: a pupil-controlled URL (javascript:, a phishing page) must not be one click away.
  if (!c.url().empty()) out += "<span>URL: <span class=\"url\">" + escape(c.url()) + "</span></span>";
  if (c.deleted()) out += "<span class=\"error\">Typed, then deleted</span>";
  if (c.unsubmitted()) out += "<span>Never submitted</span>";
  out += "</div><div class=\"context\">" + highlight(c) + "</div><div class=\"meta\">";
  for (const auto& h : c.hits()) out += "<span>" + severity_badge(static_cast<int>(h.severity())) + " " + escape(h.category()) + ": " + escape(h.rule_id()) + "</span>";
  return out + "</div></li>";
}

std::string actions(ConsoleDeps& deps, const RequestContext& ctx, const triage::ItemDetail& d) {
  const auto& s = d.summary;
  const std::string base = "/items/" + std::to_string(s.id);
  std::string out = "<section class=\"actions\" aria-label=\"Actions\">";
  out += "<form method=\"post\" action=\"" + base + "/status\">" + csrf_field(ctx) + "<label for=\"status\">Status</label><select id=\"status\" name=\"status\">";
  for (auto st : triage::kAllStatuses) {
    if (st != s.status && !triage::transition_allowed(s.status, st)) continue;
    out += "<option value=\"" + std::string(triage::status_name(st)) + "\"" + (st == s.status ? " selected" : "") + ">" +
           std::string(triage::status_label(st)) + "</option>";
  }
  out += "</select> <button type=\"submit\">Update status</button></form>";
  out += "<form method=\"post\" action=\"" + base + "/assign\">" + csrf_field(ctx) + "<label for=\"assignee\">Assignee</label><select id=\"assignee\" name=\"assignee\">";
  out += "<option value=\"\">Nobody</option>";
  if (auto accounts = deps.accounts.list()) {
    for (const auto& a : *accounts) {
      if (!sees_content(a.role)) continue;
      out += "<option value=\"" + escape(a.username) + "\"" + (a.username == s.assignee ? " selected" : "") + ">" + escape(a.username) + "</option>";
    }
  }
  out += "</select> <button type=\"submit\">Assign</button></form>";
  out += "<form method=\"post\" action=\"" + base + "/notes\">" + csrf_field(ctx) +
         "<label for=\"note\">Add a note</label><textarea id=\"note\" name=\"note\" rows=\"3\" cols=\"40\" required></textarea> "
         "<button type=\"submit\">Add note</button></form>";
  if (s.status == triage::Status::kFalsePositive) {
    std::set<std::string> rules;
    for (const auto& v : d.captures) {
      for (const auto& h : v.capture.hits()) rules.insert(h.rule_id());
    }
    out += "<form method=\"post\" action=\"" + base + "/exception\">" + csrf_field(ctx) +
           "<p><strong>Propose an exception</strong> so this rule stops flagging text like this; a network manager approves it.</p>"
           "<label for=\"rule\">Rule</label><select id=\"rule\" name=\"rule\">";
    for (const auto& r : rules) out += "<option value=\"" + escape(r) + "\">" + escape(r) + "</option>";
    out += "</select><label for=\"reason\">Why is this not a concern?</label><textarea id=\"reason\" name=\"reason\" rows=\"2\" cols=\"40\" required></textarea> "
           "<button type=\"submit\">Propose exception</button></form>";
  }
  return out + "</section>";
}

Reply show(ConsoleDeps& deps, RequestContext& ctx, bool json) {
  const auto id = item_id(ctx);
  if (!id) return error_reply(ctx.request, http::status::not_found, "no such item");
  if (auto r = audit(deps, ctx, "view_item", "item:" + std::to_string(*id)); !r) return store_failure(ctx, r.error());
  auto detail = deps.triage.item(*id);
  if (!detail) return store_failure(ctx, detail.error());
  if (!*detail) return error_reply(ctx.request, http::status::not_found, "no item " + std::to_string(*id));
  const auto& d = **detail;
  const auto& s = d.summary;
  if (json) {
    nlohmann::json j = item_summary_json(s);
    j["captures_shown"] = nlohmann::json::array();
    for (const auto& v : d.captures) j["captures_shown"].push_back(capture_view_json(v));
    j["notes"] = nlohmann::json::array();
    for (const auto& n : d.notes) j["notes"].push_back({{"author", n.author}, {"at", n.at}, {"body", n.body}});
    j["history"] = nlohmann::json::array();
    for (const auto& e : d.history) j["history"].push_back({{"actor", e.actor}, {"at", e.at}, {"kind", e.kind}, {"detail", e.detail}});
    return json_reply(j);
  }
  std::string body = "<dl class=\"meta summary\">";
  const auto row = [&](std::string_view k, const std::string& v_html) { body += "<dt>" + std::string(k) + "</dt><dd>" + v_html + "</dd>"; };
  row("Pupil", "<a href=\"/pupils/" + escape(url_encode(s.user)) + "\">" + pupil_label(s.pupil) + "</a>" + (s.pupil.name.empty() ? " <span class=\"muted\">(not in the pupil list)</span>" : ""));
  if (!s.pupil.year_group.empty()) row("Year", escape(s.pupil.year_group) + (s.pupil.form.empty() ? "" : " (" + escape(s.pupil.form) + ")"));
  row("Category", escape(s.category));
  row("Severity", severity_badge(s.max_severity));
  row("Status", "<span id=\"item-status\">" + escape(triage::status_label(s.status)) + "</span>");
  row("Assignee", "<span id=\"item-assignee\">" + escape(s.assignee.empty() ? "nobody" : s.assignee) + "</span>");
  row("First", escape(format_time(s.first_at)));
  row("Last", escape(format_time(s.last_at)));
  row("Captures", std::to_string(s.capture_count) + (static_cast<int64_t>(d.captures.size()) < s.capture_count ? " (newest " + std::to_string(d.captures.size()) + " shown)" : ""));
  body += "</dl>" + actions(deps, ctx, d);
  if (deps.features) body += item_record_controls(*deps.features, ctx, s.id);
  body += "<h2>Captures</h2><ul class=\"items\">";
  for (const auto& v : d.captures) body += capture_card(v);
  body += "</ul><h2>Notes</h2><ul class=\"notes\">";
  for (const auto& n : d.notes) body += "<li><span class=\"muted\">" + escape(format_time(n.at)) + ", " + escape(n.author) + ":</span> <span class=\"note-body\">" + escape(n.body) + "</span></li>";
  body += "</ul><h2>History</h2><ul class=\"history\">";
  for (const auto& e : d.history) body += "<li>" + escape(format_time(e.at)) + " " + escape(e.actor) + ": " + escape(e.detail) + "</li>";
  for (const auto& p : d.proposals) body += "<li>Exception for " + escape(p.rule_id) + ": " + escape(p.state) + "</li>";
  body += "</ul>";
  return html_reply(layout(ctx, "Item " + std::to_string(s.id), body));
}

// Runs one change, audited first; answers with a redirect back to the item (or JSON for API callers).
Reply change(ConsoleDeps& deps, RequestContext& ctx, const std::string& action, const std::function<Result<void>(int64_t)>& apply) {
  const auto id = item_id(ctx);
  if (!id) return error_reply(ctx.request, http::status::not_found, "no such item");
  if (auto r = audit(deps, ctx, action, "item:" + std::to_string(*id)); !r) return store_failure(ctx, r.error());
  if (auto r = apply(*id); !r) {
    const auto status = r.error().code == ErrorCode::kNotFound          ? http::status::not_found
                        : r.error().code == ErrorCode::kInvalidArgument ? http::status::conflict
                                                                        : http::status::internal_server_error;
    if (status == http::status::internal_server_error) return store_failure(ctx, r.error());
    return error_reply(ctx.request, status, r.error().message);
  }
  if (ctx.request[http::field::accept].find("application/json") != std::string_view::npos) return json_reply({{"ok", true}});
  return Reply{redirect("/items/" + std::to_string(*id))};
}

}  // namespace

void add_item_routes(Router& router, ConsoleDeps& deps) {
  router.add({http::verb::get, "/items/{}", kContentRoles, false, [&deps](RequestContext& ctx) { return show(deps, ctx, false); }});
  router.add({http::verb::get, "/api/items/{}", kContentRoles, false, [&deps](RequestContext& ctx) { return show(deps, ctx, true); }});
  router.add({http::verb::post, "/items/{}/status", kContentRoles, false, [&deps](RequestContext& ctx) {
                const auto to = triage::parse_status(ctx.form["status"]);
                if (!to) return error_reply(ctx.request, http::status::bad_request, "status: \"" + ctx.form["status"] + "\" is not a status");
                return change(deps, ctx, "status:" + std::string(triage::status_name(*to)),
                              [&](int64_t id) { return deps.triage.set_status(id, *to, ctx.session->username); });
              }});
  router.add({http::verb::post, "/items/{}/assign", kContentRoles, false, [&deps](RequestContext& ctx) {
                const std::string assignee = ctx.form["assignee"];
                if (!assignee.empty()) {
                  auto account = deps.accounts.find(assignee);
                  if (!account) return store_failure(ctx, account.error());
                  if (!*account || !sees_content((*account)->role)) {
                    return error_reply(ctx.request, http::status::bad_request, "assignee: \"" + assignee + "\" is not a DSL or deputy DSL");
                  }
                }
                return change(deps, ctx, "assign", [&](int64_t id) { return deps.triage.assign(id, assignee, ctx.session->username); });
              }});
  router.add({http::verb::post, "/items/{}/notes", kContentRoles, false, [&deps](RequestContext& ctx) {
                const std::string note = ctx.form["note"];
                if (note.empty() || note.size() > kMaxNoteBytes) {
                  return error_reply(ctx.request, http::status::bad_request, "note: write 1 to " + std::to_string(kMaxNoteBytes) + " characters");
                }
                return change(deps, ctx, "note", [&](int64_t id) { return deps.triage.add_note(id, note, ctx.session->username); });
              }});
  router.add({http::verb::post, "/items/{}/exception", kContentRoles, false, [&deps](RequestContext& ctx) {
                const std::string rule = ctx.form["rule"];
                const std::string reason = ctx.form["reason"];
                if (rule.empty() || reason.empty() || reason.size() > kMaxNoteBytes) {
                  return error_reply(ctx.request, http::status::bad_request, "exception: choose a rule and say why (up to 8000 characters)");
                }
                return change(deps, ctx, "propose_exception", [&](int64_t id) -> Result<void> {
                  auto r = deps.triage.propose_exception(id, rule, reason, ctx.session->username);
                  if (!r) return r.error();
                  return {};
                });
              }});
}

}  // namespace vigil::collector::console
