// X11 desktop source: XInput2 raw key events on the root window (delivered to any client of the
// session, no root needed, and invisible to the pupil), turned into text with xkbcommon and the
// session's own keymap, plus the EWMH active window.
#include <X11/XKBlib.h>
#include <X11/Xatom.h>
#include <X11/Xlib-xcb.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XInput2.h>
#include <poll.h>
#include <unistd.h>
#include <xkbcommon/xkbcommon-x11.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <fstream>
#include <memory>
#include <vector>

#include "linux/linux_x11_desktop.h"
#include "linux/xkb_text.h"
#include "vigil/platform/desktop_source.h"

namespace vigil::platform {
namespace {

// Longest property read (titles); longer titles are cut, which is enough to scan a page name.
constexpr long kMaxPropertyLongs = 4096;

// A window can vanish between an event and our query of it (BadWindow); that is normal on a
// desktop and must not end the helper, which Xlib's default handler would do.
int ignore_x_error(Display*, XErrorEvent*) { return 0; }

class X11DesktopSource final : public DesktopSource {
 public:
  explicit X11DesktopSource(Display* display) : dpy_(display) {}
  ~X11DesktopSource() override { XCloseDisplay(dpy_); }

  std::string kind() const override { return "x11"; }

  Result<void> setup() {
    XSetErrorHandler(ignore_x_error);
    int event = 0, error = 0;
    if (!XQueryExtension(dpy_, "XInputExtension", &xi_opcode_, &event, &error)) {
      return make_error(ErrorCode::kUnavailable, "the X server has no XInput extension");
    }
    // Privacy: stay an XI 2.0 client. From 2.1 on the server delivers raw events to root-window
    // listeners even while another client grabs the keyboard; at 2.0 it withholds them, so what
    // is typed into a screen locker or pinentry never reaches us. The NotifyGrab tracking below
    // is a second layer for keys already queued when the grab starts.
    int major = 2, minor = 0;
    if (XIQueryVersion(dpy_, &major, &minor) != Success) return make_error(ErrorCode::kUnavailable, "the X server lacks XInput 2.0");
    root_ = DefaultRootWindow(dpy_);
    unsigned char mask_bits[XIMaskLen(XI_LASTEVENT)] = {};
    XIEventMask mask{XIAllMasterDevices, sizeof mask_bits, mask_bits};
    // Presses only: modifier state comes from XkbStateNotify below, so a release costs no wake-up.
    XISetMask(mask_bits, XI_RawKeyPress);
    XISelectEvents(dpy_, root_, &mask, 1);
    // Keymap changes: tools and IMEs remap spare keycodes on the fly (xdotool types é that way).
    int xkb_opcode = 0, xkb_error = 0, xkb_major = XkbMajorVersion, xkb_minor = XkbMinorVersion;
    if (!XkbQueryExtension(dpy_, &xkb_opcode, &xkb_event_, &xkb_error, &xkb_major, &xkb_minor)) {
      return make_error(ErrorCode::kUnavailable, "the X server has no XKB extension");
    }
    XkbSelectEvents(dpy_, XkbUseCoreKbd, XkbNewKeyboardNotifyMask | XkbMapNotifyMask, XkbNewKeyboardNotifyMask | XkbMapNotifyMask);
    // The server's own modifier and group state (shift, caps lock, AltGr, latches), as xkbcommon
    // recommends for X11 clients; it arrives before the next key press it applies to.
    XkbSelectEventDetails(dpy_, XkbUseCoreKbd, XkbStateNotify, XkbAllStateComponentsMask,
                          XkbModifierStateMask | XkbModifierBaseMask | XkbModifierLatchMask | XkbModifierLockMask | XkbGroupStateMask |
                              XkbGroupBaseMask | XkbGroupLatchMask | XkbGroupLockMask);
    XSelectInput(dpy_, root_, PropertyChangeMask);
    net_active_window_ = XInternAtom(dpy_, "_NET_ACTIVE_WINDOW", False);
    net_wm_name_ = XInternAtom(dpy_, "_NET_WM_NAME", False);
    net_wm_pid_ = XInternAtom(dpy_, "_NET_WM_PID", False);
    utf8_string_ = XInternAtom(dpy_, "UTF8_STRING", False);

    xcb_ = XGetXCBConnection(dpy_);
    if (!xkb_x11_setup_xkb_extension(xcb_, XKB_X11_MIN_MAJOR_XKB_VERSION, XKB_X11_MIN_MINOR_XKB_VERSION,
                                     XKB_X11_SETUP_XKB_EXTENSION_NO_FLAGS, nullptr, nullptr, nullptr, nullptr)) {
      return make_error(ErrorCode::kUnavailable, "xkbcommon could not set up XKB on this display");
    }
    context_.reset(xkb_context_new(XKB_CONTEXT_NO_FLAGS));
    if (!context_) return make_error(ErrorCode::kInternal, "xkb_context_new failed");
    compose_ = make_compose_state(context_.get());
    return load_keymap();
  }

