// Keyboard discovery for the Wayland key path, against a fake directory and fake ioctls (no
// /dev/input needed), and the real probe against a directory of files that are not devices.
#include "vigil/platform/evdev_discovery.h"

#include <doctest/doctest.h>
#include <linux/input.h>

#include <algorithm>
#include <map>

#include "support/process.h"

using namespace vigil;
using namespace vigil::platform;

namespace {

struct FakeDevice {
  std::vector<unsigned> types;
  std::vector<unsigned> keys;
  std::string name;
  std::string open_error;  // non-empty: the node cannot be opened (e.g. permission denied)
};

std::vector<uint8_t> bitmap(const std::vector<unsigned>& bits, size_t max_bit) {
  std::vector<uint8_t> out(max_bit / 8 + 1);
  for (unsigned b : bits) out[b / 8] |= static_cast<uint8_t>(1u << (b % 8));
  return out;
}

class FakeProbe final : public InputDeviceProbe {
 public:
  std::vector<std::string> entries;
  std::map<std::string, FakeDevice> devices;  // by path

  Result<std::vector<std::string>> list(const std::string& dir) override {
    if (dir != "/dev/input") return make_error(ErrorCode::kUnavailable, dir + ": No such file or directory");
    return entries;
  }
  Result<std::vector<uint8_t>> capabilities(const std::string& path, unsigned event_type) override {
    const auto it = devices.find(path);
    if (it == devices.end()) return make_error(ErrorCode::kUnavailable, "No such device");
    if (!it->second.open_error.empty()) return make_error(ErrorCode::kUnavailable, it->second.open_error);
    if (event_type == 0) return bitmap(it->second.types, EV_MAX);
    if (event_type == EV_KEY) return bitmap(it->second.keys, KEY_MAX);
    return std::vector<uint8_t>{};
  }
  std::string name(const std::string& path) override { return devices.count(path) ? devices[path].name : ""; }
};

std::vector<unsigned> full_keyboard() {
  std::vector<unsigned> keys{KEY_ESC, KEY_ENTER, KEY_SPACE, KEY_LEFTSHIFT, KEY_BACKSPACE};
  for (unsigned k : {KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
                     KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z}) {
    keys.push_back(k);
  }
  return keys;
}

bool skipped(const KeyboardScan& scan, const std::string& path, const std::string& reason) {
  for (const auto& s : scan.skipped) {
    if (s.find(path + ": ") == 0 && s.find(reason) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("only event nodes with EV_KEY and every letter and space are keyboards, in event number order") {
  FakeProbe probe;
  probe.entries = {".", "..", "by-id", "by-path", "mice", "mouse0", "event10", "event2", "event0", "event1", "event3", "event4",
                   "eventX"};
  probe.devices["/dev/input/event0"] = {{EV_SYN, EV_KEY}, {KEY_POWER}, "Power Button", ""};
  probe.devices["/dev/input/event1"] = {{EV_SYN, EV_KEY, EV_REL}, {BTN_LEFT, BTN_RIGHT}, "USB Optical Mouse", ""};
  probe.devices["/dev/input/event2"] = {{EV_SYN, EV_KEY, EV_MSC, EV_LED, EV_REP}, full_keyboard(), "AT Translated Set 2 keyboard", ""};
  probe.devices["/dev/input/event3"] = {{EV_SYN, EV_SW}, {}, "Lid Switch", ""};
  probe.devices["/dev/input/event4"] = {{}, {}, "", "Permission denied"};
  auto partial = full_keyboard();
  partial.erase(std::find(partial.begin(), partial.end(), static_cast<unsigned>(KEY_Q)));
  probe.devices["/dev/input/event10"] = {{EV_SYN, EV_KEY}, full_keyboard(), "USB Keyboard", ""};

  auto scan = find_keyboards(probe);
  REQUIRE(scan.ok());
  REQUIRE(scan->keyboards.size() == 2);
  CHECK(scan->keyboards[0].path == "/dev/input/event2");  // 2 before 10: numbers, not strings
  CHECK(scan->keyboards[0].name == "AT Translated Set 2 keyboard");
  CHECK(scan->keyboards[1].path == "/dev/input/event10");
  CHECK(skipped(*scan, "/dev/input/event0", "not the letters"));
  CHECK(skipped(*scan, "/dev/input/event1", "not the letters"));
  CHECK(skipped(*scan, "/dev/input/event3", "no keys"));
  CHECK(skipped(*scan, "/dev/input/event4", "Permission denied"));
  CHECK(scan->skipped.size() == 4);  // by-id, mice, mouse0, eventX are not even looked at

  // A pad with keys but one letter short (a macro pad, a numeric keypad) cannot type words.
  probe.devices["/dev/input/event10"].keys = partial;
  scan = find_keyboards(probe);
  REQUIRE(scan.ok());
  REQUIRE(scan->keyboards.size() == 1);
  CHECK(skipped(*scan, "/dev/input/event10", "not the letters"));
}

TEST_CASE("a directory that cannot be listed is an error naming it") {
  FakeProbe probe;
  auto scan = find_keyboards(probe, "/nonexistent/input");
  REQUIRE_FALSE(scan.ok());
  CHECK(scan.error().message.find("/nonexistent/input") != std::string::npos);
  auto real = find_keyboards(*system_input_probe(), "/nonexistent/input");
  REQUIRE_FALSE(real.ok());
  CHECK(real.error().message.find("/nonexistent/input") != std::string::npos);
}

TEST_CASE("the real probe skips event files that are not input devices, with the reason") {
  test::TempDir dir;
  test::write_file(dir / "event0", "not a device");
  test::write_file(dir / "js0", "");
  auto scan = find_keyboards(*system_input_probe(), dir.path().string());
  REQUIRE(scan.ok());
  CHECK(scan->keyboards.empty());
  REQUIRE(scan->skipped.size() == 1);
  CHECK(scan->skipped[0].find("event0: not an input device") != std::string::npos);
}
