// Picks the session's desktop source from its environment.
#include <cstdlib>

#include "linux/linux_wlr_toplevel_desktop.h"
#include "linux/linux_x11_desktop.h"
#include "linux/wayland_coverage.h"
#include "vigil/platform/desktop_source.h"

namespace vigil::platform {

Result<std::unique_ptr<DesktopSource>> open_desktop_source() {
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if (wayland && *wayland) {
    // Not XWayland's $DISPLAY, even when set: it sees only X11 applications' keys and windows, so
    // using it would report a session as monitored while most of it is not.
    auto wlr = open_wlr_toplevel_source();
    if (wlr) return wlr;
    const char* desktop = std::getenv("XDG_CURRENT_DESKTOP");
    return make_error(ErrorCode::kUnavailable, wayland_unavailable_reason(desktop ? desktop : "", wlr.error().message));
  }
  return open_x11_desktop_source();
}

}  // namespace vigil::platform
