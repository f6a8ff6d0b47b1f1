#include "linux/wayland_coverage.h"

#include <algorithm>
#include <cctype>

namespace vigil::platform {
namespace {

bool lists_desktop(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    const size_t colon = list.find(':');
    const std::string_view entry = list.substr(0, colon);
    if (entry.size() == name.size() &&
        std::equal(entry.begin(), entry.end(), name.begin(), [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; })) {
      return true;
    }
    if (colon == std::string_view::npos) break;
    list.remove_prefix(colon + 1);
  }
  return false;
}

}  // namespace

std::string wayland_unavailable_reason(std::string_view current_desktop, std::string_view detail) {
  std::string reason = "Wayland session";
  // GNOME and KDE keep the focused window to themselves: they need a piece inside the compositor
  // (see agent/session/WAYLAND.md), and saying which one is missing is the useful part.
  if (lists_desktop(current_desktop, "GNOME")) {
    reason += " (GNOME): keystrokes and window titles are not monitored: window titles need the Vigil GNOME Shell extension (not built yet)";
  } else if (lists_desktop(current_desktop, "KDE")) {
    reason += " (KDE Plasma): keystrokes and window titles are not monitored: window titles need the Vigil KWin script (not built yet)";
  } else {
    reason += ": keystrokes and window titles are not monitored";
  }
  reason += "; keystrokes need the evdev route in the service";
  if (!detail.empty()) reason += "; " + std::string(detail);
  return reason;
}

}  // namespace vigil::platform
