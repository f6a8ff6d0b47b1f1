#pragma once
// Where the two halves of the Wayland key path meet. Keys read from evdev by the service carry
// no window; the session helper of a Wayland session knows the focused window and whether a
// password field or a keyboard grab is active, but cannot see keys. The session source publishes
// what paired helpers say (PairingEvent), the evdev readers publish keys, and the evdev source
// takes both and puts them back in time order before a key is assembled or dropped.
//
// One seat: every keyboard's keys go to the one paired helper whose focus changed last. Two
// pupils at one PC, each with a keyboard and a Wayland session, are not told apart.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "session/session_protocol.h"
#include "vigil/platform/desktop_source.h"
#include "vigil/platform/evdev_key_reader.h"

namespace vigil::agent {

using PairingClock = std::chrono::steady_clock;

struct PairingEvent {
  enum class Kind { kDeclared, kFocus, kGone };
  Kind kind = Kind::kFocus;
  PairingClock::time_point at;
  uint64_t connection = 0;
  std::string user;                // kDeclared: the peer's login from SO_PEERCRED
  std::string session_id;          // kDeclared
  uint64_t keymap_generation = 0;  // kDeclared: keys mapped with this generation are the helper's layout
  platform::KeymapNames keymap;    // kDeclared
  FocusMessage focus;              // kFocus
};

struct EvdevKey {
  platform::DesktopEvent key;      // kKey, `at` when it was read
  uint64_t keymap_generation = 0;  // the layout the reader mapped it with
};

// Bounds on what waits for the evdev source; a source that falls this far behind loses the
// oldest keys (harmless) and, for pairing events, drops everything up to now (never unsafe).
inline constexpr size_t kMaxQueuedKeys = 4096;
inline constexpr size_t kMaxQueuedPairingEvents = 4096;

class EvdevPairing {
 public:
  // Session source: a helper declared pairing, changed focus or left. A declaration also makes
  // its keymap the one readers map with (the latest declaration wins: one seat).
  void publish(PairingEvent event);
  // Reader threads.
  void publish_key(EvdevKey key);
  // The layout readers should map with now, and its generation (0: none declared yet).
  std::pair<platform::KeymapNames, uint64_t> keymap() const;

  struct Batch {
    std::vector<PairingEvent> pairing;
    std::vector<EvdevKey> keys;
    bool overflowed = false;  // pairing events were lost: drop every key up to now
  };
  // Everything published since the last call, waiting until `until` if nothing is (or until
  // interrupt()).
  Batch take(PairingClock::time_point until);
  void interrupt();

  // Keyboards the evdev source has open, for the session source's coverage: a helper that needs
  // the evdev route is covered only while at least one is.
  void set_keyboards(size_t n);
  size_t keyboards() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<PairingEvent> pairing_;
  std::deque<EvdevKey> keys_;
  bool overflowed_ = false;
  bool interrupted_ = false;
  platform::KeymapNames keymap_;
  uint64_t keymap_generation_ = 0;
  size_t keyboards_ = 0;
};

}  // namespace vigil::agent
