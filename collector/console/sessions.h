#pragma once
// Console sign-in sessions, kept in the collector's memory: a restart signs everyone out, which
// is the safe failure. The cookie holds a random token; each session has its own CSRF token.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "accounts/roles.h"

namespace vigil::collector::console {

struct Session {
  std::string username;
  Role role = Role::kGovernor;
  std::string csrf_token;
  std::chrono::steady_clock::time_point created;
  std::chrono::steady_clock::time_point last_used;
};

// A DSL leaving a laptop open must not leave disclosures on screen for long.
inline constexpr std::chrono::minutes kSessionIdleTimeout{30};
inline constexpr std::chrono::hours kSessionMaxAge{12};

class Sessions {
 public:
  // Returns the new session's token.
  std::string create(const std::string& username, Role role);
  // The live session for `token` (touching it), or nothing if unknown, idle or too old.
  std::optional<Session> find(const std::string& token);
  // Like find() but does not count as activity (event streams poll this).
  bool alive(const std::string& token);
  void destroy(const std::string& token);

 private:
  bool expired(const Session& s, std::chrono::steady_clock::time_point now) const;

  std::mutex mutex_;
  std::unordered_map<std::string, Session> sessions_;  // keyed by the SHA-256 of the token
};

// Constant-time comparison for tokens.
bool same_token(const std::string& a, const std::string& b);
std::string random_token();

}  // namespace vigil::collector::console
