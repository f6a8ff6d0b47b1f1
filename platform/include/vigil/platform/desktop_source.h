#pragma once
// The session helper's view of the desktop: key presses already turned into text by the
// session's keymap, and the focused window with its title and application. Keys and focus come
// from one publisher because they must stay in the order the display server saw them: a key is
// never attributed to a window that was focused after it.
//
// Implementations in platform/linux/: X11 (XInput2 raw events + xkbcommon, EWMH), and wlroots
// Wayland compositors (zwlr_foreign_toplevel_manager_v1: windows only, no keys). Privacy: a
// publisher reports keyboard grabs by other clients (screen lockers, pinentry, polkit) so the
// helper drops what is typed while they hold the keyboard.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "vigil/result.h"

namespace vigil::platform {

enum class KeyAction { kText, kBackspace, kDelete, kLeft, kRight, kHome, kEnd, kEnter, kTab, kCursorLost, kIgnored };

struct WindowInfo {
  std::string id;        // stable while the window exists
  std::string app;       // process name (from the window's pid), else its WM_CLASS
  std::string app_path;  // executable, when known
  std::string title;
};

struct DesktopEvent {
  enum class Kind { kKey, kFocus, kTitle, kGrabStarted, kGrabEnded };
  Kind kind = Kind::kKey;
  std::chrono::steady_clock::time_point at;
  KeyAction action = KeyAction::kIgnored;  // kKey
  std::string text;                        // kKey with kText: UTF-8 the keymap produced
  bool shortcut = false;                   // kKey: ctrl/alt/super held, so nothing is typed
  WindowInfo window;                       // kFocus, kTitle
};

class DesktopSource {
 public:
  virtual ~DesktopSource() = default;
  // "x11", "wlroots"; names the capture route in the helper's hello.
  virtual std::string kind() const = 0;
  // Why this source publishes no kKey events at all, if it publishes none (a Wayland compositor
  // gives no client other clients' keys): the helper then asks the service to read keys from
  // evdev and pairs them with the focus it reports (agent/session/PROTOCOL.md), and reports its
  // session as covered for window titles only until the service says it reads a keyboard.
  virtual std::optional<std::string> keys_gap() const { return std::nullopt; }
  // Waits up to `timeout` for the display server, publishes to `sink` (on the calling thread)
  // every event that has arrived, in order, and returns; an error means the display went away.
  // The first call starts with a kFocus for the window focused now. The caller owns the only
  // loop, so one thread wakes per key and no timer runs just to look at a stop flag.
  virtual Result<void> pump(const std::function<void(const DesktopEvent&)>& sink, std::chrono::milliseconds timeout) = 0;
};

// The session's display server from the environment, or why it cannot be watched. A Wayland
// session ($WAYLAND_DISPLAY) is watched through its compositor, never through XWayland's $DISPLAY,
// which shows only the X11 applications and would look like full coverage; other sessions
// through $DISPLAY.
Result<std::unique_ptr<DesktopSource>> open_desktop_source();

// Tells whether keyboard focus is in a password field (AT-SPI ROLE_PASSWORD_TEXT on Linux).
// Runs its own thread; password_focused() may be called from any thread.
class PasswordDetector {
 public:
  virtual ~PasswordDetector() = default;
  virtual bool password_focused() const = 0;
};

// Fails when the accessibility bus is unreachable: the helper then cannot tell a password field
// from any other and must not capture keys at all.
Result<std::unique_ptr<PasswordDetector>> start_password_detector();

}  // namespace vigil::platform
