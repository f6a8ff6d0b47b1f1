#pragma once
// Key codes to text with xkbcommon, shared by the X11 and evdev key sources: the session's
// keymap with shift, caps lock, AltGr (level 3), dead keys and compose sequences. Internal to
// platform/linux.

#include <xkbcommon/xkbcommon-compose.h>
#include <xkbcommon/xkbcommon.h>

#include <memory>
#include <optional>
#include <string>

#include "vigil/platform/desktop_source.h"

namespace vigil::platform {

struct XkbDeleter {
  void operator()(xkb_context* p) const { xkb_context_unref(p); }
  void operator()(xkb_keymap* p) const { xkb_keymap_unref(p); }
  void operator()(xkb_state* p) const { xkb_state_unref(p); }
  void operator()(xkb_compose_table* p) const { xkb_compose_table_unref(p); }
  void operator()(xkb_compose_state* p) const { xkb_compose_state_unref(p); }
};
template <class T>
using XkbPtr = std::unique_ptr<T, XkbDeleter>;

// The locale whose Compose file applies ($LC_ALL, $LC_CTYPE, $LANG, else "C").
std::string compose_locale();

// A compose state for the session's locale; null when the locale has no Compose file (dead keys
// then type nothing, the rest still works).
XkbPtr<xkb_compose_state> make_compose_state(xkb_context* context);

// What pressing `keycode` does in `state` (before the press is applied to it), or nothing for
// modifiers, keys still composing and keys that type nothing.
std::optional<DesktopEvent> key_event(xkb_state* state, xkb_compose_state* compose, xkb_keycode_t keycode);

}  // namespace vigil::platform
