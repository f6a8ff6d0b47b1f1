#pragma once
// Maps a parsed request to a handler after the checks every route shares, in this order:
// session (anonymous: redirect to /login for pages, 401 otherwise), role (403), CSRF token on
// every state-changing request (403). Then the handler runs, and the security headers are added
// to whatever it returns. A plain function of the request: tested and benchmarked without a socket.

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "accounts/roles.h"
#include "console/http.h"
#include "console/sessions.h"

namespace vigil::collector::console {

struct RequestContext {
  const Request& request;
  std::string path;
  Params query;
  Params form;                    // parsed urlencoded body of a POST
  std::vector<std::string> args;  // the {} segments of the route pattern, decoded
  std::optional<Session> session; // empty only on public routes
  std::string session_token;
  std::string remote;             // client address, for the audit log
  bool secure = false;            // served over HTTPS
};

using Handler = std::function<Reply(RequestContext&)>;

struct Route {
  http::verb method;
  std::string pattern;             // "/items/{}/status": {} matches one path segment
  std::vector<Role> roles;         // who may call it; empty with `anonymous` = everyone
  bool anonymous = false;          // login page and static assets only
  Handler handler;
};

// Every content role; used by most routes.
inline const std::vector<Role> kContentRoles = {Role::kDsl, Role::kDeputyDsl};

class Router {
 public:
  explicit Router(Sessions& sessions) : sessions_(sessions) {}
  void add(Route route);
  Reply handle(const Request& request, const std::string& remote, bool secure);
  Sessions& sessions() { return sessions_; }

 private:
  Sessions& sessions_;
  std::vector<Route> routes_;
};

// Security headers on every response: strict CSP (no inline script), nosniff, no framing, no
// referrer, no caching of anything but assets.
void add_security_headers(Response& response, bool secure, bool cacheable);
// A small error page or JSON error, depending on what the client asked for.
Reply error_reply(const Request& request, http::status status, const std::string& message);
bool wants_json(const Request& request);

}  // namespace vigil::collector::console
