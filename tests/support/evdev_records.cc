#include "support/evdev_records.h"

#include <linux/input.h>
#include <sys/time.h>

#include <cstdint>
#include <map>
#include <stdexcept>

namespace vigil::test {

std::string evdev_key_records(const std::string& text) {
  static const std::map<char, uint16_t> kCodes = {
      {'a', KEY_A}, {'b', KEY_B}, {'c', KEY_C}, {'d', KEY_D}, {'e', KEY_E}, {'f', KEY_F}, {'g', KEY_G}, {'h', KEY_H},
      {'i', KEY_I}, {'j', KEY_J}, {'k', KEY_K}, {'l', KEY_L}, {'m', KEY_M}, {'n', KEY_N}, {'o', KEY_O}, {'p', KEY_P},
      {'q', KEY_Q}, {'r', KEY_R}, {'s', KEY_S}, {'t', KEY_T}, {'u', KEY_U}, {'v', KEY_V}, {'w', KEY_W}, {'x', KEY_X},
      {'y', KEY_Y}, {'z', KEY_Z}, {' ', KEY_SPACE}, {'\n', KEY_ENTER}};
  timeval now{};
  gettimeofday(&now, nullptr);
  std::string out;
  const auto add = [&](uint16_t type, uint16_t code, int32_t value) {
    input_event ev{};
    ev.input_event_sec = now.tv_sec;
    ev.input_event_usec = now.tv_usec;
    ev.type = type;
    ev.code = code;
    ev.value = value;
    out.append(reinterpret_cast<const char*>(&ev), sizeof ev);
  };
  for (char c : text) {
    const auto it = kCodes.find(c);
    if (it == kCodes.end()) throw std::invalid_argument(std::string("no key code for '") + c + "'");
    add(EV_KEY, it->second, 1);
    add(EV_KEY, it->second, 0);
    add(EV_SYN, SYN_REPORT, 0);
  }
  return out;
}

}  // namespace vigil::test
