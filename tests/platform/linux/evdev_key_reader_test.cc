// The Wayland key path without /dev/input: struct input_event records written into a pipe, read
// by the evdev reader and mapped with xkbcommon for a named layout.
#include "vigil/platform/evdev_key_reader.h"

#include <doctest/doctest.h>
#include <linux/input.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

using namespace vigil::platform;

namespace {

constexpr std::chrono::milliseconds kPumpTimeout{1000};

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    if (write_end >= 0) ::close(write_end);
  }
  void write_records(const std::vector<input_event>& records, size_t split_at = 0) {
    const auto* bytes = reinterpret_cast<const char*>(records.data());
    const size_t size = records.size() * sizeof(input_event);
    if (split_at == 0) split_at = size;
    REQUIRE(::write(write_end, bytes, split_at) == static_cast<ssize_t>(split_at));
    if (split_at < size) REQUIRE(::write(write_end, bytes + split_at, size - split_at) == static_cast<ssize_t>(size - split_at));
  }
};

input_event key(uint16_t code, int value) {
  input_event ev{};
  ev.type = EV_KEY;
  ev.code = code;
  ev.value = value;
  return ev;
}

void tap(std::vector<input_event>& out, uint16_t code) {
  out.push_back(key(code, 1));
  out.push_back(key(code, 0));
  input_event syn{};
  syn.type = EV_SYN;
  out.push_back(syn);
}

std::string typed(EvdevKeyReader& reader, Pipe& pipe, const std::vector<input_event>& records, size_t split_at = 0) {
  pipe.write_records(records, split_at);
  ::close(pipe.write_end);
  pipe.write_end = -1;
  std::string text;
  while (true) {
    auto more = reader.pump(
        [&](const DesktopEvent& ev) {
          if (ev.action == KeyAction::kText && !ev.shortcut) text += ev.text;
          if (ev.action == KeyAction::kBackspace) text += "<BS>";
        },
        kPumpTimeout);
    REQUIRE(more.ok());
    if (!*more) break;
  }
  return text;
}

}  // namespace

TEST_CASE("shift, caps lock and backspace on a US layout, records split across reads") {
  setenv("LC_ALL", "en_US.UTF-8", 1);
  Pipe pipe;
  auto reader = open_evdev_reader(pipe.read_end, {"", "", "us", "", ""});
  REQUIRE(reader.ok());
  std::vector<input_event> r;
  r.push_back(key(KEY_LEFTSHIFT, 1));
  tap(r, KEY_H);
  r.push_back(key(KEY_LEFTSHIFT, 0));
  tap(r, KEY_I);
  tap(r, KEY_SPACE);
  tap(r, KEY_CAPSLOCK);
  tap(r, KEY_A);
  tap(r, KEY_CAPSLOCK);
  tap(r, KEY_B);
  tap(r, KEY_BACKSPACE);
  tap(r, KEY_1);
  CHECK(typed(**reader, pipe, r, sizeof(input_event) * 3 + 5) == "Hi Ab<BS>1");
}

TEST_CASE("AltGr on a UK layout and a dead key on US international") {
  setenv("LC_ALL", "en_US.UTF-8", 1);
  {
    Pipe pipe;
    auto reader = open_evdev_reader(pipe.read_end, {"", "", "gb", "", ""});
    REQUIRE(reader.ok());
    std::vector<input_event> r;
    r.push_back(key(KEY_RIGHTALT, 1));
    tap(r, KEY_4);
    r.push_back(key(KEY_RIGHTALT, 0));
    r.push_back(key(KEY_LEFTSHIFT, 1));
    tap(r, KEY_3);
    r.push_back(key(KEY_LEFTSHIFT, 0));
    CHECK(typed(**reader, pipe, r) == "€£");
  }
  {
    Pipe pipe;
    auto reader = open_evdev_reader(pipe.read_end, {"", "", "us", "intl", ""});
    REQUIRE(reader.ok());
    std::vector<input_event> r;
    tap(r, KEY_C);
    tap(r, KEY_A);
    tap(r, KEY_F);
    tap(r, KEY_APOSTROPHE);  // dead_acute
    tap(r, KEY_E);
    CHECK(typed(**reader, pipe, r) == "café");
  }
}

TEST_CASE("an unknown layout is refused with its name") {
  Pipe pipe;
  auto reader = open_evdev_reader(pipe.read_end, {"", "", "no-such-layout", "", ""});
  REQUIRE_FALSE(reader.ok());
  CHECK(reader.error().message.find("no-such-layout") != std::string::npos);
}
