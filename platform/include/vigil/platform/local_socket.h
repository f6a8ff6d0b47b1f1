#pragma once
// Local IPC between the per-session helper (vigil-session, runs as the pupil) and the service
// (vigil-agent). A Unix socket on Linux, a named pipe on Windows. The service side learns who is
// really connected from the kernel (SO_PEERCRED), never from what the peer says.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vigil/result.h"

namespace vigil::platform {

struct PeerCredentials {
  int64_t pid = -1;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string user;  // the login name of `uid`, or the number when it has none
};

struct SocketEvent {
  enum class Kind { kConnected, kData, kClosed };
  Kind kind = Kind::kData;
  uint64_t connection = 0;  // unique for this server's lifetime, and increasing: a later connect has a larger id
  PeerCredentials peer;     // checked once, at connect
  std::string data;         // kData: the bytes received (any framing is the caller's)
};

class LocalSocketServer {
 public:
  virtual ~LocalSocketServer() = default;
  // The next connect, data or close on any connection, or nullopt once `timeout` passes.
  virtual Result<std::optional<SocketEvent>> wait(std::chrono::milliseconds timeout) = 0;
  // Drops a connection (a peer that broke the protocol); no kClosed follows.
  virtual void disconnect(uint64_t connection) = 0;
  // Makes a wait() in progress (or the next one) return nullopt at once. Safe from any thread:
  // a stopping service wakes its listener instead of polling a flag on a timer.
  virtual void interrupt() = 0;
};

// Listens at `path`, replacing a stale socket left by a killed service. Any local user may
// connect (each session helper runs as its pupil); what they may do is decided per peer uid.
Result<std::unique_ptr<LocalSocketServer>> listen_local(const std::string& path);

class LocalSocketClient {
 public:
  virtual ~LocalSocketClient() = default;
  // Sends all of `data` or fails (the service went away).
  virtual Result<void> send(std::string_view data) = 0;
};

Result<std::unique_ptr<LocalSocketClient>> connect_local(const std::string& path);

}  // namespace vigil::platform
