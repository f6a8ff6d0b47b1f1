#pragma once
// The console's HTTP(S) listener: one io_context thread, one C++20 coroutine per connection.
// Every read and write has a deadline (a slow or silent client is dropped), request headers and
// bodies are capped, and a malformed request gets 400 with the parser's reason.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "console/alert_hub.h"
#include "console/router.h"
#include "vigil/result.h"

namespace vigil::collector::console {

struct TlsIdentity {
  std::string chain_pem;
  std::string key_pem;
};

struct ServerOptions {
  std::string listen;               // HOST:PORT, port 0 picks a free one
  std::optional<TlsIdentity> tls;   // empty: plain HTTP (development, loopback only)
};

// Limits. A whole request (headers and body) must arrive within kReadTimeout: slowloris clients
// that trickle bytes are dropped; notes and forms are small, so 64 KiB bodies are plenty.
inline constexpr std::chrono::seconds kReadTimeout{10};
inline constexpr std::chrono::seconds kWriteTimeout{10};
inline constexpr std::chrono::seconds kHandshakeTimeout{10};
inline constexpr std::chrono::seconds kEventKeepAlive{15};
inline constexpr uint32_t kHeaderLimit = 16 * 1024;
inline constexpr uint64_t kBodyLimit = 64 * 1024;
// The one larger body: a pupil list exported from the MIS (a big secondary's is a few hundred KiB).
inline constexpr uint64_t kUploadBodyLimit = 8 * 1024 * 1024;
inline constexpr std::string_view kUploadPath = "/directory/import";
inline constexpr int kMaxConnections = 512;

class ConsoleServer {
 public:
  static Result<std::unique_ptr<ConsoleServer>> start(const ServerOptions& options, Router& router, AlertHub& hub);
  virtual ~ConsoleServer() = default;
  virtual uint16_t port() const = 0;
  virtual void stop() = 0;
};

}  // namespace vigil::collector::console
