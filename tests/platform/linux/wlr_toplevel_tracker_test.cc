// The wlroots source's bookkeeping, driven with the event sequences a compositor sends (sway's
// order where it matters), without a compositor.
#include "linux/wlr_toplevel_tracker.h"

#include <doctest/doctest.h>

#include "linux/wayland_coverage.h"

using vigil::platform::DesktopEvent;
using vigil::platform::ToplevelTracker;
using Kind = DesktopEvent::Kind;

namespace {

const ToplevelTracker::Clock::time_point kAt{std::chrono::seconds(7)};

// A window as a compositor announces it: title, app_id, state, done.
uint64_t open(ToplevelTracker& t, const std::string& title, const std::string& app, bool activated, std::vector<DesktopEvent>* out = nullptr) {
  const uint64_t id = t.add();
  t.title(id, title);
  t.app_id(id, app);
  t.activated(id, activated);
  auto events = t.done(id, kAt);
  if (out) *out = std::move(events);
  return id;
}

}  // namespace

TEST_CASE("a window that opens focused is a kFocus with its id, app_id and title, stamped with the done's time") {
  ToplevelTracker t;
  std::vector<DesktopEvent> events;
  const uint64_t id = open(t, "Homework - Writer", "org.libreoffice.Writer", true, &events);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::kFocus);
  CHECK(events[0].at == kAt);
  CHECK(events[0].window.id == std::to_string(id));
  CHECK(events[0].window.app == "org.libreoffice.Writer");
  CHECK(events[0].window.title == "Homework - Writer");
  CHECK(events[0].window.app_path.empty());
}

TEST_CASE("nothing is published before done, and a batch is judged as a whole") {
  ToplevelTracker t;
  const uint64_t id = t.add();
  t.title(id, "first");
  t.app_id(id, "foot");
  t.activated(id, true);
  t.title(id, "second");  // superseded within the batch: never published on its own
  const auto events = t.done(id, kAt);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::kFocus);
  CHECK(events[0].window.title == "second");
}

TEST_CASE("the focused window's new title is a kTitle; an unchanged title or a background window's title is nothing") {
  ToplevelTracker t;
  const uint64_t background = open(t, "Music", "spotify", false);
  const uint64_t focused = open(t, "New Tab", "chromium", true);
  t.title(focused, "how to kill myself - Search");
  auto events = t.done(focused, kAt);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::kTitle);
  CHECK(events[0].window.id == std::to_string(focused));
  CHECK(events[0].window.app == "chromium");
  CHECK(events[0].window.title == "how to kill myself - Search");

  t.title(focused, "how to kill myself - Search");  // sent again, same text
  CHECK(t.done(focused, kAt).empty());
  t.title(background, "Now playing");  // a window without focus: the helper hears it when focused
  CHECK(t.done(background, kAt).empty());
}

TEST_CASE("focus moving between windows: one kFocus for the new window, in either order of the two batches") {
  SUBCASE("the old window is deactivated first") {
    ToplevelTracker t;
    const uint64_t a = open(t, "A", "foot", true);
    const uint64_t b = open(t, "B", "gedit", false);
    t.activated(a, false);
    auto gone = t.done(a, kAt);
    REQUIRE(gone.size() == 1);  // for a moment nothing is focused
    CHECK(gone[0].kind == Kind::kFocus);
    CHECK(gone[0].window.id.empty());
    t.activated(b, true);
    auto events = t.done(b, kAt);
    REQUIRE(events.size() == 1);
    CHECK(events[0].window.id == std::to_string(b));
    CHECK(events[0].window.title == "B");
    CHECK(t.focus_now(kAt).window.id == std::to_string(b));
  }
  SUBCASE("the new window is activated first") {
    ToplevelTracker t;
    const uint64_t a = open(t, "A", "foot", true);
    const uint64_t b = open(t, "B", "gedit", false);
    t.activated(b, true);
    auto events = t.done(b, kAt);
    REQUIRE(events.size() == 1);
    CHECK(events[0].window.id == std::to_string(b));
    t.activated(a, false);
    CHECK(t.done(a, kAt).empty());  // a window without focus cannot take it away from b
    CHECK(t.focus_now(kAt).window.id == std::to_string(b));
  }
}

TEST_CASE("an app_id arriving after the window was focused is a new kFocus, so later units carry the right app") {
  ToplevelTracker t;
  const uint64_t id = open(t, "Untitled", "", true);
  t.app_id(id, "org.gnome.TextEditor");
  auto events = t.done(id, kAt);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::kFocus);
  CHECK(events[0].window.app == "org.gnome.TextEditor");
}

TEST_CASE("closing the focused window leaves no focus; closing another changes nothing; ids are never reused") {
  ToplevelTracker t;
  const uint64_t a = open(t, "A", "foot", false);
  const uint64_t b = open(t, "B", "foot", true);
  CHECK(t.closed(a, kAt).empty());
  auto events = t.closed(b, kAt);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Kind::kFocus);
  CHECK(events[0].window.id.empty());
  CHECK(t.focus_now(kAt).window.id.empty());
  CHECK(t.size() == 0);
  const uint64_t c = open(t, "C", "foot", true);
  CHECK(c != a);
  CHECK(c != b);
  // Events for a closed handle (already in flight) are ignored, not an error.
  t.title(b, "late");
  CHECK(t.done(b, kAt).empty());
  CHECK(t.closed(b, kAt).empty());
}

TEST_CASE("focus_now reports the window focused at start, or no window") {
  ToplevelTracker t;
  CHECK(t.focus_now(kAt).kind == Kind::kFocus);
  CHECK(t.focus_now(kAt).window.id.empty());
  open(t, "Background", "foot", false);
  const uint64_t focused = open(t, "Essay", "abiword", true);
  const auto now = t.focus_now(kAt);
  CHECK(now.window.id == std::to_string(focused));
  CHECK(now.window.title == "Essay");
}

TEST_CASE("a Wayland session that cannot be watched names the missing route for GNOME and KDE") {
  using vigil::platform::wayland_unavailable_reason;
  const std::string detail = "the compositor does not offer zwlr_foreign_toplevel_manager_v1 (window titles)";
  const std::string gnome = wayland_unavailable_reason("ubuntu:GNOME", detail);
  CHECK(gnome.find("Wayland session (GNOME)") == 0);
  CHECK(gnome.find("GNOME Shell extension") != std::string::npos);
  CHECK(gnome.find(detail) != std::string::npos);
  const std::string kde = wayland_unavailable_reason("KDE", detail);
  CHECK(kde.find("Wayland session (KDE Plasma)") == 0);
  CHECK(kde.find("KWin script") != std::string::npos);
  const std::string other = wayland_unavailable_reason("", "cannot connect to the Wayland compositor at wayland-0: No such file or directory");
  CHECK(other.find("Wayland session: keystrokes and window titles are not monitored") == 0);
  CHECK(other.find("wayland-0") != std::string::npos);
  CHECK(wayland_unavailable_reason("gnome-flashback:GNOMEISH", "").find("(GNOME)") == std::string::npos);  // whole entries only
  CHECK(wayland_unavailable_reason("gnome", "").find("(GNOME)") != std::string::npos);  // as some distributions spell it
}
