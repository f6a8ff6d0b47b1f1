// wlroots desktop source: the foreign-toplevel manager tells any client of a wlroots compositor
// every window's title, app_id and whether it is activated (focused). Wayland gives keys to no
// client but the focused one, so this source publishes window events only; keys need the evdev
// route in the service.
#include "linux/linux_wlr_toplevel_desktop.h"

#include <poll.h>
#include <wayland-client.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "linux/wlr_toplevel_tracker.h"
#include "wlr-foreign-toplevel-management-unstable-v1-client-protocol.h"

namespace vigil::platform {
namespace {

// The newest version of the protocol our XML describes; a newer compositor speaks this one to us.
constexpr uint32_t kManagerVersion = 3;

std::string errno_text(int error) { return error == 0 ? "connection closed" : std::strerror(error); }

class WlrToplevelDesktopSource final : public DesktopSource {
 public:
  explicit WlrToplevelDesktopSource(wl_display* display) : display_(display) {}

  ~WlrToplevelDesktopSource() override {
    for (const auto& [handle, id] : handles_) zwlr_foreign_toplevel_handle_v1_destroy(handle);
    if (manager_) zwlr_foreign_toplevel_manager_v1_destroy(manager_);
    if (registry_) wl_registry_destroy(registry_);
    wl_display_disconnect(display_);
  }

  std::string kind() const override { return "wlroots"; }

  std::optional<std::string> keys_gap() const override {
    return "keystrokes need the evdev route in the service (Wayland gives keys to no other client)";
  }

  Result<void> setup() {
    registry_ = wl_display_get_registry(display_);
    wl_registry_add_listener(registry_, &kRegistryListener, this);
    // First round trip: the globals (and our bind of the manager); second: the manager's
    // toplevel events for the windows open now, each closed by its done.
    if (wl_display_roundtrip(display_) < 0) return gone("reading the compositor's globals");
    if (!manager_) {
      return make_error(ErrorCode::kUnavailable, "the compositor does not offer zwlr_foreign_toplevel_manager_v1 (window titles)");
    }
    if (wl_display_roundtrip(display_) < 0) return gone("reading the open windows");
    out_.clear();  // the first pump reports the focused window as one kFocus instead
    return {};
  }

  Result<void> pump(const std::function<void(const DesktopEvent&)>& sink, std::chrono::milliseconds timeout) override {
    if (!started_) {
      started_ = true;
      sink(tracker_.focus_now(std::chrono::steady_clock::now()));
    }
    // The standard pattern for one thread: dispatch whatever is already queued, announce the
    // read, flush our requests, sleep in poll() until the compositor writes or the caller's
    // deadline comes, then read and dispatch. Never spins: an empty socket means a sleep.
    while (wl_display_prepare_read(display_) != 0) {
      if (wl_display_dispatch_pending(display_) < 0) return gone("dispatching");
    }
    if (wl_display_flush(display_) < 0 && errno != EAGAIN) {
      wl_display_cancel_read(display_);
      return gone("writing to the compositor");
    }
    // Events dispatched just above are handed on now rather than after a sleep.
    const int wait_ms = out_.empty() ? static_cast<int>(std::max<int64_t>(timeout.count(), 0)) : 0;
    pollfd pfd{wl_display_get_fd(display_), POLLIN, 0};
    const int ready = ::poll(&pfd, 1, wait_ms);
    if (ready <= 0) {
      wl_display_cancel_read(display_);
      if (ready < 0 && errno != EINTR) return make_error(ErrorCode::kIo, std::string("poll on the Wayland connection failed: ") + std::strerror(errno));
    } else if (wl_display_read_events(display_) < 0) {
      return gone("reading from the compositor");
    }
    if (wl_display_dispatch_pending(display_) < 0) return gone("dispatching");
    for (const auto& ev : out_) sink(ev);
    out_.clear();
    if (finished_) return make_error(ErrorCode::kUnavailable, "the compositor stopped reporting windows (zwlr_foreign_toplevel_manager_v1.finished)");
    return {};
  }

 private:
  Error gone(const char* doing) const {
    return make_error(ErrorCode::kUnavailable, std::string("the Wayland compositor went away while ") + doing + ": " +
                                                   errno_text(wl_display_get_error(display_)));
  }

  void publish(std::vector<DesktopEvent> events) {
    for (auto& ev : events) out_.push_back(std::move(ev));
  }

  // Unknown handles cannot happen (every handle is registered before its first event is
  // dispatched); ignoring one keeps a confused compositor from ending the helper.
  std::optional<uint64_t> id_of(zwlr_foreign_toplevel_handle_v1* handle) const {
    const auto it = handles_.find(handle);
    if (it == handles_.end()) return std::nullopt;
    return it->second;
  }

