#include "console/sessions.h"

#include <sodium.h>

#include "vigil/pki.h"

namespace vigil::collector::console {

std::string random_token() { return pki::random_hex(32); }

bool same_token(const std::string& a, const std::string& b) {
  return !a.empty() && a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Sessions::create(const std::string& username, Role role) {
  const std::string token = random_token();
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  // Expired sessions are swept on creation so the map stays bounded by recent sign-ins.
  for (auto it = sessions_.begin(); it != sessions_.end();) it = expired(it->second, now) ? sessions_.erase(it) : std::next(it);
  sessions_[pki::sha256_hex(token)] = Session{username, role, random_token(), now, now};
  return token;
}

std::optional<Session> Sessions::find(const std::string& token) {
  if (token.empty()) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(pki::sha256_hex(token));
  if (it == sessions_.end()) return std::nullopt;
  if (expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  return it->second;
}

bool Sessions::alive(const std::string& token) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(pki::sha256_hex(token));
  return it != sessions_.end() && !expired(it->second, std::chrono::steady_clock::now());
}

void Sessions::destroy(const std::string& token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(pki::sha256_hex(token));
}

bool Sessions::expired(const Session& s, std::chrono::steady_clock::time_point now) const {
  return now - s.last_used > kSessionIdleTimeout || now - s.created > kSessionMaxAge;
}

}  // namespace vigil::collector::console
