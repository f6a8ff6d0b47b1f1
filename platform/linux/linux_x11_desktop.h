#pragma once
// The X11 desktop source. Internal to platform/linux.

#include <memory>

#include "vigil/platform/desktop_source.h"

namespace vigil::platform {

// Opens $DISPLAY and sets up XInput2, XKB and EWMH watching.
Result<std::unique_ptr<DesktopSource>> open_x11_desktop_source();

}  // namespace vigil::platform
