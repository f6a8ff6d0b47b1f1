#include "linux/wlr_toplevel_tracker.h"

namespace vigil::platform {

uint64_t ToplevelTracker::add() {
  const uint64_t id = next_id_++;
  toplevels_[id];
  return id;
}

void ToplevelTracker::title(uint64_t id, std::string title) {
  if (auto it = toplevels_.find(id); it != toplevels_.end()) it->second.pending.title = std::move(title);
}

void ToplevelTracker::app_id(uint64_t id, std::string app_id) {
  if (auto it = toplevels_.find(id); it != toplevels_.end()) it->second.pending.app_id = std::move(app_id);
}

void ToplevelTracker::activated(uint64_t id, bool activated) {
  if (auto it = toplevels_.find(id); it != toplevels_.end()) it->second.pending.activated = activated;
}

std::vector<DesktopEvent> ToplevelTracker::done(uint64_t id, Clock::time_point at) {
  auto it = toplevels_.find(id);
  if (it == toplevels_.end()) return {};
  const State before = it->second.current;
  const State& now = it->second.current = it->second.pending;
  if (now.activated) {
    // A new focus, or the focused window now belongs to another application (an app_id set late):
    // either way the helper must see a new window, so later units carry the right app.
    if (focused_ != id || now.app_id != before.app_id) {
      focused_ = id;
      return {event(DesktopEvent::Kind::kFocus, id, at)};
    }
    if (now.title != before.title) return {event(DesktopEvent::Kind::kTitle, id, at)};
    return {};
  }
  // Focus moving between windows may deactivate the old one after activating the new one; only
  // the window that holds the focus can give it up.
  if (focused_ == id) {
    focused_.reset();
    return {event(DesktopEvent::Kind::kFocus, std::nullopt, at)};
  }
  return {};
}

std::vector<DesktopEvent> ToplevelTracker::closed(uint64_t id, Clock::time_point at) {
  if (toplevels_.erase(id) == 0) return {};
  if (focused_ != id) return {};
  focused_.reset();
  return {event(DesktopEvent::Kind::kFocus, std::nullopt, at)};
}

DesktopEvent ToplevelTracker::focus_now(Clock::time_point at) const { return event(DesktopEvent::Kind::kFocus, focused_, at); }

DesktopEvent ToplevelTracker::event(DesktopEvent::Kind kind, std::optional<uint64_t> id, Clock::time_point at) const {
  DesktopEvent ev;
  ev.kind = kind;
  ev.at = at;
  if (!id) return ev;
  const auto it = toplevels_.find(*id);
  if (it == toplevels_.end()) return ev;
  ev.window.id = std::to_string(*id);
  ev.window.app = it->second.current.app_id;
  ev.window.title = it->second.current.title;
  return ev;
}

}  // namespace vigil::platform
