// wlroots capture under a real compositor: headless sway (pixman renderer, no input devices) run by
// an unprivileged user, a GTK window on it, the real vigil-session helper as that same user,
// vigil-agent with --source session:SOCKET and vigil-collector on loopback. As root (CI) the
// session's processes run as `nobody` through setpriv, since sway refuses to run as root; the
// helper's binary and the window's script are copied to a directory that user can read.
#include <doctest/doctest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fcntl.h>

#include "support/evdev_records.h"
#include "support/process.h"
#include "support/vigil_harness.h"

using namespace vigil::test;

namespace {

constexpr std::chrono::seconds kStartTimeout{30};
constexpr std::chrono::seconds kDeliveryTimeout{60};
constexpr std::chrono::seconds kStopTimeout{10};
constexpr const char* kSessionUser = "nobody";  // when the test runs as root
constexpr const char* kAppId = "org.vigil.WaylandTest";
constexpr const char* kFirstTitle = "Vigil wayland test";
constexpr const char* kSearchTitle = "how to kill myself - Search";
constexpr int kHelperDisplayGone = 3;  // vigil-session's exit status when its display server closed

size_t count(const std::filesystem::path& log, const std::string& needle) {
  const std::string text = read_file(log);
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The desktop's user: this process's own, or `nobody` when running as root.
struct SessionUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;
  bool switched = false;
};

SessionUser session_user() {
  SessionUser u;
  if (::getuid() != 0) {
    u.uid = ::getuid();
    u.gid = ::getgid();
    const passwd* pw = ::getpwuid(u.uid);
    u.name = pw ? pw->pw_name : std::to_string(u.uid);
    return u;
  }
  const passwd* pw = ::getpwnam(kSessionUser);
  REQUIRE_MESSAGE(pw != nullptr, "running as root needs the user " << kSessionUser << " to run sway");
  u.uid = pw->pw_uid;
  u.gid = pw->pw_gid;
  u.name = kSessionUser;
  u.switched = true;
  return u;
}

class WlrootsDesktop {
 public:
  // `evdev_keys`: the agent also reads keys from a FIFO (`--source evdev:FIFO`, the test writes
  // struct input_event records into it: there is no /dev/input here), and the session gets a D-Bus
  // session bus so the helper's AT-SPI password detector runs and it pairs with those keys.
  explicit WlrootsDesktop(bool evdev_keys = false) : user_(session_user()) {
    // The test's directory must be passable (not readable) by the session's user: it holds the
    // agent's session socket (mode 0666, as in production) and the user's own directories.
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                                  std::filesystem::perms::others_exec);
    runtime_ = user_dir("runtime");  // XDG_RUNTIME_DIR: 0700, owned by the user, as logind makes it
    home_ = user_dir("home");
    bin_ = dir_ / "bin";
    std::filesystem::create_directory(bin_);
    std::filesystem::permissions(bin_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                           std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                           std::filesystem::perms::others_exec);
    helper_bin_ = install(VIGIL_SESSION_BIN);
    window_script_ = install(VIGIL_WAYLAND_WINDOW);

    collector_ = std::make_unique<CollectorProcess>(dir_ / "collector", dir_ / "collector.log");
    socket_ = (dir_ / "session.sock").string();
    std::vector<std::string> agent_argv{agent_binary(), "--collector", collector_->address(), "--data-dir", (dir_ / "agent").string(),
                                        "--source", "session:" + socket_, "--rules", small_pack_dir(), "--insecure-loopback",
                                        "--heartbeat-interval", "1", "--log-level", "debug"};
    if (evdev_keys) {
      fifo_ = (dir_ / "keyboard.fifo").string();
      REQUIRE(::mkfifo(fifo_.c_str(), 0600) == 0);
      agent_argv.insert(agent_argv.end(), {"--source", "evdev:" + fifo_});
    }
    agent_ = std::make_unique<ChildProcess>(agent_argv, dir_ / "agent.log");
    REQUIRE_MESSAGE(wait_until([&] { return std::filesystem::exists(socket_) || !agent_->running(); }, kStartTimeout),
                    read_file(dir_ / "agent.log"));

