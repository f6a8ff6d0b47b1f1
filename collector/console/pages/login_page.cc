// Sign-in and sign-out. The sign-in form is protected against login CSRF by a double-submit
// token (cookie + hidden field); everything after sign-in uses the session's own CSRF token.
#include <chrono>

#include "accounts/password.h"
#include "accounts/totp.h"
#include "console/html.h"
#include "console/page.h"
#include "console/pages/pages.h"

namespace vigil::collector::console {
namespace {

constexpr std::string_view kLoginCsrfCookie = "vigil_login_csrf";

std::string session_cookie(const std::string& value, bool secure, int max_age) {
  return "vigil_session=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age) + (secure ? "; Secure" : "");
}

Reply login_form(const RequestContext& ctx, const std::string& message, http::status status) {
  const std::string token = random_token();
  std::string body;
  if (!message.empty()) body += "<p class=\"error\" role=\"alert\">" + escape(message) + "</p>";
  body += "<form method=\"post\" action=\"/login\" class=\"login\">"
          "<input type=\"hidden\" name=\"login_csrf\" value=\"" + token + "\">"
          "<p><label for=\"username\">User name</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus></p>"
          "<p><label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>"
          "<p><label for=\"code\">Authenticator code (if you set one up)</label><input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\"></p>"
          "<p><button type=\"submit\">Sign in</button></p></form>";
  Reply reply = html_reply(layout(ctx, "Sign in", body), status);
  reply.response.set(http::field::set_cookie, std::string(kLoginCsrfCookie) + "=" + token + "; Path=/login; HttpOnly; SameSite=Strict" +
                                                  (ctx.secure ? "; Secure" : ""));
  return reply;
}

Reply do_login(ConsoleDeps& deps, RequestContext& ctx) {
  if (!same_token(ctx.form["login_csrf"], cookie(ctx.request, kLoginCsrfCookie))) {
    return error_reply(ctx.request, http::status::forbidden, "the sign-in form's security token is missing or out of date; reload the page");
  }
  const std::string username = ctx.form["username"];
  const std::string password = ctx.form["password"];
  const auto now = LoginLimiter::Clock::now();
  if (const int64_t wait = deps.limiter.retry_after(username, ctx.remote, now); wait > 0) {
    Reply r = login_form(ctx, "Too many failed sign-ins. Try again in " + std::to_string((wait + 59) / 60) + " minutes.", http::status::too_many_requests);
    r.response.set(http::field::retry_after, std::to_string(wait));
    return r;
  }
  auto account = deps.accounts.find(username);
  if (!account) return store_failure(ctx, account.error());
  bool ok = false;
  if (*account) {
    ok = verify_password((*account)->password_hash, password);
    if (ok && !(*account)->totp_secret.empty()) ok = verify_totp((*account)->totp_secret, ctx.form["code"], std::chrono::system_clock::now());
  } else {
    burn_password_check(password);
  }
  if (!ok) {
    deps.limiter.failed(username, ctx.remote, now);
    triage::AuditEntry e{0, 0, username, "", "login_failed", "", ctx.remote};
    (void)deps.triage.append_audit(e);
    return login_form(ctx, "The user name, password or code is wrong.", http::status::unauthorized);
  }
  deps.limiter.succeeded(username);
  const std::string token = deps.sessions.create(username, (*account)->role);
  triage::AuditEntry e{0, 0, username, std::string(role_name((*account)->role)), "login", "", ctx.remote};
  (void)deps.triage.append_audit(e);
  Reply reply{redirect("/")};
  reply.response.set(http::field::set_cookie,
                     session_cookie(token, ctx.secure, static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(kSessionMaxAge).count())));
  return reply;
}

}  // namespace

void add_login_routes(Router& router, ConsoleDeps& deps) {
  router.add({http::verb::get, "/login", {}, true, [](RequestContext& ctx) { return login_form(ctx, "", http::status::ok); }});
  router.add({http::verb::post, "/login", {}, true, [&deps](RequestContext& ctx) { return do_login(deps, ctx); }});
  router.add({http::verb::post, "/logout", {Role::kDsl, Role::kDeputyDsl, Role::kNetworkManager, Role::kGovernor}, false,
              [&deps](RequestContext& ctx) {
                deps.sessions.destroy(ctx.session_token);
                (void)audit(deps, ctx, "logout", "");
                Reply reply{redirect("/login")};
                reply.response.set(http::field::set_cookie, session_cookie("", ctx.secure, 0));
                return reply;
              }});
  // Each role lands where its work is.
  router.add({http::verb::get, "/", {Role::kDsl, Role::kDeputyDsl, Role::kNetworkManager, Role::kGovernor}, false, [](RequestContext& ctx) {
                switch (ctx.session->role) {
                  case Role::kDsl:
                  case Role::kDeputyDsl: return Reply{redirect("/inbox")};
                  case Role::kNetworkManager: return Reply{redirect("/devices")};
                  case Role::kGovernor: return Reply{redirect("/report")};  // suppressed counts only
                }
                return Reply{redirect("/login")};
              }});
}

}  // namespace vigil::collector::console
