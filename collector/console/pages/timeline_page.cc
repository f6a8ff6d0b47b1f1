// GET /pupils/{user} and /api/pupils/{user}/timeline: everything one pupil's captures show,
// newest first, each linked to its item. Audited before it is read.
#include <google/protobuf/util/time_util.h>

#include "console/html.h"
#include "console/page.h"
#include "console/pages/item_json.h"
#include "console/pages/pages.h"

namespace vigil::collector::console {
namespace {

constexpr int kTimelinePage = 100;

Reply timeline(ConsoleDeps& deps, RequestContext& ctx, bool json) {
  const std::string& user = ctx.args.at(0);
  int page = 1;
  if (auto it = ctx.query.find("page"); it != ctx.query.end()) {
    if (it->second.empty() || it->second.size() > 6 || it->second.find_first_not_of("0123456789") != std::string::npos || std::stoi(it->second) < 1) {
      return error_reply(ctx.request, http::status::bad_request, "page: must be a positive number");
    }
    page = std::stoi(it->second);
  }
  if (auto r = audit(deps, ctx, "view_timeline", "pupil:" + user); !r) return store_failure(ctx, r.error());
  auto pupil = deps.triage.pupil(user);
  if (!pupil) return store_failure(ctx, pupil.error());
  auto captures = deps.triage.timeline(user, kTimelinePage, (page - 1) * kTimelinePage);
  if (!captures) return store_failure(ctx, captures.error());
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : *captures) list.push_back(capture_view_json(v));
    return json_reply({{"user", user}, {"pupil", {{"name", pupil->name}, {"year_group", pupil->year_group}, {"form", pupil->form}}}, {"page", page}, {"captures", list}});
  }
  std::string body = "<p>" + pupil_label(*pupil) + (pupil->year_group.empty() ? "" : ", year " + escape(pupil->year_group)) +
                     (pupil->form.empty() ? "" : ", form " + escape(pupil->form)) + "</p>";
  body += "<p><a href=\"/inbox?status=all&amp;pupil=" + escape(url_encode(user)) + "\">This pupil's items</a></p><ol class=\"items timeline\">";
  for (const auto& v : *captures) {
    const v1::Capture& c = v.capture;
    body += "<li><div class=\"meta\"><span><time>" + escape(format_time(google::protobuf::util::TimeUtil::TimestampToMilliseconds(c.observed_at()))) + "</time></span>";
    body += "<span>" + escape(v.hostname.empty() ? c.device_id() : v.hostname) + "</span><span>App: " + escape(c.application().process_name()) + "</span>";
    if (!c.window_title().empty()) body += "<span>Window: " + escape(c.window_title()) + "</span>";
    if (!c.url().empty()) body += "<span>URL: <span class=\"url\">" + escape(c.url()) + "</span></span>";
    if (v.item_id) body += "<span><a href=\"/items/" + std::to_string(v.item_id) + "\">Item " + std::to_string(v.item_id) + "</a></span>";
    body += "</div><div class=\"context\">" + highlight(c) + "</div></li>";
  }
  body += "</ol>";
  if (static_cast<int>(captures->size()) == kTimelinePage) {
    body += "<p><a href=\"/pupils/" + escape(url_encode(user)) + "?page=" + std::to_string(page + 1) + "\">Older captures</a></p>";
  }
  return html_reply(layout(ctx, "Timeline: " + (pupil->name.empty() ? user : pupil->name), body));
}

}  // namespace

void add_timeline_routes(Router& router, ConsoleDeps& deps) {
  router.add({http::verb::get, "/pupils/{}", kContentRoles, false, [&deps](RequestContext& ctx) { return timeline(deps, ctx, false); }});
  router.add({http::verb::get, "/api/pupils/{}/timeline", kContentRoles, false, [&deps](RequestContext& ctx) { return timeline(deps, ctx, true); }});
}

}  // namespace vigil::collector::console
