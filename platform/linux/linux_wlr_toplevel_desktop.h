#pragma once
// The wlroots desktop source (sway, labwc, Hyprland...). Internal to platform/linux.

#include <memory>

#include "vigil/platform/desktop_source.h"

namespace vigil::platform {

// Connects to $WAYLAND_DISPLAY and binds zwlr_foreign_toplevel_manager_v1. Fails, saying why,
// when there is no compositor or it does not offer the manager (GNOME, KDE).
Result<std::unique_ptr<DesktopSource>> open_wlr_toplevel_source();

}  // namespace vigil::platform
