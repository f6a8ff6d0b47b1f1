// The Wayland key path end to end: the real collector and agent (`--source session:SOCK --source
// evdev:FIFO`), keys fed as struct input_event records into a FIFO (this machine has no
// /dev/input), and a scripted helper in this test speaking the documented session protocol
// (agent/session/PROTOCOL.md): hello, coverage, evdev, focus. The scripted helper stands in for
// vigil-session in a Wayland session, which would need a compositor (sway) with a window-title
// source; everything after the socket and the FIFO is the production path.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "support/evdev_records.h"
#include "support/process.h"
#include "support/vigil_harness.h"

using namespace vigil::test;

namespace {

constexpr std::chrono::seconds kStartTimeout{30};
constexpr std::chrono::seconds kDeliveryTimeout{60};

// The helper side of the session socket, written from PROTOCOL.md rather than with the agent's
// own encoder, so a drift between the document and the code fails here.
class ScriptedHelper {
 public:
  explicit ScriptedHelper(const std::string& socket_path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE_MESSAGE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, std::strerror(errno));
  }
  ~ScriptedHelper() { ::close(fd_); }

  void send(const nlohmann::json& message) {
    const std::string payload = message.dump();
    const auto n = static_cast<uint32_t>(payload.size());
    std::string frame{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
    frame += payload;
    REQUIRE(::write(fd_, frame.data(), frame.size()) == static_cast<ssize_t>(frame.size()));
  }

  void focus(const std::string& window, const std::string& app, const std::string& title, bool password) {
    send({{"type", "focus"}, {"window", window}, {"app", app}, {"app_path", "/usr/bin/" + app}, {"title", title},
          {"password", password}, {"grab", false}});
  }

  // What vigil-session sends when its desktop source (wlroots) sees windows but no keys.
  void greet() {
    send({{"type", "hello"}, {"version", 1}, {"display", "wlroots"}});
    send({{"type", "coverage"}, {"state", "partial: window titles only; keystrokes need the evdev route in the service (Wayland gives keys to no other client)"}});
    send({{"type", "evdev"}, {"rules", ""}, {"model", "pc105"}, {"layout", "us"}, {"variant", ""}, {"options", ""}});
  }

 private:
  int fd_ = -1;
};

// Collector, agent with both halves of the evdev path, and the write end of the FIFO.
class EvdevRig {
 public:
  EvdevRig() : collector_(dir_ / "collector", dir_ / "collector.log") {
    fifo_ = (dir_ / "keyboard.fifo").string();
    REQUIRE(::mkfifo(fifo_.c_str(), 0600) == 0);
    socket_ = (dir_ / "session.sock").string();
    agent_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{agent_binary(), "--collector", collector_.address(), "--data-dir", (dir_ / "agent").string(), "--source",
                                 "session:" + socket_, "--source", "evdev:" + fifo_, "--rules", small_pack_dir(), "--insecure-loopback",
                                 "--heartbeat-interval", "1", "--log-level", "debug"},
        dir_ / "agent.log");
    REQUIRE_MESSAGE(wait_until([&] { return std::filesystem::exists(socket_) || !agent_->running(); }, kStartTimeout),
                    read_file(dir_ / "agent.log"));
    // The agent holds the FIFO open for reading from start-up; opening the write end without
    // blocking fails (ENXIO) until it does.
    REQUIRE_MESSAGE(wait_until([&] { return (keys_ = ::open(fifo_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) >= 0; }, kStartTimeout),
                    read_file(dir_ / "agent.log"));
  }
  ~EvdevRig() {
    if (keys_ >= 0) ::close(keys_);
    agent_->signal(SIGTERM);
    agent_->wait_for(std::chrono::seconds(5));
  }

  // Writes the records and waits until the agent's reader has taken them out of the FIFO.
  void type(const std::string& text) {
    const std::string records = evdev_key_records(text);
    REQUIRE(::write(keys_, records.data(), records.size()) == static_cast<ssize_t>(records.size()));
    REQUIRE(wait_until(
        [&] {
          int queued = -1;
          return ::ioctl(keys_, FIONREAD, &queued) == 0 && queued == 0;
        },
        kStartTimeout));
  }

  // The agent's reader maps keys with the helper's declared layout from now on.
  void wait_for_pairing() {
    REQUIRE_MESSAGE(wait_until([&] { return log_contains(dir_ / "agent.log", "are mapped with layout \"us\""); }, kStartTimeout),
                    read_file(dir_ / "agent.log"));
  }

  // The agent has received the focus report for `window` (it logs ids, never titles, at debug).
  void wait_for_focus(const std::string& window) {
    REQUIRE_MESSAGE(
        wait_until([&] { return log_contains(dir_ / "agent.log", "focus of " + login_of_this_process() + ": window " + window + "\n"); },
                   kStartTimeout),
        read_file(dir_ / "agent.log"));
  }

  std::optional<nlohmann::json> wait_for_capture(const std::string& needle) {
    std::optional<nlohmann::json> found;
    wait_until(
        [&] {
          for (auto& c : collector_.captures()) {
            if (c["text"].get<std::string>().find(needle) != std::string::npos) found = c;
          }
          return found.has_value();
        },
        kDeliveryTimeout);
    return found;
  }

