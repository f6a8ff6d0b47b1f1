// The console's request handling without a socket: the real router, routes and SQLite stores.
#include <doctest/doctest.h>
#include <sodium.h>

#include "accounts/password.h"
#include "collector/triage_fixture.h"
#include "console/console_deps.h"
#include "console/router.h"

using namespace vigil;
using namespace vigil::collector;
using namespace vigil::collector::console;

namespace {

class ConsoleFixture : public test::TriageFixture {
 public:
  ConsoleFixture() : deps{*triage, *accounts, *store, sessions, limiter}, router(sessions) {
    REQUIRE(sodium_init() >= 0);
    add_console_routes(router, deps);
    for (auto [name, role] : {std::pair{"dsl1", Role::kDsl}, std::pair{"nm", Role::kNetworkManager}, std::pair{"gov", Role::kGovernor}}) {
      REQUIRE(accounts->add({name, role, *hash_password(std::string(name) + "-long-password"), ""}).ok());
    }
    put("sam", "bullying", 3, test::kT0, "everyone hates you");
    REQUIRE(triage->sync(5).ok());
    item_id = triage->inbox({})->items.at(0).id;
  }

  Reply get(const std::string& target, const std::string& token = "") {
    Request req{http::verb::get, target, 11};
    if (!token.empty()) req.set(http::field::cookie, "vigil_session=" + token);
    return router.handle(req, "127.0.0.1", true);
  }
  Reply post(const std::string& target, const std::string& body, const std::string& token = "", const std::string& cookies = "") {
    Request req{http::verb::post, target, 11};
    std::string cookie_header = cookies;
    if (!token.empty()) cookie_header += (cookie_header.empty() ? "" : "; ") + std::string("vigil_session=") + token;
    if (!cookie_header.empty()) req.set(http::field::cookie, cookie_header);
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
    req.prepare_payload();
    return router.handle(req, "127.0.0.1", true);
  }
  // Signs in through the real form; returns the session token and its CSRF token.
  std::pair<std::string, std::string> sign_in(const std::string& user) {
    const auto form = get("/login");
    const std::string set_cookie(form.response[http::field::set_cookie]);
    const std::string login_csrf = set_cookie.substr(set_cookie.find('=') + 1, 64);
    auto r = post("/login", "login_csrf=" + login_csrf + "&username=" + user + "&password=" + user + "-long-password", "",
                  "vigil_login_csrf=" + login_csrf);
    REQUIRE(r.response.result() == http::status::see_other);
    const std::string session_cookie(r.response[http::field::set_cookie]);
    REQUIRE(session_cookie.find("HttpOnly; SameSite=Strict") != std::string::npos);
    REQUIRE(session_cookie.find("Secure") != std::string::npos);
    const std::string token = session_cookie.substr(session_cookie.find('=') + 1, 64);
    return {token, sessions.find(token)->csrf_token};
  }

  Sessions sessions;
  LoginLimiter limiter;
  ConsoleDeps deps;
  Router router;
  int64_t item_id = 0;
};

int status(const Reply& r) { return static_cast<int>(r.response.result_int()); }

}  // namespace

TEST_CASE("anonymous requests: pages redirect to sign-in, API and posts get 401, assets and login are open") {
  ConsoleFixture f;
  auto page = f.get("/items/" + std::to_string(f.item_id));
  CHECK(status(page) == 303);
  CHECK(page.response[http::field::location] == "/login");
  CHECK(status(f.get("/api/inbox")) == 401);
  CHECK(status(f.get("/events")) == 401);
  CHECK(status(f.post("/items/1/status", "status=resolved")) == 401);
  CHECK(status(f.get("/login")) == 200);
  CHECK(status(f.get("/assets/console.js")) == 200);
  CHECK(status(f.get("/assets/../collector.db")) == 404);
  CHECK(status(f.get("/nowhere")) == 404);
  // Every response, errors included, carries the security headers.
  for (const auto& r : {page, f.get("/nowhere"), f.get("/assets/console.css")}) {
    const std::string csp(r.response["Content-Security-Policy"]);
    CHECK(csp.find("script-src 'self'") != std::string::npos);
    CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
    CHECK(r.response["X-Content-Type-Options"] == "nosniff");
  }
}