  Result<void> pump(const std::function<void(const DesktopEvent&)>& sink, std::chrono::milliseconds timeout) override {
    if (!started_) {
      started_ = true;
      active_ = active_window();
      watch(active_);
      sink(focus_event(DesktopEvent::Kind::kFocus));
    }
    // XPending flushes our requests and reads what the socket holds; only when nothing is queued
    // do we sleep in poll() until the server writes or the caller's deadline comes.
    if (XPending(dpy_) == 0) {
      pollfd pfd{ConnectionNumber(dpy_), POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(timeout.count())) < 0 && errno != EINTR) {
        return make_error(ErrorCode::kIo, "poll on the X connection failed");
      }
      if (pfd.revents & (POLLHUP | POLLERR)) return make_error(ErrorCode::kUnavailable, "the X server closed the connection");
      if (pfd.revents & POLLIN) XEventsQueued(dpy_, QueuedAfterReading);
    }
    while (XEventsQueued(dpy_, QueuedAlready) > 0) {
      XEvent ev;
      XNextEvent(dpy_, &ev);
      handle(ev, sink);
    }
    XFlush(dpy_);  // requests made while handling (XSelectInput on a new active window)
    return {};
  }

 private:
  Result<void> load_keymap() {
    const int32_t device = xkb_x11_get_core_keyboard_device_id(xcb_);
    if (device < 0) return make_error(ErrorCode::kUnavailable, "no core keyboard on this display");
    XkbPtr<xkb_keymap> keymap(xkb_x11_keymap_new_from_device(context_.get(), xcb_, device, XKB_KEYMAP_COMPILE_NO_FLAGS));
    if (!keymap) return make_error(ErrorCode::kUnavailable, "could not read the session's keymap");
    XkbPtr<xkb_state> state(xkb_x11_state_new_from_device(keymap.get(), xcb_, device));
    if (!state) return make_error(ErrorCode::kUnavailable, "could not read the keyboard state");
    keymap_ = std::move(keymap);
    state_ = std::move(state);
    return {};
  }

  void handle(XEvent& ev, const std::function<void(const DesktopEvent&)>& sink) {
    if (ev.type == GenericEvent && ev.xcookie.extension == xi_opcode_ && XGetEventData(dpy_, &ev.xcookie)) {
      const auto* raw = static_cast<const XIRawEvent*>(ev.xcookie.data);
      const auto keycode = static_cast<xkb_keycode_t>(raw->detail);
      if (ev.xcookie.evtype == XI_RawKeyPress) key_press(keycode, sink);
      XFreeEventData(dpy_, &ev.xcookie);
      return;
    }
    if (ev.type == xkb_event_) {
      const auto& any = reinterpret_cast<const XkbAnyEvent&>(ev);
      if (any.xkb_type == XkbStateNotify) {
        const auto& st = reinterpret_cast<const XkbStateNotifyEvent&>(ev);
        xkb_state_update_mask(state_.get(), st.base_mods, st.latched_mods, st.locked_mods, st.base_group, st.latched_group, st.locked_group);
      } else if (any.xkb_type == XkbNewKeyboardNotify || any.xkb_type == XkbMapNotify) {
        // Keep the old keymap if the new one cannot be read: some text beats none.
        (void)load_keymap();
      }
      return;
    }
    if (ev.type == PropertyNotify) {
      if (ev.xproperty.window == root_ && ev.xproperty.atom == net_active_window_) {
        const Window now = active_window();
        if (now != active_) {
          active_ = now;
          grabbed_ = false;
          watch(active_);
          sink(focus_event(DesktopEvent::Kind::kFocus));
        }
      } else if (ev.xproperty.window == active_ && (ev.xproperty.atom == net_wm_name_ || ev.xproperty.atom == XA_WM_NAME)) {
        sink(focus_event(DesktopEvent::Kind::kTitle));
      }
      return;
    }
    // Privacy: another client grabbing the keyboard (screen locker, pinentry, polkit) moves focus
    // away from the active window with mode NotifyGrab; nothing typed until the ungrab is kept.
    if ((ev.type == FocusOut || ev.type == FocusIn) && ev.xfocus.window == active_) {
      if (ev.type == FocusOut && ev.xfocus.mode == NotifyGrab && !grabbed_) {
        grabbed_ = true;
        DesktopEvent grab;
        grab.kind = DesktopEvent::Kind::kGrabStarted;
        grab.at = std::chrono::steady_clock::now();
        sink(grab);
      } else if (ev.type == FocusIn && ev.xfocus.mode == NotifyUngrab && grabbed_) {
        grabbed_ = false;
        DesktopEvent grab;
        grab.kind = DesktopEvent::Kind::kGrabEnded;
        grab.at = std::chrono::steady_clock::now();
        sink(grab);
      }
    }
  }

