#include "events/session_source.h"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

namespace vigil::agent {
namespace {

std::string utc_seconds(std::chrono::system_clock::time_point t) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return google::protobuf::util::TimeUtil::ToString(google::protobuf::util::TimeUtil::SecondsToTimestamp(s));
}

}  // namespace

Result<std::unique_ptr<SessionSource>> SessionSource::open(const std::string& socket_path, const std::atomic<bool>& stop,
                                                           SessionSourceOptions options) {
  auto server = platform::listen_local(socket_path);
  if (!server) return server.error();
  return std::unique_ptr<SessionSource>(new SessionSource(socket_path, std::move(*server), stop, std::move(options)));
}

SessionSource::SessionSource(std::string path, std::unique_ptr<platform::LocalSocketServer> server, const std::atomic<bool>& stop,
                             SessionSourceOptions options)
    : path_(std::move(path)), server_(std::move(server)), stop_(stop), options_(std::move(options)) {}

std::string SessionSource::last_warning() const {
  std::lock_guard lock(mutex_);
  return warning_;
}

std::string SessionSource::state() const {
  std::lock_guard lock(mutex_);
  std::string gaps;
  const auto add_gap = [&](const std::string& gap) { gaps += (gaps.empty() ? "" : "; ") + gap; };
  // Never silent: a helper killed with its supervisor leaves no connection to report on.
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [uid, l] : lost_) {
    if (now - l.since >= options_.helper_grace) {
      add_gap(l.user + ": helper stopped unexpectedly at " + utc_seconds(l.when) + "; session of " + l.user + " not monitored");
    }
  }
  // A helper that needs the evdev route is covered once the service reads a keyboard for it.
  const bool evdev_keys = options_.pairing && options_.pairing->keyboards() > 0;
  size_t active = 0;
  for (const auto& [id, h] : helpers_) {
    bool helper_active = true;
    const auto add_helper_gap = [&](const std::string& state) {
      add_gap(h.peer.user + " (" + h.display + "): " + state);
      helper_active = false;
    };
    const bool lifted = h.pairs_evdev && evdev_keys && h.coverage.rfind(kPartialCoveragePrefix, 0) == 0;
    if (h.coverage != "active" && !lifted) add_helper_gap(h.coverage);
    for (const auto& [route, route_state] : h.route_coverage) {
      if (route_state != "active") add_helper_gap(route_state);
    }
    active += helper_active;
  }
  if (!gaps.empty()) return "gap: " + gaps;
  if (helpers_.empty()) return "waiting: no session helper connected";
  return "active: " + std::to_string(active) + " session helper" + (active == 1 ? "" : "s");
}

void SessionSource::lost(uint64_t connection, const std::string& how) {
  Helper& h = helpers_.at(connection);
  if (h.pairs_evdev && options_.pairing) {
    PairingEvent gone;
    gone.kind = PairingEvent::Kind::kGone;
    gone.at = std::chrono::steady_clock::now();
    gone.connection = connection;
    options_.pairing->publish(std::move(gone));
  }
  if (h.said_goodbye) {
    spdlog::info("{}: session helper of {} {} after saying goodbye", name(), h.peer.user, how);
    return;
  }
  // Its replacement may have connected before this close was seen (connection ids only grow).
  for (const auto& [other, o] : helpers_) {
    if (other > connection && o.peer.uid == h.peer.uid) {
      spdlog::info("{}: session helper of {} {} without saying goodbye; a newer one is already connected", name(), h.peer.user, how);
      return;
    }
  }
  lost_[h.peer.uid] = {h.peer.user, std::chrono::system_clock::now(), std::chrono::steady_clock::now()};
  spdlog::warn("{}: session helper of {} (pid {}) {} without saying goodbye; a coverage gap is reported unless a helper of {} "
               "connects within {} s",
               name(), h.peer.user, h.peer.pid, how, h.peer.user,
               std::chrono::duration_cast<std::chrono::seconds>(options_.helper_grace).count());
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
    if (lost_.erase(event.peer.uid) > 0) spdlog::info("{}: a session helper of {} is back; its coverage gap is cleared", name(), event.peer.user);
    return;
  }
  auto it = helpers_.find(event.connection);
  if (it == helpers_.end()) return;
  if (event.kind == Kind::kClosed) {
    // Units already received are in the pipeline; only the line being typed is lost.
    lost(event.connection, "disconnected");
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
    } else if (std::holds_alternative<GoodbyeMessage>(**message)) {
      helper.said_goodbye = true;
      spdlog::info("{}: session helper of {} is ending ({})", name(), helper.peer.user, std::get<GoodbyeMessage>(**message).reason);
    } else if (auto* evdev = std::get_if<EvdevMessage>(&**message)) {
      helper.pairs_evdev = true;
      if (options_.pairing) {
        PairingEvent declared;
        declared.kind = PairingEvent::Kind::kDeclared;
        declared.at = std::chrono::steady_clock::now();
        declared.connection = event.connection;
        declared.user = helper.peer.user;
        declared.session_id = "uid " + std::to_string(helper.peer.uid) + " pid " + std::to_string(helper.peer.pid);
        declared.keymap = std::move(evdev->keymap);
        options_.pairing->publish(std::move(declared));
      } else {
        spdlog::warn("{}: the session helper of {} needs keys from evdev, but this agent has no --source evdev", name(), helper.peer.user);
      }
    } else if (auto* focus = std::get_if<FocusMessage>(&**message); focus && !helper.pairs_evdev) {
      problem = "focus frame before an evdev frame";
    } else if (focus) {
      // The window id only: titles are pupil content and stay out of logs.
      spdlog::debug("{}: focus of {}: window {}{}{}", name(), helper.peer.user, focus->window.id, focus->password ? " (password field)" : "",
                    focus->grab ? " (keyboard grabbed)" : "");
      if (options_.pairing) {
        PairingEvent changed;
        changed.kind = PairingEvent::Kind::kFocus;
        changed.at = std::chrono::steady_clock::now();
        changed.connection = event.connection;
        changed.focus = std::move(*focus);
        options_.pairing->publish(std::move(changed));
      }
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
      lost(event.connection, "was dropped");
      helpers_.erase(it);
      server_->disconnect(event.connection);
      lock.unlock();
      warn("dropped the session helper of " + user + ": " + problem);
      return;
    }
  }
}

}  // namespace vigil::agent