    // No Xwayland: the session is Wayland only, and starting one would slow every run.
    write_file(bin_ / "sway.config", "xwayland disable\n");
    std::filesystem::permissions(bin_ / "sway.config", std::filesystem::perms::others_read, std::filesystem::perm_options::add);
    sway_ = std::make_unique<ChildProcess>(as_user({"WLR_BACKENDS=headless", "WLR_LIBINPUT_NO_DEVICES=1", "WLR_RENDERER=pixman", "/usr/bin/sway",
                                                    "-c", (bin_ / "sway.config").string()}),
                                           dir_ / "sway.log");
    REQUIRE_MESSAGE(wait_until(
                        [&] {
                          wayland_display_ = find_wayland_socket();
                          return !wayland_display_.empty() || !sway_->running();
                        },
                        kStartTimeout),
                    "sway made no Wayland socket: " << read_file(dir_ / "sway.log"));
    REQUIRE_MESSAGE(sway_->running(), read_file(dir_ / "sway.log"));

    if (evdev_keys) {
      bus_ = std::make_unique<ChildProcess>(as_user({"/usr/bin/dbus-daemon", "--session", "--nofork", "--print-address=1"}), dir_ / "dbus.log");
      REQUIRE_MESSAGE(wait_until([&] { return read_file(dir_ / "dbus.log").find('\n') != std::string::npos || !bus_->running(); }, kStartTimeout),
                      read_file(dir_ / "dbus.log"));
      const std::string printed = read_file(dir_ / "dbus.log");
      session_env_ = {"DBUS_SESSION_BUS_ADDRESS=" + printed.substr(0, printed.find('\n'))};
    }
    std::vector<std::string> helper_argv = session_env_;
    helper_argv.insert(helper_argv.end(), {"WAYLAND_DISPLAY=" + wayland_display_, helper_bin_, "--agent-socket", socket_, "--log-level", "debug"});
    helper_ = std::make_unique<ChildProcess>(as_user(helper_argv), dir_ / "session.log");
    REQUIRE_MESSAGE(wait_until([&] { return count(dir_ / "agent.log", "session helper connected") > 0 || !helper_->running(); }, kStartTimeout),
                    read_file(dir_ / "session.log"));
    REQUIRE_MESSAGE(helper_->running(), read_file(dir_ / "session.log"));
  }

  ~WlrootsDesktop() {
    for (auto& w : windows_) {
      w->signal(SIGTERM);
      w->wait_for(kStopTimeout);
    }
    for (ChildProcess* p : {helper_.get(), sway_.get(), agent_.get(), bus_.get()}) {
      if (!p) continue;
      p->signal(SIGTERM);
      p->wait_for(kStopTimeout);
    }
  }

