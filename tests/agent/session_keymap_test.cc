// The session's layout for the evdev route: the compositor's XKB_DEFAULT_* first, then Debian's
// /etc/default/keyboard, then "us".
#include "session/session_keymap.h"

#include <doctest/doctest.h>

#include <map>

using namespace vigil::agent;

namespace {

auto env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

constexpr const char* kDebianKeyboard = R"(# KEYBOARD CONFIGURATION FILE

# Consult the keyboard(5) manual page.

XKBMODEL="pc105"
XKBLAYOUT="gb"
XKBVARIANT="extd"
XKBOPTIONS='compose:ralt'

BACKSPACE="guess"
)";

}  // namespace

TEST_CASE("/etc/default/keyboard is read for model, layout, variant and options") {
  const auto k = parse_default_keyboard(kDebianKeyboard);
  CHECK(k.model == "pc105");
  CHECK(k.layout == "gb");
  CHECK(k.variant == "extd");
  CHECK(k.options == "compose:ralt");
  CHECK(k.rules.empty());
  CHECK(parse_default_keyboard("garbage\n=\nXKBLAYOUT=de\n").layout == "de");
}

TEST_CASE("the compositor's XKB_DEFAULT_* win over the system file, which wins over us") {
  const auto from_env = session_keymap(env_of({{"XKB_DEFAULT_LAYOUT", "fr"}, {"XKB_DEFAULT_VARIANT", "azerty"}}), kDebianKeyboard);
  CHECK(from_env.layout == "fr");
  CHECK(from_env.variant == "azerty");
  CHECK(from_env.model.empty());

  const auto from_file = session_keymap(env_of({{"XKB_DEFAULT_OPTIONS", "caps:none"}}), kDebianKeyboard);
  CHECK(from_file.layout == "gb");
  CHECK(from_file.variant == "extd");
  CHECK(from_file.options == "caps:none");  // the session's own option still applies

  const auto fallback = session_keymap(env_of({}), "");
  CHECK(fallback.layout == "us");
}
