// vigil-session: the per-session helper. Runs as the pupil inside their graphical session (XDG
// autostart or a systemd user unit), the only Vigil process that touches the keyboard and window
// APIs. It assembles text units and hands them to vigil-agent over a local socket; it never
// scans, stores or sends anything elsewhere, and it cannot read the agent's outbox.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>

#include "assembly/text_assembler.h"
#include "browser/browser_listener.h"
#include "browser/browser_watch.h"
#include "browser/page_limiter.h"
#include "browser/page_text.h"
#include "events/desktop_keys.h"
#include "session/restart_policy.h"
#include "session/session_keymap.h"
#include "session/session_protocol.h"
#include "vigil/cli.h"
#include "vigil/platform/child_process.h"
#include "vigil/platform/desktop_source.h"
#include "vigil/platform/local_socket.h"
#include "vigil/platform/login_session.h"
#include "vigil/platform/shutdown_signal.h"
#include "vigil/platform/system_info.h"
#include "vigil/version.h"

namespace {

using namespace vigil;
using Clock = std::chrono::steady_clock;

// Keys wait this long before they are assembled, so that the AT-SPI focus event for a password
// field (a D-Bus round trip, a few ms; measured < 50 ms under Xvfb) has arrived before we decide
// whether the key belongs to one. Adds this much to the key -> collector latency.
constexpr std::chrono::milliseconds kPasswordSettle{250};
// A settled key may wait this much longer, so that it is handed on at the wake-up of a later key
// instead of one of its own: while someone types (a key every 100-300 ms) the helper then wakes
// once per key, not twice. Adds at most this much to the key -> collector latency.
constexpr std::chrono::milliseconds kHandOnSlack{150};
// With nothing queued and no open line the helper only wakes to notice a stop request; rare
// wake-ups keep an idle session's CPU near zero.
constexpr std::chrono::milliseconds kIdleWake{1000};
// Between attempts to reach vigil-agent when it is not running (yet).
constexpr std::chrono::milliseconds kReconnectDelay{1000};
// A helper paired with the service's evdev keys looks at the password-field state this often, so
// the service hears of a password field well within its own settle delay (250 ms) for keys.
constexpr std::chrono::milliseconds kPairingPoll{100};
// Frames kept while the agent is away; beyond this the oldest go (the helper holds no log).
constexpr size_t kMaxPendingFrames = 256;
// Windows whose last title we remember, to hand on each title once rather than at every focus.
constexpr size_t kMaxRememberedTitles = 256;
// Browser reports waiting for the main loop; the page limiter thins them further.
constexpr size_t kMaxBrowserEvents = 4096;

class AgentLink {
 public:
  AgentLink(std::string path, std::string display) : path_(std::move(path)), display_(std::move(display)) {}

  void set_coverage(std::string state) {
    coverage_ = std::move(state);
    send(agent::CoverageMessage{coverage_, {}});
    flush();
  }

  // Keys from the service's evdev reader: declared (with the layout) and the focus state, both
  // re-sent on reconnect so a restarted agent pairs again at once.
  void set_pairing(platform::KeymapNames keymap) { pairing_ = agent::EvdevMessage{std::move(keymap)}; }
  void set_focus(agent::FocusMessage focus) {
    focus_ = focus;
    // While the agent is away only the latest focus matters: the greeting carries it.
    if (client_) send(std::move(focus));
  }
  void say_goodbye(std::string reason) {
    send(agent::GoodbyeMessage{std::move(reason)});
    flush();
  }

  // A capture route other than the desktop one (the browser extension), re-sent on reconnect.
  void set_route_coverage(const std::string& route, std::string state) {
    route_coverage_[route] = state;
    send(agent::CoverageMessage{std::move(state), route});
    flush();
  }

  // Queues; flush() writes everything queued in one go, once per pass of the event loop, so a
  // burst of units costs one socket write rather than one each.
  void send(const agent::SessionMessage& message) {
    pending_.push_back(agent::encode_frame(message));
    if (pending_.size() > kMaxPendingFrames) pending_.pop_front();
  }