  // The state each source reported in the latest heartbeat, once `ready` holds for them.
  std::map<std::string, std::string> wait_for_sources(const std::function<bool(const std::map<std::string, std::string>&)>& ready) {
    std::map<std::string, std::string> states;
    wait_until(
        [&] {
          states.clear();
          for (const auto& d : collector_.devices()) {
            for (const auto& s : d["sources"]) states[s.value("name", "")] = s.value("state", "");
          }
          return ready(states);
        },
        kDeliveryTimeout);
    return states;
  }

  TempDir dir_;
  CollectorProcess collector_;
  std::string fifo_, socket_;
  std::unique_ptr<ChildProcess> agent_;
  int keys_ = -1;
};

}  // namespace

TEST_CASE("evdev keys paired with the helper's focus reach the collector with its user, app and title") {
  EvdevRig rig;
  ScriptedHelper helper(rig.socket_);
  helper.greet();
  helper.focus("42", "foot", "Homework - foot", false);
  rig.wait_for_pairing();
  rig.wait_for_focus("42");

  rig.type("i want to kill myself\n");
  const auto capture = rig.wait_for_capture("kill myself");
  REQUIRE_MESSAGE(capture.has_value(), read_file(rig.dir_ / "agent.log"));
  const auto& c = *capture;
  CHECK(c["text"] == "i want to kill myself");
  CHECK(c["source"] == "keyboard");
  CHECK(c["app"] == "foot");
  CHECK(c["title"] == "Homework - foot");
  CHECK(c["user"] == login_of_this_process());
  CHECK(c["unsubmitted"] == false);  // closed by Enter
  CHECK(c["hits"][0]["rule"] == "suicide.kill-myself");

  // Coverage tells the truth: the helper's "partial" is lifted while a keyboard is paired, so
  // the device lists no gap.
  const std::string session = "session:" + rig.socket_, evdev = "evdev:" + rig.fifo_;
  auto states = rig.wait_for_sources([&](const auto& s) {
    return s.count(session) && s.count(evdev) && s.at(session).rfind("active", 0) == 0 && s.at(evdev).rfind("active", 0) == 0;
  });
  INFO(nlohmann::json(states).dump());
  CHECK(states[session] == "active: 1 session helper");
  CHECK(states[evdev] == "active: 1 keyboard paired with the session of " + login_of_this_process());
  for (const auto& d : rig.collector_.devices()) CHECK(d["coverage_gaps"].empty());
}

TEST_CASE("evdev keys typed while the helper reports a password field appear nowhere") {
  EvdevRig rig;
  ScriptedHelper helper(rig.socket_);
  helper.greet();
  helper.focus("7", "firefox", "Sign in - Mozilla Firefox", true);
  rig.wait_for_pairing();
  rig.wait_for_focus("7 (password field)");
  rig.type("hang myself secretpw\n");

  // Then an ordinary field: its text arriving proves the keys before it went through the agent
  // (they are handled in time order), so the absence of the password keys means something.
  helper.focus("8", "firefox", "Notes - Mozilla Firefox", false);
  // The agent stamps a focus report when it receives it, and keys with the kernel's time of the
  // press; keys typed before the report arrives count as typed in the password field (erring on
  // the side of dropping), so the test types once the agent has it.
  rig.wait_for_focus("8");
  rig.type("i want to kill myself\n");
  const auto after = rig.wait_for_capture("kill myself");
  REQUIRE_MESSAGE(after.has_value(), read_file(rig.dir_ / "agent.log"));
  CHECK((*after)["title"] == "Notes - Mozilla Firefox");
  CHECK((*after)["text"] == "i want to kill myself");
  CHECK(log_contains(rig.dir_ / "agent.log", "dropping keys (password field)"));
  for (const auto& c : rig.collector_.captures()) CHECK(c.dump().find("myself secretpw") == std::string::npos);
  CHECK(rig.collector_.captures().size() == 1);
  for (const std::string secret : {"hang myself", "secretpw"}) {
    INFO(secret);
    CHECK(all_bytes_of(rig.dir_ / "agent").find(secret) == std::string::npos);      // outbox
    CHECK(all_bytes_of(rig.dir_ / "collector").find(secret) == std::string::npos);  // store
    CHECK_FALSE(log_contains(rig.dir_ / "agent.log", secret));
    CHECK_FALSE(log_contains(rig.dir_ / "collector.log", secret));
  }
}

TEST_CASE("evdev keys with no paired helper are dropped, and an evdev path that cannot be opened stops the agent with its name") {
  EvdevRig rig;
  rig.type("hang myself\n");  // nobody paired: dropped
  ScriptedHelper helper(rig.socket_);
  helper.greet();
  helper.focus("1", "foot", "Terminal", false);
  rig.wait_for_pairing();
  rig.wait_for_focus("1");
  rig.type("i want to kill myself\n");
  REQUIRE_MESSAGE(rig.wait_for_capture("kill myself").has_value(), read_file(rig.dir_ / "agent.log"));
  CHECK(rig.collector_.captures().size() == 1);
  CHECK(all_bytes_of(rig.dir_ / "collector").find("hang myself") == std::string::npos);

  const RunResult bad = run({agent_binary(), "--collector", rig.collector_.address(), "--data-dir", (rig.dir_ / "agent2").string(),
                             "--source", "evdev:" + (rig.dir_ / "no-such-device").string(), "--rules", small_pack_dir(),
                             "--insecure-loopback"},
                            kStartTimeout);
  CHECK(bad.status != 0);
  CHECK(bad.err.find("no-such-device") != std::string::npos);
}
