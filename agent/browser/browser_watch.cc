#include "browser/browser_watch.h"

namespace vigil::agent {

void BrowserWatch::connected(uint64_t connection, std::string browser) {
  browsers_[connection] = std::move(browser);
  browser_without_extension_since_.reset();
}

void BrowserWatch::disconnected(uint64_t connection, WatchClock::time_point now) {
  browsers_.erase(connection);
  // The pupil may carry on in the browser whose extension just went away.
  if (browsers_.empty() && !browser_app_.empty() && !browser_without_extension_since_) browser_without_extension_since_ = now;
  if (auto it = password_tabs_.find(connection); it != password_tabs_.end()) {
    focused_tabs_ -= it->second.size();
    password_tabs_.erase(it);
    record(now);
  }
}

void BrowserWatch::password(uint64_t connection, int64_t tab, bool focused, WatchClock::time_point now) {
  auto& tabs = password_tabs_[connection];
  const size_t before = tabs.size();
  if (focused) tabs.insert(tab);
  else tabs.erase(tab);
  focused_tabs_ = focused_tabs_ - before + tabs.size();
  record(now);
}

void BrowserWatch::record(WatchClock::time_point now) {
  history_.emplace_back(now, focused_tabs_ > 0);
  // Keep the newest change older than the horizon: it is the state at the horizon.
  while (history_.size() > 1 && history_[1].first < now - kPasswordHistory) history_.pop_front();
}

bool BrowserWatch::password_focused_between(WatchClock::time_point from, WatchClock::time_point to) const {
  bool state_at_from = false;
  for (const auto& [at, on] : history_) {
    if (at <= from) {
      state_at_from = on;
    } else if (at <= to && on) {
      return true;
    }
  }
  return state_at_from;
}

void BrowserWatch::window_focused(const std::string& browser_app, WatchClock::time_point now) {
  if (browser_app.empty()) return;
  browser_app_ = browser_app;
  if (browsers_.empty() && !browser_without_extension_since_) browser_without_extension_since_ = now;
}

std::optional<std::string> BrowserWatch::coverage_change(WatchClock::time_point now) {
  std::string state;
  if (!browsers_.empty()) {
    state = kBrowserCoverageActive;
  } else if (browser_without_extension_since_ && now - *browser_without_extension_since_ >= kExtensionGrace) {
    state = "browser extension missing: " + browser_app_ + " is in use and no Vigil extension has connected; URLs and searches are not seen, only window titles";
  } else if (reported_.empty()) {
    return std::nullopt;  // no browser seen yet: nothing to say
  } else {
    state = reported_;  // within the grace period after the extension went away: keep the last word
  }
  if (state == reported_) return std::nullopt;
  reported_ = state;
  return state;
}

std::string BrowserWatch::browser_of(uint64_t connection) const {
  auto it = browsers_.find(connection);
  return it == browsers_.end() ? std::string() : it->second;
}

}  // namespace vigil::agent