  void flush() {
    if (!client_) {
      if (Clock::now() < next_attempt_) return;
      auto client = platform::connect_local(path_);
      if (!client) {
        next_attempt_ = Clock::now() + kReconnectDelay;
        if (!warned_) spdlog::warn("agent not reachable: {}; retrying", client.error().message);
        warned_ = true;
        return;
      }
      client_ = std::move(*client);
      warned_ = false;
      spdlog::info("connected to the agent at {}", path_);
      std::string greeting = agent::encode_frame(agent::HelloMessage{agent::kSessionProtocolVersion, display_});
      if (!coverage_.empty()) greeting += agent::encode_frame(agent::CoverageMessage{coverage_, {}});
      for (const auto& [route, state] : route_coverage_) greeting += agent::encode_frame(agent::CoverageMessage{state, route});
      if (pairing_) greeting += agent::encode_frame(*pairing_);
      // The latest focus, so the agent pairs at once; frames still queued follow and end on it too.
      if (pairing_ && focus_) greeting += agent::encode_frame(*focus_);
      if (!client_->send(greeting)) {
        client_.reset();
        return;
      }
    }
    if (pending_.empty()) return;
    std::string batch;
    for (const auto& frame : pending_) batch += frame;
    if (!client_->send(batch)) {
      // Frames stay queued and go again whole after the reconnect (the agent drops the half frame
      // of a closed connection): units whose bytes the dead agent never read are not lost.
      spdlog::warn("lost the agent connection; reconnecting");
      client_.reset();
      next_attempt_ = Clock::now() + kReconnectDelay;
      return;
    }
    pending_.clear();
  }

