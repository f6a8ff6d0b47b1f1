#pragma once
// Length-prefixed JSON frames, the two flavours Vigil's browser route speaks:
//  - native messaging (browser <-> vigil-browser-host): uint32 length in the machine's own byte
//    order, then UTF-8 JSON; the browser sends at most 1 MiB to a host (its documented limit).
//  - the browser socket (vigil-browser-host -> vigil-session): uint32 big-endian, as the session
//    protocol does (session/PROTOCOL.md).

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "vigil/result.h"

namespace vigil::agent {

enum class FrameOrder { kNative, kBigEndian };

// Chromium and Firefox cap a message to a native host at 1 MiB.
inline constexpr size_t kMaxNativeMessageBytes = 1024 * 1024;
// What a host may send back to the browser (Chromium's limit; we send a few bytes).
inline constexpr size_t kMaxNativeReplyBytes = 1024 * 1024;
// A browser-socket frame carries at most three 2 KiB fields and a few numbers.
inline constexpr size_t kMaxBrowserFrameBytes = 64 * 1024;

std::string encode_json_frame(const nlohmann::json& message, FrameOrder order);

class JsonFrameDecoder {
 public:
  JsonFrameDecoder(FrameOrder order, size_t max_bytes) : order_(order), max_bytes_(max_bytes) {}
  void feed(const std::string& bytes) { buffer_ += bytes; }
  void feed(const char* data, size_t n) { buffer_.append(data, n); }
  // The next complete frame's JSON, nullopt when more bytes are needed. An error (bad length,
  // invalid JSON or UTF-8) means the peer broke the framing: stop reading from it.
  Result<std::optional<nlohmann::json>> next();
  // Bytes of a frame begun but not finished (a peer that closed mid-frame).
  size_t pending() const { return buffer_.size(); }

 private:
  FrameOrder order_;
  size_t max_bytes_;
  std::string buffer_;
};

}  // namespace vigil::agent