  static WlrToplevelDesktopSource& self(void* data) { return *static_cast<WlrToplevelDesktopSource*>(data); }

  static void on_global(void* data, wl_registry* registry, uint32_t name, const char* interface, uint32_t version) {
    auto& s = self(data);
    if (s.manager_ || std::strcmp(interface, zwlr_foreign_toplevel_manager_v1_interface.name) != 0) return;
    const uint32_t bound = std::min(version, kManagerVersion);
    s.manager_ = static_cast<zwlr_foreign_toplevel_manager_v1*>(wl_registry_bind(registry, name, &zwlr_foreign_toplevel_manager_v1_interface, bound));
    zwlr_foreign_toplevel_manager_v1_add_listener(s.manager_, &kManagerListener, data);
  }
  static void on_global_remove(void*, wl_registry*, uint32_t) {}

  static void on_toplevel(void* data, zwlr_foreign_toplevel_manager_v1*, zwlr_foreign_toplevel_handle_v1* handle) {
    auto& s = self(data);
    s.handles_[handle] = s.tracker_.add();
    zwlr_foreign_toplevel_handle_v1_add_listener(handle, &kHandleListener, data);
  }
  static void on_finished(void* data, zwlr_foreign_toplevel_manager_v1*) { self(data).finished_ = true; }

  static void on_title(void* data, zwlr_foreign_toplevel_handle_v1* handle, const char* title) {
    auto& s = self(data);
    if (const auto id = s.id_of(handle)) s.tracker_.title(*id, title ? title : "");
  }
  static void on_app_id(void* data, zwlr_foreign_toplevel_handle_v1* handle, const char* app_id) {
    auto& s = self(data);
    if (const auto id = s.id_of(handle)) s.tracker_.app_id(*id, app_id ? app_id : "");
  }
  static void on_output(void*, zwlr_foreign_toplevel_handle_v1*, wl_output*) {}
  static void on_state(void* data, zwlr_foreign_toplevel_handle_v1* handle, wl_array* state) {
    auto& s = self(data);
    const auto id = s.id_of(handle);
    if (!id) return;
    // An array of uint32 state values (wl_array_for_each does not compile as C++).
    const auto* values = static_cast<const uint32_t*>(state->data);
    const size_t count = state->size / sizeof(uint32_t);
    s.tracker_.activated(*id, std::find(values, values + count, uint32_t{ZWLR_FOREIGN_TOPLEVEL_HANDLE_V1_STATE_ACTIVATED}) != values + count);
  }
  static void on_done(void* data, zwlr_foreign_toplevel_handle_v1* handle) {
    auto& s = self(data);
    if (const auto id = s.id_of(handle)) s.publish(s.tracker_.done(*id, std::chrono::steady_clock::now()));
  }
  static void on_closed(void* data, zwlr_foreign_toplevel_handle_v1* handle) {
    auto& s = self(data);
    if (const auto id = s.id_of(handle)) s.publish(s.tracker_.closed(*id, std::chrono::steady_clock::now()));
    s.handles_.erase(handle);
    zwlr_foreign_toplevel_handle_v1_destroy(handle);  // the compositor sends nothing more for it
  }
  static void on_parent(void*, zwlr_foreign_toplevel_handle_v1*, zwlr_foreign_toplevel_handle_v1*) {}

  static constexpr wl_registry_listener kRegistryListener{on_global, on_global_remove};
  static constexpr zwlr_foreign_toplevel_manager_v1_listener kManagerListener{on_toplevel, on_finished};
  static constexpr zwlr_foreign_toplevel_handle_v1_listener kHandleListener{on_title, on_app_id, on_output, on_output,
                                                                           on_state, on_done,   on_closed, on_parent};

  wl_display* display_;
  wl_registry* registry_ = nullptr;
  zwlr_foreign_toplevel_manager_v1* manager_ = nullptr;
  std::map<zwlr_foreign_toplevel_handle_v1*, uint64_t> handles_;
  ToplevelTracker tracker_;
  std::vector<DesktopEvent> out_;  // produced while dispatching, handed to the sink afterwards
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<DesktopSource>> open_wlr_toplevel_source() {
  wl_display* display = wl_display_connect(nullptr);
  if (!display) {
    const char* name = std::getenv("WAYLAND_DISPLAY");
    return make_error(ErrorCode::kUnavailable, std::string("cannot connect to the Wayland compositor at ") + (name ? name : "wayland-0") + ": " +
                                                   errno_text(errno));
  }
  auto source = std::make_unique<WlrToplevelDesktopSource>(display);
  if (auto r = source->setup(); !r) return r.error();
  return std::unique_ptr<DesktopSource>(std::move(source));
}

}  // namespace vigil::platform