TEST_CASE("roles are enforced per request: content for DSLs only") {
  ConsoleFixture f;
  const auto [dsl, dsl_csrf] = f.sign_in("dsl1");
  const auto [nm, nm_csrf] = f.sign_in("nm");
  const auto [gov, gov_csrf] = f.sign_in("gov");
  const std::string item = "/items/" + std::to_string(f.item_id);
  CHECK(status(f.get(item, dsl)) == 200);
  for (const auto& token : {nm, gov}) {
    CHECK(status(f.get(item, token)) == 403);
    CHECK(status(f.get("/api" + item, token)) == 403);
    CHECK(status(f.get("/inbox", token)) == 403);
    CHECK(status(f.get("/pupils/sam", token)) == 403);
    CHECK(status(f.get("/audit", token)) == 403);
  }
  CHECK(status(f.post(item + "/status", "status=resolved&csrf=" + nm_csrf, nm)) == 403);
  CHECK(status(f.get("/devices", nm)) == 200);
  // Exact counts are for DSLs; governors get /report, where numbers below 5 are suppressed.
  CHECK(status(f.get("/overview", gov)) == 403);
  CHECK(status(f.get("/overview", dsl)) == 200);
  CHECK(f.get("/overview", dsl).response.body().find("everyone hates") == std::string::npos);
}

TEST_CASE("state changes need the session's CSRF token; changes and views are audited") {
  ConsoleFixture f;
  const auto [dsl, csrf] = f.sign_in("dsl1");
  const std::string item = "/items/" + std::to_string(f.item_id);
  CHECK(status(f.post(item + "/status", "status=resolved", dsl)) == 403);
  CHECK(status(f.post(item + "/status", "status=resolved&csrf=" + std::string(64, 'a'), dsl)) == 403);
  CHECK(f.triage->item(f.item_id)->value().summary.status == triage::Status::kNew);
  CHECK(status(f.post(item + "/status", "status=resolved&csrf=" + csrf, dsl)) == 303);
  CHECK(f.triage->item(f.item_id)->value().summary.status == triage::Status::kResolved);
  // A refused transition names both statuses.
  auto refused = f.post(item + "/status", "status=new&csrf=" + csrf, dsl);
  CHECK(status(refused) == 409);
  CHECK(refused.response.body().find("&quot;resolved&quot; cannot become &quot;new&quot;") != std::string::npos);
  CHECK(status(f.post(item + "/status", "status=bogus&csrf=" + csrf, dsl)) == 400);
  CHECK(status(f.get(item, dsl)) == 200);
  auto audit = f.triage->audit_entries(50, 0);
  REQUIRE(audit.ok());
  bool viewed = false, changed = false;
  for (const auto& e : *audit) {
    viewed |= e.action == "view_item" && e.target == "item:" + std::to_string(f.item_id) && e.actor == "dsl1" && e.remote == "127.0.0.1";
    changed |= e.action == "status:resolved";
  }
  CHECK(viewed);
  CHECK(changed);
  // Sign-out ends the session.
  CHECK(status(f.post("/logout", "csrf=" + csrf, dsl)) == 303);
  CHECK(status(f.get(item, dsl)) == 303);
}

TEST_CASE("sign-in: login CSRF, wrong passwords, and the rate limit") {
  ConsoleFixture f;
  const auto form = f.get("/login");
  const std::string set_cookie(form.response[http::field::set_cookie]);
  const std::string token = set_cookie.substr(set_cookie.find('=') + 1, 64);
  // Without the double-submit cookie the form is refused.
  CHECK(status(f.post("/login", "login_csrf=" + token + "&username=dsl1&password=dsl1-long-password")) == 403);
  const std::string cookie = "vigil_login_csrf=" + token;
  for (int i = 0; i < LoginLimiter::kMaxFailures; ++i) {
    CHECK(status(f.post("/login", "login_csrf=" + token + "&username=dsl1&password=wrong", "", cookie)) == 401);
  }
  auto limited = f.post("/login", "login_csrf=" + token + "&username=dsl1&password=dsl1-long-password", "", cookie);
  CHECK(status(limited) == 429);
  CHECK_FALSE(limited.response[http::field::retry_after].empty());
  // Unknown users fail the same way as wrong passwords.
  CHECK(status(f.post("/login", "login_csrf=" + token + "&username=nobody&password=whatever-it-is", "", cookie)) == 401);
}

TEST_CASE("bad filter input gets 400 naming the field") {
  ConsoleFixture f;
  const auto [dsl, csrf] = f.sign_in("dsl1");
  auto bad = f.get("/inbox?severity=9", dsl);
  CHECK(status(bad) == 400);
  CHECK(bad.response.body().find("severity: must be 1 to 5") != std::string::npos);
  CHECK(status(f.get("/inbox?from=yesterday", dsl)) == 400);
  CHECK(status(f.get("/api/inbox?status=maybe", dsl)) == 400);
  CHECK(status(f.get("/inbox?severity=3&q=hates", dsl)) == 200);
  CHECK(f.get("/inbox?severity=3&q=hates", dsl).response.body().find("<mark>ever</mark>yone hates") != std::string::npos);
}
