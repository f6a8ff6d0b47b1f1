#pragma once
// vigil-session's view of the browser extensions connected to it: whether a password field has
// focus in a browser (so keys typed there are dropped), and whether the pupil uses a browser that
// has no extension (a coverage gap the collector must list). Platform-free and single-threaded:
// the helper's main loop feeds it in arrival order.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace vigil::agent {

using WatchClock = std::chrono::steady_clock;

// A browser focused this long with no extension connected is reported as missing its extension.
// The extension connects when the browser starts (a service worker or background page waking up
// takes well under a second), so this leaves a wide margin before raising a false gap.
inline constexpr std::chrono::seconds kExtensionGrace{5};
// How far back password-field focus changes are remembered, to judge keys waiting in the helper's
// settle queue; must be longer than that queue's delay.
inline constexpr std::chrono::seconds kPasswordHistory{10};
// Coverage states of the "browser" route.
inline constexpr const char* kBrowserCoverageActive = "active";

class BrowserWatch {
 public:
  void connected(uint64_t connection, std::string browser);
  void disconnected(uint64_t connection, WatchClock::time_point now);
  void password(uint64_t connection, int64_t tab, bool focused, WatchClock::time_point now);
  // The focused window changed; `browser_app` is its app name when it is a browser, else empty.
  void window_focused(const std::string& browser_app, WatchClock::time_point now);

  // Privacy: whether a browser password field had focus at any moment in [from, to]. Keys are
  // judged this way because the focus report and the keys travel by different routes: a key typed
  // just before the report arrives, or just before a report that focus left, is still dropped.
  bool password_focused_between(WatchClock::time_point from, WatchClock::time_point to) const;
  bool password_focused_now() const { return focused_tabs_ > 0; }

  // The browser route's coverage state, when it changed since the last call.
  std::optional<std::string> coverage_change(WatchClock::time_point now);
  size_t extensions() const { return browsers_.size(); }
  std::string browser_of(uint64_t connection) const;

 private:
  void record(WatchClock::time_point now);

  std::map<uint64_t, std::string> browsers_;                    // connection -> browser name
  std::map<uint64_t, std::set<int64_t>> password_tabs_;         // connection -> tabs with focus
  size_t focused_tabs_ = 0;
  std::deque<std::pair<WatchClock::time_point, bool>> history_;  // (when, any password focused)
  std::optional<WatchClock::time_point> browser_without_extension_since_;
  std::string browser_app_;
  std::string reported_;
};

}  // namespace vigil::agent