  // argv run as the session's user with a clean environment: only what a login session sets,
  // so nothing of the test's own display ($DISPLAY) leaks in. Leading NAME=value entries are
  // added to that environment.
  std::vector<std::string> as_user(const std::vector<std::string>& command) const {
    std::vector<std::string> argv;
    if (user_.switched) {
      argv = {"/usr/bin/setpriv", "--reuid=" + std::to_string(user_.uid), "--regid=" + std::to_string(user_.gid), "--clear-groups"};
    }
    argv.insert(argv.end(), {"/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=" + home_.string(), "USER=" + user_.name,
                             "XDG_RUNTIME_DIR=" + runtime_.string(), "NO_AT_BRIDGE=1"});
    // The sanitizers' settings from scripts/run-tests; the suppressions file is copied too.
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
      if (const char* value = std::getenv(name)) argv.push_back(std::string(name) + "=" + readable_options(value));
    }
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
  }

  ChildProcess& open_window() {
    std::vector<std::string> argv = session_env_;
    argv.insert(argv.end(), {"WAYLAND_DISPLAY=" + wayland_display_, "GDK_BACKEND=wayland", window_script_, kAppId, kFirstTitle, kSearchTitle});
    windows_.push_back(std::make_unique<ChildProcess>(as_user(argv), dir_ / "window.log"));
    return *windows_.back();
  }

  std::optional<nlohmann::json> wait_for_capture(const std::string& needle) { return collector_->wait_for_capture(needle, kDeliveryTimeout); }

  std::string logs() const {
    std::string out;
    for (const char* name : {"session.log", "agent.log", "sway.log", "window.log", "dbus.log"}) {
      out += std::string("--- ") + name + "\n" + read_file(dir_ / name);
    }
    return out;
  }

  SessionUser user_;
  TempDir dir_;
  std::filesystem::path runtime_, home_, bin_;
  std::string helper_bin_, window_script_, socket_, wayland_display_;
  std::unique_ptr<CollectorProcess> collector_;
  std::unique_ptr<ChildProcess> agent_, sway_, helper_, bus_;
  std::string fifo_;
  std::vector<std::string> session_env_;  // NAME=value for the session's programs (its D-Bus)
  std::vector<std::unique_ptr<ChildProcess>> windows_;

 private:
  std::filesystem::path user_dir(const std::string& name) const {
    const auto path = dir_ / name;
    std::filesystem::create_directory(path);
    std::filesystem::permissions(path, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
    REQUIRE(::chown(path.c_str(), user_.uid, user_.gid) == 0);
    return path;
  }

  std::string install(const std::filesystem::path& from) const {
    const auto to = bin_ / from.filename();
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(to, std::filesystem::perms::owner_all | std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
                                         std::filesystem::perms::others_read | std::filesystem::perms::others_exec);
    return to.string();
  }

  // LSAN_OPTIONS names a suppressions file in the source tree, which the session's user may not
  // be able to read; point it at a copy in bin/.
  std::string readable_options(const std::string& options) const {
    const std::string key = "suppressions=";
    const size_t at = options.find(key);
    if (at == std::string::npos) return options;
    const size_t end = options.find(':', at);
    const std::string file = options.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
    std::error_code ec;
    const auto copy = bin_ / "lsan.supp";
    std::filesystem::copy_file(file, copy, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return options;
    std::filesystem::permissions(copy, std::filesystem::perms::owner_read | std::filesystem::perms::group_read | std::filesystem::perms::others_read,
                                 ec);
    return options.substr(0, at) + key + copy.string() + (end == std::string::npos ? "" : options.substr(end));
  }

  // sway picks the first free wayland-N in XDG_RUNTIME_DIR; its socket, not the lock file.
  std::string find_wayland_socket() const {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(runtime_, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("wayland-", 0) == 0 && entry.is_socket()) return name;
    }
    return {};
  }
};

}  // namespace

