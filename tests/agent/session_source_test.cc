// SessionSource over a real Unix socket: the user comes from the kernel's peer credentials, and
// a helper that breaks the protocol is dropped with a reason while others carry on.
#include "events/session_source.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "support/process.h"

using namespace vigil::agent;
using vigil::test::login_of_this_process;

namespace {

UnitMessage unit(uint64_t line, const std::string& stage, const std::string& text) {
  UnitMessage u;
  u.line = line;
  u.stage = stage;
  u.text = text;
  u.app = "xterm";
  u.title = "Terminal";
  u.observed_at = std::chrono::system_clock::now();
  return u;
}

}  // namespace

TEST_CASE("units arrive with the peer's real login; a broken helper is dropped, not the source") {
  vigil::test::TempDir dir;
  std::atomic<bool> stop{false};
  auto source = SessionSource::open((dir / "s.sock").string(), stop);
  REQUIRE(source.ok());
  CHECK((*source)->state() == "waiting: no session helper connected");

  auto good = vigil::platform::connect_local((dir / "s.sock").string());
  REQUIRE(good.ok());
  REQUIRE((*good)->send(encode_frame(HelloMessage{1, "x11"}) + encode_frame(unit(7, "open", "hello there ")) +
                        encode_frame(unit(7, "closed", "hello there you"))).ok());
  auto first = (*source)->next();
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  const TextEvent& ev = (**first).event;
  CHECK(ev.user == login_of_this_process());
  CHECK(ev.text == "hello there ");
  CHECK(ev.app == "xterm");
  CHECK(ev.source == TextSource::kKeyboard);
  CHECK_FALSE(ev.line_final);
  auto second = (*source)->next();
  REQUIRE(second.ok());
  CHECK((**second).event.line_id == ev.line_id);
  CHECK((**second).event.line_final);
  CHECK((*source)->state() == "active: 1 session helper");

  REQUIRE((*good)->send(encode_frame(CoverageMessage{"unavailable: testing"}) + encode_frame(unit(8, "closed", "still here"))).ok());
  auto third = (*source)->next();
  REQUIRE(third.ok());
  REQUIRE(third->has_value());
  CHECK((**third).event.text == "still here");
  CHECK((*source)->state().find("gap: ") == 0);
  CHECK((*source)->state().find("unavailable: testing") != std::string::npos);

  // A peer that skips the hello is dropped with the reason; next() keeps serving (it returns
  // only when the stop flag is set, which the watcher does once the warning is out, waking the
  // listener as the agent does when it stops).
  auto bad = vigil::platform::connect_local((dir / "s.sock").string());
  REQUIRE(bad.ok());
  REQUIRE((*bad)->send(encode_frame(unit(1, "open", "no hello first "))).ok());
  std::thread watcher([&] {
    vigil::test::wait_until([&] { return (*source)->last_warning().find("first frame must be hello") != std::string::npos; },
                            std::chrono::seconds(10));
    stop = true;
    (*source)->interrupt();
  });
  auto end = (*source)->next();
  watcher.join();
  REQUIRE(end.ok());
  CHECK_FALSE(end->has_value());
  CHECK((*source)->last_warning().find("first frame must be hello") != std::string::npos);
}

namespace {

// Runs the source's next() on its own thread, as the agent's pipeline does, until stopped.
struct Pump {
  std::atomic<bool> stop{false};
  std::unique_ptr<SessionSource> source;
  std::thread thread;
  Pump(const std::string& path, SessionSourceOptions options) {
    auto opened = SessionSource::open(path, stop, std::move(options));
    REQUIRE(opened.ok());
    source = std::move(*opened);
    thread = std::thread([this] {
      while (!stop.load()) (void)source->next();
    });
  }
  ~Pump() {
    stop = true;
    source->interrupt();
    thread.join();
  }
  bool state_becomes(const std::function<bool(const std::string&)>& ok) {
    return vigil::test::wait_until([&] { return ok(source->state()); }, std::chrono::seconds(10));
  }
};

}  // namespace

