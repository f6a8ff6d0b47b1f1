#pragma once
// What the helper reports for a Wayland session it cannot watch. Internal to platform/linux.

#include <string>
#include <string_view>

namespace vigil::platform {

// Why a Wayland session is not monitored, naming the desktop ($XDG_CURRENT_DESKTOP, a
// colon-separated list such as "ubuntu:GNOME") when it is one whose own route is known but not
// built, so a network manager reading the coverage gap knows what is missing. `detail` says what
// failed (no compositor, no foreign-toplevel manager).
std::string wayland_unavailable_reason(std::string_view current_desktop, std::string_view detail);

}  // namespace vigil::platform
