#pragma once
// Text units from vigil-session helpers (one per graphical session) over a local socket; the
// framing is in session/PROTOCOL.md. A live source: it has no position to resume and ends only
// when the agent stops. The user recorded on each event is the socket peer's login from the
// kernel, never a name the helper claims.

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "events/event_source.h"
#include "session/session_protocol.h"
#include "vigil/platform/local_socket.h"

namespace vigil::agent {

// How often next() looks at the stop flag while no helper is typing. Only a backstop: a stop
// request wakes the listener at once through interrupt(), so an idle agent need not poll.
inline constexpr std::chrono::milliseconds kSessionPollInterval{5000};
// Capture routes a helper may report coverage for (desktop, browser, and room to grow); bounds
// what a misbehaving helper can make the heartbeat carry.
inline constexpr size_t kMaxCoverageRoutes = 8;

class SessionSource final : public EventSource {
 public:
  static Result<std::unique_ptr<SessionSource>> open(const std::string& socket_path, const std::atomic<bool>& stop);

  std::string name() const override { return "session:" + path_; }
  Result<void> resume(const std::string&) override { return {}; }
  Result<std::optional<SourcedEvent>> next() override;
  std::string last_warning() const override;
  // For the heartbeat: connected helpers and any coverage gap they reported.
  std::string state() const override;
  void interrupt() override { server_->interrupt(); }

 private:
  SessionSource(std::string path, std::unique_ptr<platform::LocalSocketServer> server, const std::atomic<bool>& stop);
  void handle(platform::SocketEvent event);
  void warn(std::string message);

  struct Helper {
    platform::PeerCredentials peer;
    FrameDecoder decoder;
    bool greeted = false;
    std::string display;
    std::string coverage = "active";
    std::map<std::string, std::string> route_coverage;  // e.g. "browser" -> its state
  };

  std::string path_;
  std::unique_ptr<platform::LocalSocketServer> server_;
  const std::atomic<bool>& stop_;
  std::deque<SourcedEvent> ready_;
  mutable std::mutex mutex_;  // guards helpers_ and warning_, read by the heartbeat thread
  std::map<uint64_t, Helper> helpers_;
  std::string warning_;
};

}  // namespace vigil::agent
