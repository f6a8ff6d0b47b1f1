#pragma once
// What a keyboard's /dev/input/eventN delivers for typed text, for tests that feed the agent's
// evdev reader through a FIFO (test machines have no /dev/input).

#include <string>

namespace vigil::test {

// Press, release and SYN_REPORT per character of a-z, space and "\n" (Enter), on a US layout,
// stamped with the time of the call as the kernel stamps real key presses. Throws on any other
// character.
std::string evdev_key_records(const std::string& text);

}  // namespace vigil::test
