// SessionSource over a real Unix socket: the user comes from the kernel's peer credentials, and
// a helper that breaks the protocol is dropped with a reason while others carry on.
#include "events/session_source.h"

#include <doctest/doctest.h>
#include <pwd.h>
#include <unistd.h>

#include <thread>

#include "support/process.h"

using namespace vigil::agent;

namespace {

std::string login_of_this_process() {
  const passwd* pw = getpwuid(getuid());
  return pw ? pw->pw_name : std::to_string(getuid());
}

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