 private:
  std::string path_;
  std::string display_;
  std::string coverage_;
  std::map<std::string, std::string> route_coverage_;
  std::optional<agent::EvdevMessage> pairing_;
  std::optional<agent::FocusMessage> focus_;
  std::unique_ptr<platform::LocalSocketClient> client_;
  std::deque<std::string> pending_;
  Clock::time_point next_attempt_{};
  bool warned_ = false;
};

std::chrono::system_clock::time_point wall_time(Clock::time_point t) {
  return std::chrono::system_clock::now() - std::chrono::duration_cast<std::chrono::system_clock::duration>(Clock::now() - t);
}

// Where the browser route listens; empty when it cannot (the route then reports why).
struct BrowserRoute {
  std::unique_ptr<agent::BrowserListener> listener;
  std::string problem;
};

BrowserRoute open_browser_route(const std::string& configured_path) {
  std::string path = configured_path;
  if (path.empty()) {
    auto default_path = agent::default_browser_socket();
    if (!default_path) return {nullptr, default_path.error().message};
    path = *default_path;
  }
  auto listener = agent::BrowserListener::open(path, platform::system_info().current_user());
  if (!listener) return {nullptr, listener.error().message};
  spdlog::info("listening for the browser extension's host at {}", path);
  return {std::move(*listener), {}};
}

// Asked to stop (SIGTERM). At logout the login session is closing, and a goodbye tells the agent
// this is no coverage gap. While the session is still active, someone in it stopped the helper
// (`pkill vigil-session` sends SIGTERM too): no goodbye, so the agent lists the gap unless a
// helper is back within its grace period, and a supervisor starts this one again. Where the
// session's state is unknown (no logind), a stop is taken for a logout, as before.
int end_of_helper(AgentLink& link, const std::string& login_state_dir) {
  if (platform::login_session_state(login_state_dir) == platform::LoginSessionState::kActive) {
    spdlog::warn("asked to stop while this login session is still active: leaving without a goodbye, so the gap is reported");
    return agent::kHelperStoppedInSession;
  }
  link.say_goodbye("stopped");
  return agent::kHelperStopped;
}

int run_session(const std::string& socket_path, const std::string& browser_socket, const std::string& login_state_dir, std::atomic<bool>& stop, std::mutex& stop_mutex,
                std::condition_variable& stop_cv) {
  auto desktop = platform::open_desktop_source();
  AgentLink link(socket_path, desktop ? (*desktop)->kind() : "none");
  if (!desktop) {
    // Never silent: the agent's heartbeat carries the gap to the collector.
    spdlog::error("this session cannot be monitored: {}", desktop.error().message);
    link.set_coverage("unavailable: " + desktop.error().message);
    std::unique_lock lock(stop_mutex);
    while (!stop.load()) {
      stop_cv.wait_for(lock, kReconnectDelay);
      link.flush();
    }
    return end_of_helper(link, login_state_dir);
  }
  // A source without keys (wlroots) covers window titles only: the service reads the keyboard from
  // evdev and pairs its keys with the focus, password and grab state this helper reports as soon
  // as they change (not after the settle delay below: the service applies its own). That needs
  // the password detector as much as X11 keys do.
  const auto keys_gap = (*desktop)->keys_gap();
  auto passwords = platform::start_password_detector();
  const bool pairs_evdev = keys_gap && passwords;
  if (keys_gap && passwords) {
    std::ifstream keyboard_file(agent::kSystemKeyboardFile);
    const std::string system_keyboard((std::istreambuf_iterator<char>(keyboard_file)), std::istreambuf_iterator<char>());
    const auto keymap = agent::session_keymap([](const char* name) { return std::getenv(name); }, system_keyboard);
    spdlog::warn("this session's keys come from the service's evdev route (layout \"{}\" variant \"{}\"): {}", keymap.layout, keymap.variant,
                 *keys_gap);
    link.set_pairing(keymap);
    // Lifted to active by the agent while it reads a keyboard for this session.
    link.set_coverage("partial: window titles only; " + *keys_gap);
  } else if (keys_gap) {
    // Privacy: the service would have to drop every key, so this helper does not pair at all.
    spdlog::error("this session is monitored for window titles only: {}; password fields cannot be recognised ({})", *keys_gap,
                  passwords.error().message);
    link.set_coverage("partial: window titles only; " + *keys_gap + "; not paired with the service's keys: password fields cannot be recognised (" +
                      passwords.error().message + ")");
  } else if (!passwords) {
    // Privacy: without AT-SPI a password field looks like any other, so no key is captured.
    spdlog::error("password fields cannot be recognised ({}); keystrokes are not captured", passwords.error().message);
    link.set_coverage("unavailable: keystrokes not captured: " + passwords.error().message);
  } else {
    link.flush();
  }
  platform::WindowInfo paired_window;
  bool paired_grab = false;

  // Every desktop event waits kPasswordSettle here before it is handled (see above).
  std::deque<platform::DesktopEvent> queue;
  auto enqueue = [&](const platform::DesktopEvent& ev) {
    queue.push_back(ev);
    using Kind = platform::DesktopEvent::Kind;
    if (ev.kind == Kind::kFocus) paired_window = ev.window;
    else if (ev.kind == Kind::kTitle) paired_window.title = ev.window.title;
    else if (ev.kind == Kind::kGrabStarted) paired_grab = true;
    else if (ev.kind == Kind::kGrabEnded) paired_grab = false;
  };
  std::optional<agent::FocusMessage> focus_sent;
  Clock::time_point focus_sent_at{};

  // The browser route has its own thread (its socket is not the display's); its reports are
  // handled at the main loop's next pass, which every key and at least every kIdleWake brings.
  std::mutex browser_mutex;
  std::deque<agent::BrowserEvent> browser_queue;
  BrowserRoute browser = open_browser_route(browser_socket);
  if (!browser.listener) {
    spdlog::error("browser extension route unavailable: {}", browser.problem);
    link.set_route_coverage("browser", "unavailable: browser extension route: " + browser.problem);
  }
  std::thread browser_thread([&] {
    if (!browser.listener) return;
    auto r = browser.listener->run(
        [&](agent::BrowserEvent ev) {
          std::lock_guard lock(browser_mutex);
          // Bounded like the agent link: a host flooding faster than the helper drains loses its
          // oldest page reports. Privacy: password-focus and connection events are never dropped.
          if (browser_queue.size() >= kMaxBrowserEvents) {
            auto page = std::find_if(browser_queue.begin(), browser_queue.end(),
                                     [](const agent::BrowserEvent& e) { return std::holds_alternative<agent::PageVisit>(e.message); });
            if (page != browser_queue.end()) browser_queue.erase(page);
          }
          browser_queue.push_back(std::move(ev));
        },
        stop);
    if (!r) spdlog::error("browser extension route ended: {}", r.error().message);
  });

  agent::TextAssembler assembler([&](agent::TextUnit unit) {
    // Privacy: unit text goes only to the agent's socket, never to a log or a file.
    spdlog::debug("unit: line {} stage {} ({} bytes)", unit.line_id, static_cast<int>(unit.stage), unit.text.size());
    link.send(agent::unit_message(unit, wall_time(unit.observed_at)));
  });
  std::map<std::string, std::string> titles_sent;
  auto hand_on_title = [&](const platform::WindowInfo& w, Clock::time_point at) {
    if (w.id.empty() || w.title.empty()) return;
    auto& last = titles_sent[w.id];
    if (last == w.title) return;
    if (titles_sent.size() > kMaxRememberedTitles) titles_sent.clear();
    titles_sent[w.id] = w.title;
    agent::UnitMessage m;
    m.stage = "title";
    m.text = w.title;
    m.app = w.app;
    m.app_path = w.app_path;
    m.title = w.title;
    m.observed_at = wall_time(at);
    link.send(m);
  };
  bool grabbed = false;
  bool dropping = false;
  platform::WindowInfo focused;
  agent::BrowserWatch browsers;
  agent::PageLimiter pages;
  auto hand_on_page = [&](const agent::PageVisit& page, uint64_t connection) {
    agent::UnitMessage m;
    m.stage = "url";
    m.text = agent::page_text(page);
    m.url = page.url;
    m.title = page.title;
    const bool browser_focused = agent::is_browser_app(focused.app, focused.app_path);
    m.app = browser_focused ? focused.app : browsers.browser_of(connection);
    m.app_path = browser_focused ? focused.app_path : std::string();
    m.observed_at = page.observed_at;
    link.send(m);
  };
  auto handle_browser = [&](agent::BrowserEvent& ev) {
    using BKind = agent::BrowserEvent::Kind;
    if (ev.kind == BKind::kConnected) {
      const auto& hello = std::get<agent::BrowserHello>(ev.message);
      spdlog::info("browser extension connected ({}, {})", hello.browser, hello.extension);
      browsers.connected(ev.connection, hello.browser);
    } else if (ev.kind == BKind::kClosed) {
      spdlog::info("browser extension disconnected ({})", browsers.browser_of(ev.connection));
      browsers.disconnected(ev.connection, ev.at);
      pages.forget(ev.connection);
    } else if (const auto* focus = std::get_if<agent::PasswordFocus>(&ev.message)) {
      const bool before = browsers.password_focused_now();
      browsers.password(ev.connection, focus->tab, focus->focused, ev.at);
      if (before != browsers.password_focused_now()) {
        spdlog::debug("browser password field {}", browsers.password_focused_now() ? "focused" : "left");
      }
    } else if (auto* page = std::get_if<agent::PageVisit>(&ev.message)) {
      const auto passed = pages.offer(ev.connection, std::move(*page), ev.at);
      for (const auto& p : passed) hand_on_page(p, ev.connection);
      const auto& n = pages.counters();
      // Counts only: a URL is pupil content and stays out of logs.
      spdlog::debug("browser page report: {} (passed {}, duplicates {}, superseded {})", passed.empty() ? "held or dropped" : "passed", n.passed,
                    n.duplicates, n.superseded);
    }
  };


  // One thread, one wake-up per X event: a key arriving also hands on the keys that have settled
  // since, so steady typing needs no timer at all; the timer only serves the end of a burst (the
  // last keys, after settle and slack) and the idle close of an open line.
  bool desktop_failed = false;
  // The display is read as soon as it writes: delaying reads to batch a key's press and release
  // loses characters that tools and IMEs type through a keycode remapped for a moment (the
  // keymap would be re-read after it was already put back).
  while (!stop.load()) {
    auto now = Clock::now();
    Clock::time_point wake = now + kIdleWake;
    if (!queue.empty()) wake = std::min(wake, queue.front().at + kPasswordSettle + kHandOnSlack);
    if (const auto idle = assembler.idle_deadline()) wake = std::min(wake, *idle);
    if (const auto next_page = pages.next_due()) wake = std::min(wake, *next_page);
    if (pairs_evdev) wake = std::min(wake, now + kPairingPoll);
    const auto timeout = std::max(std::chrono::ceil<std::chrono::milliseconds>(wake - now), std::chrono::milliseconds(0));
    if (auto r = (*desktop)->pump(enqueue, timeout); !r) {
      spdlog::error("desktop source ended: {}", r.error().message);
      desktop_failed = true;
      break;
    }
    std::deque<platform::DesktopEvent> due;
    const auto cutoff = Clock::now() - kPasswordSettle;
    while (!queue.empty() && queue.front().at <= cutoff) {
      due.push_back(std::move(queue.front()));
      queue.pop_front();
    }
    // Browser reports are not delayed: a password focus must be known before the keys typed after
    // it leave the settle queue.
    std::deque<agent::BrowserEvent> browser_due;
    {
      std::lock_guard lock(browser_mutex);
      browser_due.swap(browser_queue);
    }
    for (auto& ev : browser_due) handle_browser(ev);
    for (auto& ev : due) {
      using Kind = platform::DesktopEvent::Kind;
      switch (ev.kind) {
        case Kind::kFocus:
          spdlog::debug("focus: window {} of {}", ev.window.id, ev.window.app);
          focused = ev.window;
          browsers.window_focused(agent::is_browser_app(ev.window.app, ev.window.app_path) ? ev.window.app : std::string(), ev.at);
          assembler.focus({ev.window.id, ev.window.app, ev.window.app_path, ev.window.title}, ev.at);
          hand_on_title(ev.window, ev.at);
          break;
        case Kind::kTitle:
          focused.title = ev.window.title;
          assembler.retitle(ev.window.title);
          hand_on_title(ev.window, ev.at);
          break;
        case Kind::kGrabStarted:
          spdlog::debug("another client grabbed the keyboard: keys are dropped until it lets go");
          grabbed = true;
          assembler.discard();
          break;
        case Kind::kGrabEnded:
          spdlog::debug("keyboard grab released");
          grabbed = false;
          break;
        case Kind::kKey:
          // Privacy: nothing typed into a password field, or while another client holds the
          // keyboard, is assembled; the line it would have joined is dropped too.
          // A browser's own report counts for the browser's windows: it sees password fields that
          // the browser does not expose over AT-SPI. Judged over the settle window, see BrowserWatch.
          if (const bool browser_password = agent::is_browser_app(focused.app, focused.app_path) &&
                                            browsers.password_focused_between(ev.at, ev.at + kPasswordSettle);
              grabbed || !passwords || (*passwords)->password_focused() || browser_password) {
            if (!dropping) {
              spdlog::debug("dropping keys ({})", grabbed ? "keyboard grabbed" : browser_password ? "browser password field" : "password field");
            }
            dropping = true;
            assembler.discard();
            break;
          }
          dropping = false;
          assembler.key(agent::to_key(ev), ev.at);
          break;
      }
    }
    for (const auto& [connection, p] : pages.due(Clock::now())) hand_on_page(p, connection);
    if (auto state = browsers.coverage_change(Clock::now())) {
      spdlog::info("browser route: {}", *state);
      link.set_route_coverage("browser", *state);
    }
    assembler.tick(Clock::now());
    if (pairs_evdev) {
      // Privacy: without AT-SPI every field might be a password field, so the service drops all.
      agent::FocusMessage f;
      f.window = {paired_window.id, paired_window.app, paired_window.app_path, paired_window.title};
      f.password = !passwords || (*passwords)->password_focused() ||
                   (agent::is_browser_app(paired_window.app, paired_window.app_path) && browsers.password_focused_now());
      f.grab = paired_grab;
      const auto same = [](const agent::FocusMessage& a, const agent::FocusMessage& b) {
        return a.window.id == b.window.id && a.window.app == b.window.app && a.window.app_path == b.window.app_path &&
               a.window.title == b.window.title && a.password == b.password && a.grab == b.grab;
      };
      if (!focus_sent || !same(*focus_sent, f) || Clock::now() - focus_sent_at >= agent::kFocusRefresh) {
        focus_sent = f;
        focus_sent_at = Clock::now();
        link.set_focus(std::move(f));
      }
    }
    link.flush();
  }
  stop = true;
  if (browser.listener) browser.listener->interrupt();
  browser_thread.join();
  assembler.flush(Clock::now());
  if (desktop_failed) {
    link.say_goodbye("display gone");
    return agent::kHelperDisplayGone;
  }
  return end_of_helper(link, login_state_dir);
}

// --supervise: this process only runs the helper as its child and starts it again when it is
// killed or crashes, for desktops whose sessions have no systemd user manager (XDG autostart runs
// it); under systemd the user unit's Restart= does the same. It lives in the session rather than
// in the root service because only the session knows its display, X authority and D-Bus (AT-SPI)
// addresses, and because the service must never start programs in a pupil's session.
int supervise(const std::vector<std::string>& helper_argv, platform::ShutdownSignal& shutdown) {
  std::mutex mutex;
  std::condition_variable changed;
  bool stop = false;
  platform::ChildProcess* running = nullptr;  // guarded by mutex
  shutdown.start([&] {
    std::lock_guard lock(mutex);
    stop = true;
    if (running) running->request_stop();  // the helper ends its line and exits 0
    changed.notify_all();
  });
  agent::RestartPolicy policy;
  while (true) {
    std::unique_ptr<platform::ChildProcess> child;
    {
      std::lock_guard lock(mutex);
      if (stop) return agent::kHelperStopped;
      auto started = platform::start_child(helper_argv);
      if (!started) {
        spdlog::error("cannot start the session helper: {}", started.error().message);
        return 1;
      }
      child = std::move(*started);
      running = child.get();
    }
    const auto started_at = Clock::now();
    spdlog::info("session helper started (pid {})", child->id());
    auto ended = child->wait();
    const auto ran = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_at);
    std::unique_lock lock(mutex);
    running = nullptr;
    if (!ended) {
      spdlog::error("lost track of the session helper: {}", ended.error().message);
      return 1;
    }
    if (stop) return agent::kHelperStopped;
    const auto delay = policy.after_exit(ended->signalled, ended->code, ran);
    const std::string how = ended->signalled ? "was killed by signal " + std::to_string(ended->code)
                                             : "exited with status " + std::to_string(ended->code);
    if (!delay) {
      spdlog::info("session helper {} after {} ms; not restarting", how, ran.count());
      return ended->signalled ? 1 : ended->code;
    }
    spdlog::warn("session helper {} after {} ms; restarting in {} ms", how, ran.count(), delay->count());
    changed.wait_for(lock, *delay, [&] { return stop; });
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto shutdown = platform::make_shutdown_signal();  // before any thread starts
  std::string socket_path;
  std::string log_level = "info";
  bool supervised = false;
  std::string browser_socket;
  std::string login_state_dir;
  CLI::App app{"Vigil session helper: assembles what is typed in this desktop session and hands it to vigil-agent."};
  app.name("vigil-session");
  app.set_version_flag("--version", std::string("vigil-session ") + kVersion);
  app.add_option("--agent-socket", socket_path, "vigil-agent's session socket (its --source session:SOCKET)")->required();
  app.add_option("--browser-socket", browser_socket,
                 "where vigil-browser-host connects (default: $VIGIL_BROWSER_SOCKET, else $XDG_RUNTIME_DIR/vigil-browser.sock)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_flag("--supervise", supervised,
               "run the helper as a child process and start it again if it is killed or crashes (for sessions without a systemd "
               "user manager)");
  app.add_option("--login-state-dir", login_state_dir, "where the session manager keeps login session state (default: logind's)");
  if (auto exit_code = parse_command_line(app, argc, argv)) return *exit_code;
  spdlog::set_default_logger(spdlog::stderr_color_mt(supervised ? "vigil-session supervisor" : "vigil-session"));
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (supervised) {
    auto self = platform::own_executable();
    if (!self) {
      spdlog::error("cannot find this program to restart it: {}", self.error().message);
      return 1;
    }
    std::vector<std::string> helper = {*self, "--agent-socket", socket_path, "--log-level", log_level};
    if (!browser_socket.empty()) helper.insert(helper.end(), {"--browser-socket", browser_socket});
    if (!login_state_dir.empty()) helper.insert(helper.end(), {"--login-state-dir", login_state_dir});
    const int status = supervise(helper, *shutdown);
    shutdown->stop();
    return status;
  }

  std::atomic<bool> stop{false};
  std::mutex stop_mutex;
  std::condition_variable stop_cv;
  shutdown->start([&] {
    std::lock_guard lock(stop_mutex);
    stop = true;
    stop_cv.notify_all();
  });
  const int status = run_session(socket_path, browser_socket, login_state_dir, stop, stop_mutex, stop_cv);
  shutdown->stop();
  return status;
}
