// vigil-browser-host: the native messaging host the Vigil browser extension talks to. The browser
// starts it (as the pupil) when the extension calls connectNative, and it lives as long as that
// port. It reads the browser's frames on stdin, checks every one, and forwards pages and
// password-field focus to the pupil's vigil-session over the per-user browser socket.
//
// Command line (set by the browser, not by us): Chromium passes the calling extension's origin
// ("chrome-extension://ID/"), Firefox the host manifest's path and the extension id.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "browser/browser_message.h"
#include "browser/json_frames.h"
#include "vigil/platform/local_socket.h"
#include "vigil/version.h"

namespace {

using namespace vigil;
using Clock = std::chrono::steady_clock;

// Between attempts to reach vigil-session when it is not running (yet); reports in between are
// dropped (pages) or kept as state (password focus, re-sent on connect).
constexpr std::chrono::milliseconds kReconnectDelay{1000};
// Tabs whose password-focus state is kept for a reconnect; a browser with more open tabs is rare.
constexpr size_t kMaxTrackedTabs = 4096;

class SessionLink {
 public:
  explicit SessionLink(std::string path) : path_(std::move(path)) {}

  void set_hello(agent::BrowserHello hello) { hello_ = std::move(hello); }

  void password(const agent::PasswordFocus& f) {
    if (f.focused) {
      if (focused_tabs_.size() < kMaxTrackedTabs) focused_tabs_[f.tab] = true;
    } else {
      focused_tabs_.erase(f.tab);
    }
    send(f);
  }

  void send(const agent::BrowserMessage& message) {
    if (!connect()) return;
    if (!client_->send(agent::encode_json_frame(agent::to_json(message), agent::FrameOrder::kBigEndian))) {
      spdlog::warn("lost vigil-session at {}; reconnecting", path_);
      client_.reset();
      next_attempt_ = Clock::now() + kReconnectDelay;
    }
  }

  bool connected() const { return client_ != nullptr; }
  bool connect() {
    if (client_) return true;
    if (Clock::now() < next_attempt_) return false;
    auto client = platform::connect_local(path_);
    if (!client) {
      next_attempt_ = Clock::now() + kReconnectDelay;
      if (!warned_) spdlog::warn("vigil-session is not reachable: {}; retrying", client.error().message);
      warned_ = true;
      return false;
    }
    client_ = std::move(*client);
    warned_ = false;
    // A new session has no state: say who we are and which tabs are in a password field.
    std::string greeting = agent::encode_json_frame(agent::to_json(hello_), agent::FrameOrder::kBigEndian);
    for (const auto& [tab, on] : focused_tabs_) {
      greeting += agent::encode_json_frame(agent::to_json(agent::PasswordFocus{tab, true}), agent::FrameOrder::kBigEndian);
    }
    if (!client_->send(greeting)) {
      client_.reset();
      next_attempt_ = Clock::now() + kReconnectDelay;
      return false;
    }
    spdlog::info("connected to vigil-session at {}", path_);
    return true;
  }

 private:
  std::string path_;
  agent::BrowserHello hello_{agent::kBrowserProtocolVersion, "unknown", ""};
  std::map<int64_t, bool> focused_tabs_;
  std::unique_ptr<platform::LocalSocketClient> client_;
  Clock::time_point next_attempt_{};
  bool warned_ = false;
};

void reply(const nlohmann::json& message) {
  const std::string frame = agent::encode_json_frame(message, agent::FrameOrder::kNative);
  std::fwrite(frame.data(), 1, frame.size(), stdout);
  std::fflush(stdout);
}

// Reads exactly `n` bytes; false at end of input.
bool read_exactly(std::string& out, size_t n) {
  out.resize(n);
  return std::fread(out.data(), 1, n, stdin) == n;
}

int usage(int status) {
  std::fprintf(status == 0 ? stdout : stderr,
               "Usage: vigil-browser-host ORIGIN [ARGS...]\n"
               "Started by the browser for the Vigil extension (native messaging); not run by hand.\n"
               "Reads length-prefixed JSON on stdin and forwards it to vigil-session at\n"
               "$VIGIL_BROWSER_SOCKET, else $XDG_RUNTIME_DIR/vigil-browser.sock.\n");
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) return usage(0);
  if (argc >= 2 && std::string(argv[1]) == "--version") {
    std::printf("vigil-browser-host %s\n", kVersion);
    return 0;
  }
  if (argc < 2) return usage(2);
  // stdout belongs to the browser's framing: logs go to stderr only, which browsers keep.
  spdlog::set_default_logger(spdlog::stderr_color_mt("vigil-browser-host"));
  // Chromium: argv[1] is the origin. Firefox: argv[1] is the manifest path, argv[2] the id.
  const std::string origin = argc >= 3 && std::string(argv[1]).find("://") == std::string::npos ? argv[2] : argv[1];

  auto socket_path = agent::default_browser_socket();
  if (!socket_path) {
    spdlog::error("cannot find vigil-session: {}", socket_path.error().message);
    return 1;
  }
  SessionLink link(*socket_path);
  link.set_hello({agent::kBrowserProtocolVersion, "unknown", agent::cut_utf8(origin, agent::kMaxBrowserNameBytes)});

  uint64_t frames = 0;
  std::string header(4, '\0');
  std::string payload;
  while (true) {
    const size_t got = std::fread(header.data(), 1, header.size(), stdin);
    if (got == 0) break;  // the browser closed the port: the normal way to end
    if (got != header.size()) {
      spdlog::error("frame {}: input ended inside a length prefix; stopping", frames + 1);
      return 1;
    }
    uint32_t n = 0;
    std::memcpy(&n, header.data(), 4);
    if (n == 0 || n > agent::kMaxNativeMessageBytes) {
      spdlog::error("frame {}: length {} is outside 1..{}; stopping", frames + 1, n, agent::kMaxNativeMessageBytes);
      return 1;
    }
    if (!read_exactly(payload, n)) {
      spdlog::error("frame {}: input ended after part of a {}-byte message; stopping", frames + 1, n);
      return 1;
    }
    ++frames;
    agent::JsonFrameDecoder decoder(agent::FrameOrder::kNative, agent::kMaxNativeMessageBytes);
    decoder.feed(header);
    decoder.feed(payload);
    auto frame = decoder.next();
    if (!frame || !*frame) {
      spdlog::error("frame {}: {}; stopping", frames, frame ? "incomplete" : frame.error().message);
      return 1;
    }
    auto message = agent::parse_browser_message(**frame, false, std::chrono::system_clock::now());
    if (!message) {
      spdlog::error("frame {}: {}; stopping", frames, message.error().message);
      return 1;
    }
    if (auto* hello = std::get_if<agent::BrowserHello>(&*message)) {
      hello->extension = agent::cut_utf8(origin, agent::kMaxBrowserNameBytes);  // the browser's word, not the extension's
      link.set_hello(*hello);
      const bool up = link.connect();
      reply({{"type", "hello"}, {"version", agent::kBrowserProtocolVersion}, {"session", up ? "connected" : "unreachable"}});
    } else if (const auto* focus = std::get_if<agent::PasswordFocus>(&*message)) {
      link.password(*focus);
    } else {
      link.send(*message);
    }
  }
  return 0;
}
