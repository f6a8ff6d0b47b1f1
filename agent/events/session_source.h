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
#include "events/evdev_pairing.h"
#include "session/session_protocol.h"
#include "vigil/platform/local_socket.h"

namespace vigil::agent {

// How often next() looks at the stop flag while no helper is typing. Only a backstop: a stop
// request wakes the listener at once through interrupt(), so an idle agent need not poll.
inline constexpr std::chrono::milliseconds kSessionPollInterval{5000};
// Capture routes a helper may report coverage for (desktop, browser, and room to grow); bounds
// what a misbehaving helper can make the heartbeat carry.
inline constexpr size_t kMaxCoverageRoutes = 8;
// A helper whose connection ends without a goodbye (killed, crashed) becomes a coverage gap once
// this long has passed with no helper of its user connecting again; its supervisor (or systemd)
// normally brings it back well within it. `vigil-agent --helper-grace`.
inline constexpr std::chrono::seconds kDefaultHelperGrace{10};
// What a helper that needs the evdev route reports until the service pairs keys with it.
inline constexpr const char* kPartialCoveragePrefix = "partial:";

struct SessionSourceOptions {
  std::chrono::milliseconds helper_grace = kDefaultHelperGrace;
  // Set when the agent also runs an evdev source: helpers that declare pairing are published
  // there. Null: pairing declarations are accepted but nothing reads the keys.
  std::shared_ptr<EvdevPairing> pairing;
};

class SessionSource final : public EventSource {
 public:
  static Result<std::unique_ptr<SessionSource>> open(const std::string& socket_path, const std::atomic<bool>& stop,
                                                     SessionSourceOptions options = {});

  std::string name() const override { return "session:" + path_; }
  Result<void> resume(const std::string&) override { return {}; }
  Result<std::optional<SourcedEvent>> next() override;
  std::string last_warning() const override;
  // For the heartbeat: connected helpers and any coverage gap they reported.
  std::string state() const override;
  void interrupt() override { server_->interrupt(); }

 private:
  SessionSource(std::string path, std::unique_ptr<platform::LocalSocketServer> server, const std::atomic<bool>& stop,
                SessionSourceOptions options);
  void handle(platform::SocketEvent event);
  void warn(std::string message);
  // The helper on `connection` is gone; unless it said goodbye, its user's coverage is at risk.
  void lost(uint64_t connection, const std::string& how);  // mutex_ held

  struct Helper {
    platform::PeerCredentials peer;
    FrameDecoder decoder;
    bool greeted = false;
    std::string display;
    std::string coverage = "active";
    std::map<std::string, std::string> route_coverage;  // e.g. "browser" -> its state
    bool said_goodbye = false;
    bool pairs_evdev = false;  // its keys come from the service's evdev source
  };
  // A helper that ended without a goodbye, per uid, until a helper of that uid connects again.
  struct LostHelper {
    std::string user;
    std::chrono::system_clock::time_point when;
    std::chrono::steady_clock::time_point since;
  };

  std::string path_;
  std::unique_ptr<platform::LocalSocketServer> server_;
  const std::atomic<bool>& stop_;
  SessionSourceOptions options_;
  std::deque<SourcedEvent> ready_;
  mutable std::mutex mutex_;  // guards helpers_ and warning_, read by the heartbeat thread
  std::map<uint64_t, Helper> helpers_;
  std::map<uint32_t, LostHelper> lost_;
  std::string warning_;
};

}  // namespace vigil::agent
