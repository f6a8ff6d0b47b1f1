// The evdev source's pairing rules, with keys and focus reports published straight into the
// pairing at chosen times (the reader itself is tested through a pipe in platform_test, and the
// whole route end to end in evdev_pairing_test). The source reads an idle FIFO, so no real
// keyboard of the machine running the tests can mix in.
#include "events/evdev_source.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include "support/process.h"

using namespace vigil::agent;
using vigil::platform::DesktopEvent;
using vigil::platform::KeyAction;

namespace {

using namespace std::chrono_literals;

struct Rig {
  vigil::test::TempDir dir;
  std::atomic<bool> stop{false};
  std::shared_ptr<EvdevPairing> pairing = std::make_shared<EvdevPairing>();
  std::unique_ptr<EvdevSource> source;
  // Everything happens in the past, so nothing waits for the settle delay.
  PairingClock::time_point base = PairingClock::now() - 60s;
  uint64_t generation = 0;

  Rig() {
    const std::string fifo = (dir / "idle.fifo").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto opened = EvdevSource::open(fifo, pairing, stop);
    REQUIRE(opened.ok());
    source = std::move(*opened);
  }

  void declare(std::chrono::milliseconds at) {
    PairingEvent e;
    e.kind = PairingEvent::Kind::kDeclared;
    e.at = base + at;
    e.connection = 1;
    e.user = "pupil";
    e.session_id = "uid 1000 pid 7";
    e.keymap.layout = "us";
    pairing->publish(e);
    generation = pairing->keymap().second;
  }

  void focus(std::chrono::milliseconds at, const std::string& window, bool password = false, bool grab = false) {
    PairingEvent e;
    e.kind = PairingEvent::Kind::kFocus;
    e.at = base + at;
    e.connection = 1;
    e.focus.window = {window, "foot", "/usr/bin/foot", "Window " + window};
    e.focus.password = password;
    e.focus.grab = grab;
    pairing->publish(e);
  }

  // One key per millisecond from `at`; '\n' is Enter.
  void type(std::chrono::milliseconds at, const std::string& text, std::optional<uint64_t> with_generation = std::nullopt) {
    for (char c : text) {
      DesktopEvent ev;
      ev.kind = DesktopEvent::Kind::kKey;
      ev.at = base + at;
      at += 1ms;
      ev.action = c == '\n' ? KeyAction::kEnter : KeyAction::kText;
      if (c != '\n') ev.text = std::string(1, c);
      pairing->publish_key({ev, with_generation.value_or(generation)});
    }
  }

  TextEvent next() {
    auto ev = source->next();
    REQUIRE(ev.ok());
    REQUIRE(ev->has_value());
    return (**ev).event;
  }
};

}  // namespace

TEST_CASE("evdev keys are assembled under the paired helper's window and dropped whenever pairing cannot vouch for them") {
  Rig rig;
  // Events more than kEvdevSettle apart, unless the point is that they are not.
  rig.type(0ms, "early\n");  // before any helper paired
  rig.declare(10ms);
  rig.focus(11ms, "A");
  rig.type(20ms, "hi\n");
  // A keyboard grab, then released.
  rig.focus(1000ms, "A", false, true);
  rig.type(1010ms, "grabbed\n");
  rig.focus(1100ms, "A");
  rig.type(2000ms, "ok\n");
  // A password field reported 40 ms after a submitted line: the report is late, the line is
  // still the password field's.
  rig.type(3000ms, "secret\n");
  rig.focus(3050ms, "A", true);
  rig.focus(3400ms, "A");
  rig.type(4000ms, "go\n");
  // A helper silent for longer than kPairingStale: hung, its state cannot be trusted.
  rig.type(3400ms + kPairingStale + 100ms, "stale\n");
  rig.focus(9000ms, "A");
  // Keys mapped before the helper's layout was in use.
  rig.type(9100ms, "wrongmap\n", rig.generation + 1);
  rig.type(9200ms, "fresh\n");
  // A focus change closes the open line, unsubmitted, under the window it was typed in.
  rig.type(10000ms, "abc");
  rig.focus(10100ms, "B");
  rig.type(10200ms, "de\n");

  const TextEvent hi = rig.next();
  CHECK(hi.text == "hi");
  CHECK(hi.user == "pupil");
  CHECK(hi.session_id == "uid 1000 pid 7");
  CHECK(hi.app == "foot");
  CHECK(hi.app_path == "/usr/bin/foot");
  CHECK(hi.title == "Window A");
  CHECK(hi.source == TextSource::kKeyboard);
  CHECK(hi.line_final);
  CHECK_FALSE(hi.unsubmitted);
  CHECK(rig.next().text == "ok");
  CHECK(rig.next().text == "go");
  CHECK(rig.next().text == "fresh");
  const TextEvent abc = rig.next();
  CHECK(abc.text == "abc");
  CHECK(abc.unsubmitted);
  CHECK(abc.title == "Window A");
  const TextEvent de = rig.next();
  CHECK(de.text == "de");
  CHECK(de.title == "Window B");
  CHECK(de.line_id != abc.line_id);
}

TEST_CASE("the helper leaving closes its line; keys after it are dropped; the state says who is paired") {
  Rig rig;
  CHECK(rig.source->state() == "waiting: 1 keyboard; no session helper paired, keys are dropped");
  rig.declare(0ms);
  rig.focus(1ms, "A");
  rig.type(10ms, "bye");
  PairingEvent gone;
  gone.kind = PairingEvent::Kind::kGone;
  gone.at = rig.base + 100ms;
  gone.connection = 1;
  rig.pairing->publish(gone);
  rig.type(200ms, "after\n");
  const TextEvent bye = rig.next();
  CHECK(bye.text == "bye");
  CHECK(bye.unsubmitted);
  CHECK(rig.source->state() == "waiting: 1 keyboard; no session helper paired, keys are dropped");
  rig.declare(300ms);
  rig.focus(301ms, "C");
  rig.type(310ms, "back\n");
  CHECK(rig.next().text == "back");
  CHECK(rig.source->state() == "active: 1 keyboard paired with the session of pupil");
  CHECK(rig.pairing->keyboards() == 1);
}

TEST_CASE("evdev:PATH that is missing or a regular file is refused with its name") {
  vigil::test::TempDir dir;
  std::atomic<bool> stop{false};
  auto pairing = std::make_shared<EvdevPairing>();
  auto missing = EvdevSource::open((dir / "nothing").string(), pairing, stop);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("nothing") != std::string::npos);
  vigil::test::write_file(dir / "keys.bin", "not a device");
  auto regular = EvdevSource::open((dir / "keys.bin").string(), pairing, stop);
  REQUIRE_FALSE(regular.ok());
  CHECK(regular.error().message.find("regular file") != std::string::npos);
}
