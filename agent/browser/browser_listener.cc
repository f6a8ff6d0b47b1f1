#include "browser/browser_listener.h"

#include <spdlog/spdlog.h>

#include <map>

#include "browser/json_frames.h"

namespace vigil::agent {

Result<std::unique_ptr<BrowserListener>> BrowserListener::open(const std::string& path, std::string user) {
  auto server = platform::listen_local(path);
  if (!server) return server.error();
  return std::unique_ptr<BrowserListener>(new BrowserListener(path, std::move(user), std::move(*server)));
}

Result<void> BrowserListener::run(const std::function<void(BrowserEvent)>& sink, const std::atomic<bool>& stop) {
  struct Peer {
    JsonFrameDecoder decoder{FrameOrder::kBigEndian, kMaxBrowserFrameBytes};
    bool greeted = false;
  };
  std::map<uint64_t, Peer> peers;
  while (!stop.load()) {
    auto event = server_->wait(kBrowserPollInterval);
    if (!event) return event.error();
    if (!*event) continue;
    const auto now = std::chrono::steady_clock::now();
    auto& ev = **event;
    using Kind = platform::SocketEvent::Kind;
    if (ev.kind == Kind::kConnected) {
      // The socket lives in the user's own runtime directory, but the check does not rely on that:
      // another user's process must not be able to mark fields as non-password or inject pages.
      if (ev.peer.user != user_) {
        spdlog::warn("browser socket: refused a connection from user {} (uid {}); only {} may connect", ev.peer.user, ev.peer.uid, user_);
        server_->disconnect(ev.connection);
        continue;
      }
      peers.emplace(ev.connection, Peer{});
      continue;
    }
    auto it = peers.find(ev.connection);
    if (it == peers.end()) continue;
    if (ev.kind == Kind::kClosed) {
      const bool greeted = it->second.greeted;
      peers.erase(it);
      if (greeted) sink(BrowserEvent{BrowserEvent::Kind::kClosed, ev.connection, BrowserHello{}, now});
      continue;
    }
    Peer& peer = it->second;
    peer.decoder.feed(ev.data);
    std::string problem;
    while (problem.empty()) {
      auto frame = peer.decoder.next();
      if (!frame) {
        problem = frame.error().message;
        break;
      }
      if (!*frame) break;
      auto message = parse_browser_message(**frame, true, std::chrono::system_clock::now());
      if (!message) {
        problem = message.error().message;
        break;
      }
      const bool is_hello = std::holds_alternative<BrowserHello>(*message);
      if (is_hello == peer.greeted) {
        problem = is_hello ? "a second hello" : "the first message must be hello";
        break;
      }
      peer.greeted = true;
      sink(BrowserEvent{is_hello ? BrowserEvent::Kind::kConnected : BrowserEvent::Kind::kMessage, ev.connection, std::move(*message), now});
    }
    if (!problem.empty()) {
      // Privacy: the reason names the field, never the page text.
      spdlog::warn("browser socket: dropped a browser host: {}", problem);
      const bool greeted = peer.greeted;
      peers.erase(it);
      server_->disconnect(ev.connection);
      if (greeted) sink(BrowserEvent{BrowserEvent::Kind::kClosed, ev.connection, BrowserHello{}, now});
    }
  }
  return {};
}

}  // namespace vigil::agent
