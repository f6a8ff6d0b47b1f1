#pragma once
// What the collector accepts from an agent. Agents are on pupils' PCs and may be tampered with:
// every field is checked before anything is stored.

#include <optional>
#include <string>

#include "vigil/v1/capture.pb.h"

namespace vigil::collector {

// The context that may leave a PC is bounded (200 characters by default, at most 4 bytes each);
// anything much longer is a full keystroke log in disguise or a broken agent.
inline constexpr size_t kMaxContextBytes = 4096;
inline constexpr int kMaxHitsPerCapture = 64;
inline constexpr size_t kMaxFieldBytes = 2048;  // user, title, url, application names
// A sealed capture is a Capture plus 48 bytes; anything this large cannot be a valid one.
inline constexpr size_t kMaxSealedBytes = 64 * 1024;

// std::nullopt when acceptable, else the reason, naming the field.
std::optional<std::string> invalid_reason(const v1::Capture& capture);

}  // namespace vigil::collector
