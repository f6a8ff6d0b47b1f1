#pragma once
// Encoder and decoder for the helper -> agent frames documented in PROTOCOL.md (version 1).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "assembly/text_assembler.h"
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

using SessionMessage = std::variant<HelloMessage, UnitMessage, CoverageMessage>;

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