TEST_CASE("a helper gone without goodbye is a coverage gap after the grace period until its user's helper returns; goodbye is none") {
  vigil::test::TempDir dir;
  const std::string path = (dir / "s.sock").string();
  Pump pump(path, {std::chrono::milliseconds(0), nullptr});
  const std::string user = login_of_this_process();
  {
    auto killed = vigil::platform::connect_local(path);
    REQUIRE(killed.ok());
    REQUIRE((*killed)->send(encode_frame(HelloMessage{1, "x11"})).ok());
  }
  CHECK(pump.state_becomes([&](const std::string& s) {
    return s.find("gap: " + user + ": helper stopped unexpectedly at 20") == 0 && s.find("session of " + user + " not monitored") != std::string::npos;
  }));
  auto back = vigil::platform::connect_local(path);
  REQUIRE(back.ok());
  REQUIRE((*back)->send(encode_frame(HelloMessage{1, "x11"})).ok());
  CHECK(pump.state_becomes([](const std::string& s) { return s == "active: 1 session helper"; }));
  REQUIRE((*back)->send(encode_frame(GoodbyeMessage{"stopped"})).ok());
  back->reset();
  // Grace 0: a gap, had one been recorded, would already show with the helper gone.
  CHECK(pump.state_becomes([](const std::string& s) { return s == "waiting: no session helper connected"; }));
}

TEST_CASE("a helper needing the evdev route is a partial gap until a keyboard is read for it; its frames reach the pairing") {
  vigil::test::TempDir dir;
  const std::string path = (dir / "s.sock").string();
  auto pairing = std::make_shared<EvdevPairing>();
  Pump pump(path, {std::chrono::seconds(10), pairing});
  auto helper = vigil::platform::connect_local(path);
  REQUIRE(helper.ok());
  FocusMessage focus;
  focus.window = {"3", "foot", "/usr/bin/foot", "Terminal"};
  focus.password = true;
  REQUIRE((*helper)->send(encode_frame(HelloMessage{1, "wlroots"}) +
                          encode_frame(CoverageMessage{"partial: window titles only; keystrokes need the evdev route in the service (Wayland gives keys to no other client)", {}}) +
                          encode_frame(EvdevMessage{{"", "pc105", "gb", "", ""}}) + encode_frame(focus)).ok());
  CHECK(pump.state_becomes([](const std::string& s) { return s.find("gap: ") == 0 && s.find("(wlroots): partial:") != std::string::npos; }));
  pairing->set_keyboards(1);
  CHECK(pump.state_becomes([](const std::string& s) { return s == "active: 1 session helper"; }));

  std::vector<PairingEvent> events;
  CHECK(vigil::test::wait_until(
      [&] {
        for (auto& e : pairing->take(std::chrono::steady_clock::now()).pairing) events.push_back(std::move(e));
        return events.size() >= 2;
      },
      std::chrono::seconds(10)));
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == PairingEvent::Kind::kDeclared);
  CHECK(events[0].user == login_of_this_process());  // from SO_PEERCRED
  CHECK(events[0].keymap.layout == "gb");
  CHECK(pairing->keymap().first.layout == "gb");
  CHECK(pairing->keymap().second == events[0].keymap_generation);
  CHECK(events[1].kind == PairingEvent::Kind::kFocus);
  CHECK(events[1].focus.window.title == "Terminal");
  CHECK(events[1].focus.password);

  // A focus frame from a helper that never declared evdev breaks the protocol.
  auto confused = vigil::platform::connect_local(path);
  REQUIRE(confused.ok());
  REQUIRE((*confused)->send(encode_frame(HelloMessage{1, "x11"}) + encode_frame(focus)).ok());
  CHECK(vigil::test::wait_until([&] { return pump.source->last_warning().find("focus frame before an evdev frame") != std::string::npos; },
                                std::chrono::seconds(10)));
}
