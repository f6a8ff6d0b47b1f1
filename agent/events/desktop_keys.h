#pragma once
// A platform key event as the text assembler's Key; shared by the session helper (X11 keys) and
// the service's evdev source (Wayland keys), so both assemble text the same way.

#include "assembly/text_assembler.h"
#include "vigil/platform/desktop_source.h"

namespace vigil::agent {

inline KeyKind key_kind(platform::KeyAction a) {
  switch (a) {
    case platform::KeyAction::kText: return KeyKind::kText;
    case platform::KeyAction::kBackspace: return KeyKind::kBackspace;
    case platform::KeyAction::kDelete: return KeyKind::kDelete;
    case platform::KeyAction::kLeft: return KeyKind::kLeft;
    case platform::KeyAction::kRight: return KeyKind::kRight;
    case platform::KeyAction::kHome: return KeyKind::kHome;
    case platform::KeyAction::kEnd: return KeyKind::kEnd;
    case platform::KeyAction::kEnter: return KeyKind::kEnter;
    case platform::KeyAction::kTab: return KeyKind::kTab;
    case platform::KeyAction::kCursorLost: return KeyKind::kCursorLost;
    case platform::KeyAction::kIgnored: return KeyKind::kIgnored;
  }
  return KeyKind::kIgnored;
}

inline Key to_key(const platform::DesktopEvent& ev) { return {key_kind(ev.action), ev.text, ev.shortcut}; }

}  // namespace vigil::agent
