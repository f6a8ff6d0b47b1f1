#include "console/login_limiter.h"

#include <algorithm>

namespace vigil::collector::console {

int64_t LoginLimiter::wait(std::deque<Clock::time_point>& failures, int limit, Clock::time_point now) {
  while (!failures.empty() && now - failures.front() >= kWindow) failures.pop_front();
  if (static_cast<int>(failures.size()) < limit) return 0;
  const auto free_at = failures.front() + kWindow;
  return std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(free_at - now).count() + 1);
}

int64_t LoginLimiter::retry_after(const std::string& username, const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return std::max(wait(by_user_[username], kMaxFailures, now), wait(by_address_[address], kMaxAddressFailures, now));
}

void LoginLimiter::failed(const std::string& username, const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  by_user_[username].push_back(now);
  by_address_[address].push_back(now);
}

void LoginLimiter::succeeded(const std::string& username) {
  std::lock_guard lock(mutex_);
  by_user_.erase(username);
}

}  // namespace vigil::collector::console