  void key_press(xkb_keycode_t keycode, const std::function<void(const DesktopEvent&)>& sink) {
    if (auto ev = key_event(state_.get(), compose_.get(), keycode)) sink(*ev);
  }

  // One 32-bit property value (Xlib hands those back as longs), if the window has it.
  std::optional<unsigned long> long_property(Window window, Atom property, Atom type) {
    Atom actual = None;
    int format = 0;
    unsigned long count = 0, after = 0;
    unsigned char* data = nullptr;
    std::optional<unsigned long> out;
    if (XGetWindowProperty(dpy_, window, property, 0, 1, False, type, &actual, &format, &count, &after, &data) == Success && data &&
        count == 1 && format == 32) {
      out = *reinterpret_cast<unsigned long*>(data);
    }
    if (data) XFree(data);
    return out;
  }

  Window active_window() {
    Window found = static_cast<Window>(long_property(root_, net_active_window_, XA_WINDOW).value_or(None));
    if (found == None) {  // no EWMH window manager: fall back to the X input focus
      int revert = 0;
      XGetInputFocus(dpy_, &found, &revert);
      if (found == PointerRoot) found = None;
    }
    return found;
  }

  void watch(Window window) {
    if (window != None) XSelectInput(dpy_, window, PropertyChangeMask | FocusChangeMask);
  }

  std::string text_property(Window window, Atom property, Atom type) {
    Atom actual = None;
    int format = 0;
    unsigned long count = 0, after = 0;
    unsigned char* data = nullptr;
    std::string out;
    if (XGetWindowProperty(dpy_, window, property, 0, kMaxPropertyLongs, False, type, &actual, &format, &count, &after, &data) == Success &&
        data && format == 8) {
      out.assign(reinterpret_cast<char*>(data), count);
    }
    if (data) XFree(data);
    return out;
  }

  DesktopEvent focus_event(DesktopEvent::Kind kind) {
    DesktopEvent ev;
    ev.kind = kind;
    ev.at = std::chrono::steady_clock::now();
    if (active_ == None) return ev;
    WindowInfo& w = ev.window;
    w.id = std::to_string(active_);
    w.title = text_property(active_, net_wm_name_, utf8_string_);
    if (w.title.empty()) w.title = text_property(active_, XA_WM_NAME, AnyPropertyType);
    if (const auto pid = long_property(active_, net_wm_pid_, XA_CARDINAL)) {
      const std::filesystem::path proc = "/proc/" + std::to_string(*pid);
      std::ifstream comm(proc / "comm");
      std::getline(comm, w.app);
      std::error_code ec;
      const auto exe = std::filesystem::read_symlink(proc / "exe", ec);
      if (!ec) w.app_path = exe.string();
    }
    if (w.app.empty()) {
      XClassHint hint{};
      if (XGetClassHint(dpy_, active_, &hint)) {
        if (hint.res_name) w.app = hint.res_name;
        if (hint.res_name) XFree(hint.res_name);
        if (hint.res_class) XFree(hint.res_class);
      }
    }
    return ev;
  }

  Display* dpy_;
  xcb_connection_t* xcb_ = nullptr;
  Window root_ = None;
  Window active_ = None;
  bool grabbed_ = false;
  bool started_ = false;
  int xi_opcode_ = 0;
  int xkb_event_ = 0;
  Atom net_active_window_ = None, net_wm_name_ = None, net_wm_pid_ = None, utf8_string_ = None;
  XkbPtr<xkb_context> context_;
  XkbPtr<xkb_keymap> keymap_;
  XkbPtr<xkb_state> state_;
  XkbPtr<xkb_compose_state> compose_;
};

}  // namespace

Result<std::unique_ptr<DesktopSource>> open_x11_desktop_source() {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) return make_error(ErrorCode::kUnavailable, "no graphical session ($DISPLAY is not set)");
  Display* dpy = XOpenDisplay(nullptr);
  if (!dpy) return make_error(ErrorCode::kUnavailable, std::string("cannot open X display ") + display);
  auto source = std::make_unique<X11DesktopSource>(dpy);
  if (auto r = source->setup(); !r) return r.error();
  return std::unique_ptr<DesktopSource>(std::move(source));
}

}  // namespace vigil::platform
