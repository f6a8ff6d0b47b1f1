#pragma once
// Keystrokes for Wayland sessions, read by the root service from evdev (struct input_event
// records from /dev/input/event*), because a Wayland compositor gives no client other clients'
// keys. Mapped to text with xkbcommon using the session's layout (the same RMLVO names the
// compositor uses, e.g. from localectl or XKB_DEFAULT_LAYOUT).
//
// Device discovery (which /dev/input node is a keyboard, hotplug via udev) is kept apart from
// reading: the reader takes any file descriptor, so it is tested by writing records into a pipe.
// Evdev has no notion of windows or password fields: see agent/session/WAYLAND.md for how
// the helper pairs these keys with the focused window and why they are dropped when it cannot.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "vigil/platform/desktop_source.h"
#include "vigil/result.h"

namespace vigil::platform {

struct KeymapNames {  // xkbcommon RMLVO; empty fields take the library defaults
  std::string rules;
  std::string model;
  std::string layout;   // e.g. "gb"
  std::string variant;
  std::string options;  // e.g. "compose:ralt"

  bool operator==(const KeymapNames&) const = default;
};

class EvdevKeyReader {
 public:
  virtual ~EvdevKeyReader() = default;
  // Reads the records available within `timeout` and publishes a kKey event per key press (and
  // auto-repeat). Returns false once the descriptor reached end of file.
  virtual Result<bool> pump(const std::function<void(const DesktopEvent&)>& sink, std::chrono::milliseconds timeout) = 0;
  // Maps later keys with another layout (the paired session's); modifiers held now are forgotten.
  virtual Result<void> set_keymap(const KeymapNames& names) = 0;
};

// Takes ownership of `fd`.
Result<std::unique_ptr<EvdevKeyReader>> open_evdev_reader(int fd, const KeymapNames& names);

// Opens `path` (an evdev node, or a FIFO that carries the same records) read-only and
// non-blocking. A FIFO opens even before any writer has; pump() reports end of file once the
// last writer closes, and the caller may open it again.
Result<std::unique_ptr<EvdevKeyReader>> open_evdev_device(const std::string& path, const KeymapNames& names);

}  // namespace vigil::platform
