#pragma once
// Turns a scanned text unit and its hits into a Capture holding only a bounded context window:
// the privacy rule that no full keystroke log leaves the PC is enforced here.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "events/text_event.h"
#include "outbox/outbox.h"
#include "vigil/signatures/matcher.h"

namespace vigil::agent {

// DESIGN: "up to 200 characters around the hit" leave the PC; the rest of the unit never does.
inline constexpr size_t kDefaultContextChars = 200;

struct CaptureIdentity {
  std::string device_id;
  std::string agent_version;
  std::string rule_pack_version;
  size_t context_chars = kDefaultContextChars;
};

struct ContextWindow {
  size_t begin = 0;  // byte offsets into the unit, on UTF-8 character boundaries
  size_t end = 0;
};

// The window of at most `max_chars` characters around the hits, centred on them; when the hits
// span more than that, the window starts at the first hit.
ContextWindow context_window(const std::string& unit, const std::vector<signatures::Hit>& hits, size_t max_chars);

// `hits` must be non-empty. `random` seeds the capture id (10 bytes from a CSPRNG).
OutboxEntry build_capture(const TextEvent& event, const std::vector<signatures::Hit>& hits, const CaptureIdentity& identity,
                          std::chrono::system_clock::time_point now, const std::array<uint8_t, 10>& random);

}  // namespace vigil::agent
