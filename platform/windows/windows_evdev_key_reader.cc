#include "vigil/platform/evdev_key_reader.h"

namespace vigil::platform {

// evdev is Linux only; Windows keys come from its own hook (not built yet).
Result<std::unique_ptr<EvdevKeyReader>> open_evdev_reader(int, const KeymapNames&) {
  return make_error(ErrorCode::kUnavailable, "evdev exists only on Linux");
}

}  // namespace vigil::platform