TEST_CASE("sway: the focused window's title reaches the collector with its app_id, and the keystroke gap is listed") {
  WlrootsDesktop d;
  ChildProcess& window = d.open_window();
  // The helper logs each focus it hands on (after its settle delay); the window must be focused
  // with its first title before the retitle, so the title arrives as a change of that window.
  const std::string focused = std::string(" of ") + kAppId;
  REQUIRE_MESSAGE(wait_until([&] { return count(d.dir_ / "session.log", focused) > 0 || !window.running(); }, kStartTimeout),
                  "the window was never focused:\n" << d.logs());
  REQUIRE_MESSAGE(window.running(), d.logs());
  window.signal(SIGUSR1);

  const auto capture = d.wait_for_capture("kill myself");
  REQUIRE_MESSAGE(capture.has_value(), d.logs());
  const auto& c = *capture;
  CHECK(c["source"] == "window_title");
  CHECK(c["text"] == kSearchTitle);
  CHECK(c["title"] == kSearchTitle);
  CHECK(c["app"] == kAppId);
  CHECK(c["user"] == d.user_.name);
  CHECK(c["hits"][0]["rule"] == "suicide.kill-myself");
  CHECK(d.collector_->captures().size() == 1);  // the first title matched nothing

  // The heartbeat says what this session lacks: keystrokes, named as a gap of this helper.
  std::string gaps;
  const bool listed = wait_until(
      [&] {
        for (const auto& dev : d.collector_->devices()) {
          if (!dev["coverage_gaps"].empty()) gaps = dev["coverage_gaps"].dump();
        }
        return gaps.find("partial: window titles only") != std::string::npos;
      },
      kDeliveryTimeout);
  INFO(gaps);
  CHECK(listed);
  CHECK(gaps.find("session:" + d.socket_) != std::string::npos);
  CHECK(gaps.find(d.user_.name + " (wlroots)") != std::string::npos);
  CHECK(gaps.find("keystrokes need the evdev route in the service") != std::string::npos);

  // The compositor going away ends the helper (so a supervisor does not restart it into a dead
  // session) instead of leaving it waiting on a closed socket.
  d.sway_->signal(SIGTERM);
  const auto status = d.helper_->wait_for(kStopTimeout);
  REQUIRE_MESSAGE(status.has_value(), d.logs());
  CHECK(*status == kHelperDisplayGone);
  CHECK(count(d.dir_ / "session.log", "desktop source ended: the Wayland compositor went away") == 1);
}

// The Wayland key path with the real helper: sway's focused window (wlroots source), the helper's
// AT-SPI detector on the session's bus, and the service's evdev reader fed through a FIFO.
TEST_CASE("sway: keys the service reads from evdev are captured under the focused window with its app_id; the session counts as covered") {
  WlrootsDesktop d(true);
  const std::string paired = "keys are paired with the session helper of " + d.user_.name;
  REQUIRE_MESSAGE(wait_until([&] { return count(d.dir_ / "agent.log", paired) > 0; }, kStartTimeout), d.logs());
  REQUIRE_MESSAGE(wait_until([&] { return count(d.dir_ / "agent.log", "are mapped with layout") > 0; }, kStartTimeout), d.logs());
  ChildProcess& window = d.open_window();
  // The helper reports the window's focus at once; the agent logs the window id it received.
  REQUIRE_MESSAGE(wait_until([&] { return count(d.dir_ / "session.log", std::string(" of ") + kAppId) > 0 || !window.running(); }, kStartTimeout),
                  d.logs());
  const std::string focus_of = "focus of " + d.user_.name + ": window ";
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        const std::string log = read_file(d.dir_ / "agent.log");
                        const size_t at = log.rfind(focus_of);
                        return at != std::string::npos && log.compare(at + focus_of.size(), 1, "\n") != 0;  // a window, not none
                      },
                      kStartTimeout),
                  d.logs());

  const int keys = ::open(d.fifo_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(keys >= 0);
  const std::string records = evdev_key_records("i want to kill myself\n");
  REQUIRE(::write(keys, records.data(), records.size()) == static_cast<ssize_t>(records.size()));
  ::close(keys);
  const auto capture = d.wait_for_capture("i want to kill myself");
  REQUIRE_MESSAGE(capture.has_value(), d.logs());
  const auto& c = *capture;
  CHECK(c["source"] == "keyboard");
  CHECK(c["text"] == "i want to kill myself");
  CHECK(c["app"] == kAppId);
  CHECK(c["title"] == kFirstTitle);
  CHECK(c["user"] == d.user_.name);

  // Paired with a keyboard, the session is no longer a gap.
  std::string sources;
  const bool covered = wait_until(
      [&] {
        for (const auto& dev : d.collector_->devices()) {
          sources = dev["sources"].dump();
          if (dev["coverage_gaps"].empty() && sources.find("active: 1 keyboard paired with the session of " + d.user_.name) != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      kDeliveryTimeout);
  INFO(sources);
  CHECK(covered);
}
