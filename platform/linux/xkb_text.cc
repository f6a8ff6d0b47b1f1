#include "linux/xkb_text.h"

#include <cstdlib>

namespace vigil::platform {
namespace {

// Room for the longest UTF-8 a key or compose sequence produces.
constexpr size_t kUtf8Buffer = 64;

KeyAction action_for(xkb_keysym_t sym) {
  switch (sym) {
    case XKB_KEY_BackSpace: return KeyAction::kBackspace;
    case XKB_KEY_Delete: case XKB_KEY_KP_Delete: return KeyAction::kDelete;
    case XKB_KEY_Left: case XKB_KEY_KP_Left: return KeyAction::kLeft;
    case XKB_KEY_Right: case XKB_KEY_KP_Right: return KeyAction::kRight;
    case XKB_KEY_Home: case XKB_KEY_KP_Home: return KeyAction::kHome;
    case XKB_KEY_End: case XKB_KEY_KP_End: return KeyAction::kEnd;
    case XKB_KEY_Return: case XKB_KEY_KP_Enter: case XKB_KEY_ISO_Enter: case XKB_KEY_Linefeed: return KeyAction::kEnter;
    case XKB_KEY_Tab: case XKB_KEY_ISO_Left_Tab: case XKB_KEY_KP_Tab: return KeyAction::kTab;
    case XKB_KEY_Up: case XKB_KEY_Down: case XKB_KEY_Page_Up: case XKB_KEY_Page_Down:
    case XKB_KEY_KP_Up: case XKB_KEY_KP_Down: case XKB_KEY_Escape: return KeyAction::kCursorLost;
    default: return KeyAction::kText;
  }
}

// Shift, Control, Caps_Lock ... Hyper_R, and the ISO level/group shifts (AltGr). Dead keys
// (0xfe50..) are not modifiers: they go through the compose state.
bool is_modifier(xkb_keysym_t sym) {
  return (sym >= XKB_KEY_Shift_L && sym <= XKB_KEY_Hyper_R) || (sym >= XKB_KEY_ISO_Lock && sym <= XKB_KEY_ISO_Last_Group_Lock) ||
         sym == XKB_KEY_Num_Lock || sym == XKB_KEY_Mode_switch;
}

bool printable(const std::string& utf8) {
  if (utf8.empty()) return false;
  for (unsigned char c : utf8)
    if (c < 0x20 || c == 0x7F) return false;
  return true;
}

}  // namespace

std::string compose_locale() {
  for (const char* var : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = std::getenv(var);
    if (v && *v) return v;
  }
  return "C";
}

XkbPtr<xkb_compose_state> make_compose_state(xkb_context* context) {
  XkbPtr<xkb_compose_table> table(xkb_compose_table_new_from_locale(context, compose_locale().c_str(), XKB_COMPOSE_COMPILE_NO_FLAGS));
  if (!table) return nullptr;
  return XkbPtr<xkb_compose_state>(xkb_compose_state_new(table.get(), XKB_COMPOSE_STATE_NO_FLAGS));  // holds its own reference
}

std::optional<DesktopEvent> key_event(xkb_state* state, xkb_compose_state* compose, xkb_keycode_t keycode) {
  DesktopEvent out;
  out.kind = DesktopEvent::Kind::kKey;
  out.at = std::chrono::steady_clock::now();
  const xkb_keysym_t sym = xkb_state_key_get_one_sym(state, keycode);
  if (sym == XKB_KEY_NoSymbol || is_modifier(sym)) return std::nullopt;
  out.shortcut = xkb_state_mod_name_is_active(state, XKB_MOD_NAME_CTRL, XKB_STATE_MODS_EFFECTIVE) > 0 ||
                 xkb_state_mod_name_is_active(state, XKB_MOD_NAME_ALT, XKB_STATE_MODS_EFFECTIVE) > 0 ||
                 xkb_state_mod_name_is_active(state, XKB_MOD_NAME_LOGO, XKB_STATE_MODS_EFFECTIVE) > 0;
  out.action = action_for(sym);
  if (out.action != KeyAction::kText) {
    if (compose) xkb_compose_state_reset(compose);
    return out;
  }
  char buffer[kUtf8Buffer] = {};
  if (compose && !out.shortcut) {
    xkb_compose_state_feed(compose, sym);
    switch (xkb_compose_state_get_status(compose)) {
      case XKB_COMPOSE_COMPOSING: return std::nullopt;  // a dead key or Multi_key: wait for the rest
      case XKB_COMPOSE_CANCELLED: xkb_compose_state_reset(compose); return std::nullopt;
      case XKB_COMPOSE_COMPOSED:
        xkb_compose_state_get_utf8(compose, buffer, sizeof buffer);
        xkb_compose_state_reset(compose);
        out.text = buffer;
        break;
      case XKB_COMPOSE_NOTHING: break;
    }
  }
  if (out.text.empty()) {
    if (out.shortcut) xkb_keysym_to_utf8(sym, buffer, sizeof buffer);  // ctrl+c is "c", not U+0003
    else xkb_state_key_get_utf8(state, keycode, buffer, sizeof buffer);
    out.text = buffer;
  }
  if (!printable(out.text)) return std::nullopt;
  return out;
}

}  // namespace vigil::platform
