#include "console/router.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "console/html.h"

namespace vigil::collector::console {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  return out;
}

bool match(const std::string& pattern, std::string_view path, std::vector<std::string>& args) {
  const auto want = segments(pattern);
  const auto got = segments(path);
  if (want.size() != got.size()) return false;
  std::vector<std::string> captured;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "{}") captured.push_back(url_decode(got[i]));
    else if (want[i] != got[i]) return false;
  }
  args = std::move(captured);
  return true;
}

bool state_changing(http::verb v) { return v != http::verb::get && v != http::verb::head; }

}  // namespace

bool wants_json(const Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  return target.rfind("/api/", 0) == 0 || target == "/events";
}

void add_security_headers(Response& res, bool secure, bool cacheable) {
  // A handler may have set a stricter policy of its own (the printable record: no script at all).
  if (res.find("Content-Security-Policy") == res.end()) {
    res.set("Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
  }
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  res.set(http::field::cache_control, cacheable ? "private, max-age=3600" : "no-store");
  if (secure) res.set(http::field::strict_transport_security, "max-age=31536000");
}

Reply error_reply(const Request& request, http::status status, const std::string& message) {
  if (wants_json(request)) {
    return {text_response(status, "application/json", nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))};
  }
  const std::string reason(http::obsolete_reason(status));
  return {text_response(status, "text/html; charset=utf-8",
                        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(reason) +
                            "</title><link rel=\"stylesheet\" href=\"/assets/console.css\"></head><body><main><h1>" + escape(reason) +
                            "</h1><p class=\"error\">" + escape(message) + "</p><p><a href=\"/\">Back to the console</a></p></main></body></html>")};
}

void Router::add(Route route) { routes_.push_back(std::move(route)); }

Reply Router::handle(const Request& request, const std::string& remote, bool secure) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view path = path_of(target);
  const Route* found = nullptr;
  bool path_known = false;
  std::vector<std::string> args;
  for (const auto& r : routes_) {
    std::vector<std::string> a;
    if (!match(r.pattern, path, a)) continue;
    path_known = true;
    const bool head_as_get = request.method() == http::verb::head && r.method == http::verb::get;
    if (r.method == request.method() || head_as_get) {
      found = &r;
      args = std::move(a);
      break;
    }
  }
  Reply reply;
  bool cacheable = false;
  RequestContext ctx{request, std::string(path), query_of(target), {}, std::move(args), std::nullopt, {}, remote, secure};
  if (!found) {
    reply = error_reply(request, path_known ? http::status::method_not_allowed : http::status::not_found,
                        path_known ? "that method is not allowed here" : "no such page");
  } else if (found->anonymous) {
    if (request.method() == http::verb::post) ctx.form = parse_form(request.body());
    reply = found->handler(ctx);
    cacheable = ctx.path.rfind("/assets/", 0) == 0;
  } else {
    ctx.session_token = cookie(request, "vigil_session");
    ctx.session = sessions_.find(ctx.session_token);
    if (!ctx.session) {
      // Pages send the browser to sign in; API calls, event streams and posts get a plain 401.
      if (request.method() == http::verb::get && !wants_json(request)) reply = {redirect("/login")};
      else reply = error_reply(request, http::status::unauthorized, "sign in first");
    } else if (std::find(found->roles.begin(), found->roles.end(), ctx.session->role) == found->roles.end()) {
      reply = error_reply(request, http::status::forbidden, "your role (" + std::string(role_name(ctx.session->role)) + ") may not open this");
    } else {
      if (state_changing(request.method())) {
        const auto content_type = request[http::field::content_type];
        if (content_type.starts_with("application/x-www-form-urlencoded")) ctx.form = parse_form(request.body());
        std::string token(request["X-CSRF-Token"]);
        if (token.empty()) token = ctx.form["csrf"];
        if (!same_token(token, ctx.session->csrf_token)) {
          reply = error_reply(request, http::status::forbidden, "the form's security token is missing or out of date; reload the page and try again");
          add_security_headers(reply.response, secure, false);
          return reply;
        }
      }
      reply = found->handler(ctx);
      reply.session_token = ctx.session_token;
    }
  }
  reply.response.keep_alive(request.keep_alive());
  add_security_headers(reply.response, secure, cacheable);
  if (request.method() == http::verb::head) reply.response.body().clear();
  return reply;
}

}  // namespace vigil::collector::console
