#pragma once
// The keyboard layout of this session, for a helper that asks the service to read keys from
// evdev (Wayland): the compositor's XKB_DEFAULT_* environment when the session has one, else the
// system default in /etc/default/keyboard (Debian's keyboard-configuration), else "us".

#include <functional>
#include <string>

#include "vigil/platform/evdev_key_reader.h"

namespace vigil::agent {

inline constexpr const char* kSystemKeyboardFile = "/etc/default/keyboard";

// XKBMODEL, XKBLAYOUT, XKBVARIANT, XKBOPTIONS from the shell-style assignments of
// /etc/default/keyboard; other lines and comments are ignored.
platform::KeymapNames parse_default_keyboard(const std::string& text);

// `env` looks up an environment variable (nullptr when unset); `system_file` is the text of
// /etc/default/keyboard (empty when missing).
platform::KeymapNames session_keymap(const std::function<const char*(const char*)>& env, const std::string& system_file);

}  // namespace vigil::agent
