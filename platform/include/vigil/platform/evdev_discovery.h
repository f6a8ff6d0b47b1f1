#pragma once
// Which evdev nodes are keyboards, for the Wayland key path (see evdev_key_reader.h). Kept apart
// from reading so each is tested alone: discovery goes through InputDeviceProbe, a seam over the
// directory listing and the EVIOCGBIT/EVIOCGNAME ioctls that tests replace with a fake.
//
// A node is a keyboard when it reports EV_KEY and every letter key A-Z plus space: power buttons,
// mice, lid switches and media remotes also report EV_KEY but cannot type words.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vigil/result.h"

namespace vigil::platform {

class InputDeviceProbe {
 public:
  virtual ~InputDeviceProbe() = default;
  // Entry names in `dir` (not paths); an error if the directory cannot be read.
  virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;
  // The EVIOCGBIT bitmap of event types (type 0), or of codes for one event type, as the kernel
  // fills it: bit N is byte N/8, bit N%8.
  virtual Result<std::vector<uint8_t>> capabilities(const std::string& path, unsigned event_type) = 0;
  // EVIOCGNAME, for logs; empty when unknown.
  virtual std::string name(const std::string& path) = 0;
};

struct InputDevice {
  std::string path;  // e.g. /dev/input/event3
  std::string name;  // e.g. "AT Translated Set 2 keyboard"
};

struct KeyboardScan {
  std::vector<InputDevice> keyboards;  // in event number order
  std::vector<std::string> skipped;    // "PATH: reason", for the log and the coverage report
};

// Scans `dir` for event* nodes (event0, event1, ...; other entries are ignored).
Result<KeyboardScan> find_keyboards(InputDeviceProbe& probe, const std::string& dir = "/dev/input");

// The real probe: opens each node read-only and asks the kernel.
std::unique_ptr<InputDeviceProbe> system_input_probe();

}  // namespace vigil::platform
