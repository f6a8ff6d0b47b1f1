// The Wayland key path without /dev/input: struct input_event records written into a pipe, read
// by the evdev reader and mapped with xkbcommon for a named layout.
#include "vigil/platform/evdev_key_reader.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/input.h>
#include <sys/stat.h>
#include <sys/time.h>
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

TEST_CASE("set_keymap switches layout for later keys; an unknown one is refused and the old one stays") {
  setenv("LC_ALL", "en_US.UTF-8", 1);
  Pipe pipe;
  auto reader = open_evdev_reader(pipe.read_end, {"", "", "us", "", ""});
  REQUIRE(reader.ok());
  std::vector<input_event> shift3;
  shift3.push_back(key(KEY_LEFTSHIFT, 1));
  tap(shift3, KEY_3);
  shift3.push_back(key(KEY_LEFTSHIFT, 0));
  const auto read_now = [&] {
    std::string text;
    REQUIRE((*reader)->pump([&](const DesktopEvent& ev) { text += ev.text; }, kPumpTimeout).ok());
    return text;
  };
  pipe.write_records(shift3);
  CHECK(read_now() == "#");
  REQUIRE((*reader)->set_keymap({"", "", "gb", "", ""}).ok());
  pipe.write_records(shift3);
  CHECK(read_now() == "£");
  auto refused = (*reader)->set_keymap({"", "", "no-such-layout", "", ""});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("no-such-layout") != std::string::npos);
  pipe.write_records(shift3);
  CHECK(read_now() == "£");
}

TEST_CASE("a key carries the kernel's time of the press; a record without one gets the time it was read") {
  Pipe pipe;
  auto reader = open_evdev_reader(pipe.read_end, {"", "", "us", "", ""});
  REQUIRE(reader.ok());
  timeval now{};
  gettimeofday(&now, nullptr);
  std::vector<input_event> r;
  tap(r, KEY_A);  // no timestamp
  tap(r, KEY_B);
  for (size_t i = 3; i < 6; ++i) r[i].input_event_sec = now.tv_sec - 2;  // pressed two seconds ago
  for (size_t i = 3; i < 6; ++i) r[i].input_event_usec = now.tv_usec;
  pipe.write_records(r);
  std::vector<DesktopEvent> keys;
  const auto before = std::chrono::steady_clock::now();
  REQUIRE((*reader)->pump([&](const DesktopEvent& ev) { keys.push_back(ev); }, kPumpTimeout).ok());
  REQUIRE(keys.size() == 2);
  CHECK(keys[0].at >= before);
  // Keys never go back in time: "b", pressed before "a" was read, is stamped no earlier.
  CHECK(keys[1].at == keys[0].at);
  tap(r, KEY_C);
  r.erase(r.begin(), r.begin() + 6);
  for (auto& rec : r) {
    rec.input_event_sec = now.tv_sec + 2;  // two seconds in the future: still plausible
    rec.input_event_usec = now.tv_usec;
  }
  pipe.write_records(r);
  REQUIRE((*reader)->pump([&](const DesktopEvent& ev) { keys.push_back(ev); }, kPumpTimeout).ok());
  REQUIRE(keys.size() == 3);
  CHECK(keys[2].at > std::chrono::steady_clock::now() + std::chrono::seconds(1));
}

TEST_CASE("open_evdev_device opens a FIFO before any writer and reports its end; a missing path is named") {
  char dir_template[] = "/tmp/vigil-evdev-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string fifo = std::string(dir_template) + "/keys";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto reader = open_evdev_device(fifo, {"", "", "us", "", ""});
  REQUIRE(reader.ok());
  std::string text;
  const auto sink = [&](const DesktopEvent& ev) { text += ev.text; };
  auto idle = (*reader)->pump(sink, std::chrono::milliseconds(0));  // no writer yet: nothing, not the end
  REQUIRE(idle.ok());
  CHECK(*idle);
  const int writer = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
  REQUIRE(writer >= 0);
  std::vector<input_event> r;
  tap(r, KEY_O);
  tap(r, KEY_K);
  REQUIRE(::write(writer, r.data(), r.size() * sizeof(input_event)) == static_cast<ssize_t>(r.size() * sizeof(input_event)));
  ::close(writer);
  bool more = true;
  while (more) {
    auto got = (*reader)->pump(sink, kPumpTimeout);
    REQUIRE(got.ok());
    more = *got;
  }
  CHECK(text == "ok");
  reader->reset();
  ::unlink(fifo.c_str());
  ::rmdir(dir_template);

  auto missing = open_evdev_device("/nonexistent/event7", {"", "", "us", "", ""});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("/nonexistent/event7") != std::string::npos);
}
