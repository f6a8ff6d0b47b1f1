#include "events/session_source.h"

#include <spdlog/spdlog.h>

namespace vigil::agent {

Result<std::unique_ptr<SessionSource>> SessionSource::open(const std::string& socket_path, const std::atomic<bool>& stop) {
  auto server = platform::listen_local(socket_path);
  if (!server) return server.error();
  return std::unique_ptr<SessionSource>(new SessionSource(socket_path, std::move(*server), stop));
}

SessionSource::SessionSource(std::string path, std::unique_ptr<platform::LocalSocketServer> server, const std::atomic<bool>& stop)
    : path_(std::move(path)), server_(std::move(server)), stop_(stop) {}

std::string SessionSource::last_warning() const {
  std::lock_guard lock(mutex_);
  return warning_;
}

std::string SessionSource::state() const {
  std::lock_guard lock(mutex_);
  if (helpers_.empty()) return "waiting: no session helper connected";
  std::string gaps;
  size_t active = 0;
  for (const auto& [id, h] : helpers_) {
    bool helper_active = true;
    const auto add_gap = [&](const std::string& state) {
      gaps += (gaps.empty() ? "" : "; ") + h.peer.user + " (" + h.display + "): " + state;
      helper_active = false;
    };
    if (h.coverage != "active") add_gap(h.coverage);
    for (const auto& [route, route_state] : h.route_coverage) {
      if (route_state != "active") add_gap(route_state);
    }
    active += helper_active;
  }
  if (!gaps.empty()) return "gap: " + gaps;
  return "active: " + std::to_string(active) + " session helper" + (active == 1 ? "" : "s");
}

void SessionSource::warn(std::string message) {
  spdlog::warn("{}: {}", name(), message);
  std::lock_guard lock(mutex_);
  warning_ = std::move(message);
}

Result<std::optional<SourcedEvent>> SessionSource::next() {
  while (ready_.empty()) {
    if (stop_.load()) return std::optional<SourcedEvent>{};
    auto event = server_->wait(kSessionPollInterval);
    if (!event) return event.error();
    if (*event) handle(std::move(**event));
  }
  SourcedEvent out = std::move(ready_.front());
  ready_.pop_front();
  return std::optional<SourcedEvent>(std::move(out));
}

void SessionSource::handle(platform::SocketEvent event) {
  using Kind = platform::SocketEvent::Kind;
  std::unique_lock lock(mutex_);
  if (event.kind == Kind::kConnected) {
    helpers_[event.connection].peer = event.peer;
    spdlog::info("{}: session helper connected (user {}, uid {}, pid {})", name(), event.peer.user, event.peer.uid, event.peer.pid);
    return;
  }
  auto it = helpers_.find(event.connection);
  if (it == helpers_.end()) return;
  if (event.kind == Kind::kClosed) {
    // Units already received are in the pipeline; only the line being typed is lost.
    spdlog::info("{}: session helper of {} disconnected", name(), it->second.peer.user);
    helpers_.erase(it);
    return;
  }
  Helper& helper = it->second;
  helper.decoder.feed(event.data);
  while (true) {
    auto message = helper.decoder.next();
    std::string problem;
    if (!message) problem = message.error().message;
    else if (!*message) break;
    else if (auto* hello = std::get_if<HelloMessage>(&**message)) {
      if (hello->version != kSessionProtocolVersion) problem = "protocol version " + std::to_string(hello->version) + " is not supported (expected 1)";
      helper.greeted = true;
      helper.display = hello->display;
    } else if (!helper.greeted) {
      problem = "first frame must be hello";
    } else if (auto* coverage = std::get_if<CoverageMessage>(&**message);
               coverage && !coverage->route.empty() && !helper.route_coverage.contains(coverage->route) &&
               helper.route_coverage.size() >= kMaxCoverageRoutes) {
      problem = "more than " + std::to_string(kMaxCoverageRoutes) + " coverage routes";
    } else if (coverage) {
      (coverage->route.empty() ? helper.coverage : helper.route_coverage[coverage->route]) = coverage->state;
      if (coverage->state != "active") spdlog::warn("{}: session of {} is not monitored: {}", name(), helper.peer.user, coverage->state);
    } else {
      auto& unit = std::get<UnitMessage>(**message);
      SourcedEvent sourced;
      TextEvent& ev = sourced.event;
      ev.observed_at = unit.observed_at;
      ev.source = unit.stage == "title" ? TextSource::kWindowTitle : unit.stage == "url" ? TextSource::kUrl : TextSource::kKeyboard;
      ev.url = std::move(unit.url);
      ev.user = helper.peer.user;  // from SO_PEERCRED, not from the helper
      ev.session_id = "uid " + std::to_string(helper.peer.uid) + " pid " + std::to_string(helper.peer.pid);
      ev.app = std::move(unit.app);
      ev.app_path = std::move(unit.app_path);
      ev.title = std::move(unit.title);
      ev.text = std::move(unit.text);
      ev.unsubmitted = unit.unsubmitted;
      if (ev.source == TextSource::kKeyboard) {
        ev.line_id = std::to_string(event.connection) + ":" + std::to_string(unit.line);
        ev.line_final = unit.stage == "closed";
        if (unit.stage == "deleted") ev.deleted_range = std::pair{unit.deleted_begin, unit.deleted_end};
      }
      ready_.push_back(std::move(sourced));
    }
    if (!problem.empty()) {
      const std::string user = helper.peer.user;
      helpers_.erase(it);
      server_->disconnect(event.connection);
      lock.unlock();
      warn("dropped the session helper of " + user + ": " + problem);
      return;
    }
  }
}

}  // namespace vigil::agent
