#pragma once
// vigil-session's end of the browser socket: accepts vigil-browser-host connections of the same
// user only, checks their frames and hands on what they report. Runs on its own thread; events
// go to a sink that must only enqueue.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "browser/browser_message.h"
#include "vigil/platform/local_socket.h"
#include "vigil/result.h"

namespace vigil::agent {

// How often the listener looks at the stop flag while no browser reports anything; interrupt()
// wakes it at once, so this only bounds a stop that forgot to call it. (It was 200 ms: five idle
// wake-ups a second in every pupil's session helper.)
inline constexpr std::chrono::milliseconds kBrowserPollInterval{30'000};

struct BrowserEvent {
  enum class Kind { kConnected, kMessage, kClosed };
  Kind kind = Kind::kMessage;
  uint64_t connection = 0;
  BrowserMessage message;  // kConnected: the hello; kMessage: a page or a password change
  std::chrono::steady_clock::time_point at;  // when the helper received it
};

class BrowserListener {
 public:
  // `user` is this helper's login: a peer of any other user is refused (SO_PEERCRED).
  static Result<std::unique_ptr<BrowserListener>> open(const std::string& path, std::string user);
  // Until `stop` is set.
  Result<void> run(const std::function<void(BrowserEvent)>& sink, const std::atomic<bool>& stop);
  // Wakes run() to look at its stop flag now; safe from any thread.
  void interrupt() { server_->interrupt(); }
  const std::string& path() const { return path_; }

 private:
  BrowserListener(std::string path, std::string user, std::unique_ptr<platform::LocalSocketServer> server)
      : path_(std::move(path)), user_(std::move(user)), server_(std::move(server)) {}
  std::string path_;
  std::string user_;
  std::unique_ptr<platform::LocalSocketServer> server_;
};

}  // namespace vigil::agent
