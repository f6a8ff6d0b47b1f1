#pragma once
// Encoder and decoder for the helper -> agent frames documented in PROTOCOL.md (version 1).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "assembly/text_assembler.h"
#include "vigil/platform/evdev_key_reader.h"
#include "vigil/result.h"

namespace vigil::agent {

inline constexpr int kSessionProtocolVersion = 1;
inline constexpr size_t kMaxFrameBytes = 64 * 1024;

struct HelloMessage {
  int version = kSessionProtocolVersion;
  std::string display;
};

struct UnitMessage {
  uint64_t line = 0;
  std::string stage;  // open, deleted, closed, title, url
  std::string text;
  bool unsubmitted = false;
  size_t deleted_begin = 0;
  size_t deleted_end = 0;
  std::string app;
  std::string app_path;
  std::string title;
  std::string url;  // stage url only: the page the text came from
  std::chrono::system_clock::time_point observed_at;
};

struct CoverageMessage {
  std::string state;
  std::string route;  // empty: the desktop route (keys, windows); "browser": the extension route
};

// A route name in a coverage frame is at most this long.
inline constexpr size_t kMaxRouteBytes = 64;

// The helper is ending on purpose (logout, SIGTERM, display gone): its connection closing is not
// a coverage gap. A connection that closes without it is one, unless the user's helper comes back.
struct GoodbyeMessage {
  std::string reason;  // "stopped", "display gone", ...; for the log
};

// A helper whose desktop source gives no keys (Wayland) asks the service to read the keyboard
// from evdev and pair the keys with its focus; `keymap` is the session's layout.
struct EvdevMessage {
  platform::KeymapNames keymap;
};

// The paired helper's view, sent on every change and at least every kFocusRefresh: the focused
// window, and whether keys must be dropped (a password field is focused, or another client
// holds the keyboard).
struct FocusMessage {
  WindowContext window;
  bool password = false;
  bool grab = false;
};

// A paired helper re-sends its focus at least this often, so the service can tell a live helper
// from a hung one (a stopped process keeps its socket open).
inline constexpr std::chrono::milliseconds kFocusRefresh{2000};

using SessionMessage = std::variant<HelloMessage, UnitMessage, CoverageMessage, GoodbyeMessage, EvdevMessage, FocusMessage>;

std::string encode_frame(const SessionMessage& message);
UnitMessage unit_message(const TextUnit& unit, std::chrono::system_clock::time_point observed_at);

// Splits a byte stream into messages. An error means the peer broke the protocol: drop it.
class FrameDecoder {
 public:
  void feed(const std::string& bytes) { buffer_ += bytes; }
  // The next complete message, nullopt when more bytes are needed.
  Result<std::optional<SessionMessage>> next();

 private:
  std::string buffer_;
};

}  // namespace vigil::agent
