#include "vigil/platform/evdev_discovery.h"

namespace vigil::platform {

// evdev is Linux only; Windows keystrokes will come from a low-level keyboard hook instead.
Result<KeyboardScan> find_keyboards(InputDeviceProbe&, const std::string& dir) {
  return make_error(ErrorCode::kUnavailable, "evdev devices (" + dir + ") exist only on Linux");
}

std::unique_ptr<InputDeviceProbe> system_input_probe() { return nullptr; }

}  // namespace vigil::platform
