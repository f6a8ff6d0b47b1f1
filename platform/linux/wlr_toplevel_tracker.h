#pragma once
// Which window is focused in a wlroots session, from the foreign-toplevel protocol's per-window
// events. Pure bookkeeping, no Wayland types, so it is unit-tested without a compositor. Internal
// to platform/linux.
//
// The protocol sends each window's title, app_id and state as separate events and closes every
// batch with `done`; only then is the batch consistent (a window can change title and lose focus
// in one batch). So changes wait in `pending` and are judged together at `done`.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vigil/platform/desktop_source.h"

namespace vigil::platform {

class ToplevelTracker {
 public:
  using Clock = std::chrono::steady_clock;

  // A new toplevel; returns its id, a counter that is never reused while this tracker lives.
  uint64_t add();
  // Pending until done(). Unknown ids are ignored.
  void title(uint64_t id, std::string title);
  void app_id(uint64_t id, std::string app_id);
  void activated(uint64_t id, bool activated);
  // Applies the pending batch and returns what the helper must hear: kFocus when the focused
  // window changed (an empty window when focus left every toplevel), kTitle when the focused
  // window's title changed, nothing for windows without focus.
  std::vector<DesktopEvent> done(uint64_t id, Clock::time_point at);
  // The toplevel is gone; a kFocus with no window if it had the focus.
  std::vector<DesktopEvent> closed(uint64_t id, Clock::time_point at);
  // kFocus for the window focused now (empty when none): the first event of a source.
  DesktopEvent focus_now(Clock::time_point at) const;
  size_t size() const { return toplevels_.size(); }

 private:
  struct State {
    std::string title;
    std::string app_id;
    bool activated = false;
  };
  struct Toplevel {
    State pending;
    State current;
  };

  DesktopEvent event(DesktopEvent::Kind kind, std::optional<uint64_t> id, Clock::time_point at) const;

  std::map<uint64_t, Toplevel> toplevels_;
  std::optional<uint64_t> focused_;
  uint64_t next_id_ = 1;
};

}  // namespace vigil::platform
