#pragma once
// Slows password guessing: after kMaxFailures failed sign-ins for one user name, or
// kMaxAddressFailures from one address, within kWindow, further attempts are refused until the
// oldest failure leaves the window. A success clears the user name's count.

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace vigil::collector::console {

class LoginLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kMaxFailures = 5;
  static constexpr int kMaxAddressFailures = 20;
  static constexpr std::chrono::minutes kWindow{15};

  // Seconds to wait before trying again, 0 if an attempt is allowed now.
  int64_t retry_after(const std::string& username, const std::string& address, Clock::time_point now);
  void failed(const std::string& username, const std::string& address, Clock::time_point now);
  void succeeded(const std::string& username);

 private:
  int64_t wait(std::deque<Clock::time_point>& failures, int limit, Clock::time_point now);

  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> by_user_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> by_address_;
};

}  // namespace vigil::collector::console
