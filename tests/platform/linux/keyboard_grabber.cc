// A plain Xlib client that holds the keyboard the way a screen locker or pinentry does, for the
// keyboard-grab test: `keyboard_grabber`. It maps an unmanaged window, grabs the keyboard with
// XGrabKeyboard and prints "grabbed"; it prints "keys N" after each key press it receives, so the
// test knows the typed keys really went to the grab and not to the window below. SIGUSR1 releases
// the grab ("released") while the client stays connected; SIGTERM ends it.
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace {

// Another client (the window manager, xdotool) may hold the keyboard for a moment; keep trying.
constexpr std::chrono::seconds kGrabTimeout{20};
constexpr std::chrono::milliseconds kGrabRetry{20};

int fail(const char* what) {
  std::fprintf(stdout, "grab failed: %s\n", what);
  std::fflush(stdout);
  return 1;
}

}  // namespace

int main() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGUSR1);
  sigaddset(&signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  const int sig_fd = signalfd(-1, &signals, SFD_CLOEXEC);
  if (sig_fd < 0) return fail("signalfd");

  Display* dpy = XOpenDisplay(nullptr);
  if (!dpy) return fail("cannot open the display");
  XSetWindowAttributes attrs{};
  attrs.override_redirect = True;
  attrs.event_mask = StructureNotifyMask | KeyPressMask;
  const Window window = XCreateWindow(dpy, DefaultRootWindow(dpy), 0, 0, 40, 40, 0, CopyFromParent, InputOutput, CopyFromParent,
                                      CWOverrideRedirect | CWEventMask, &attrs);
  XStoreName(dpy, window, "keyboard grabber");
  XMapRaised(dpy, window);
  for (XEvent ev;;) {  // XGrabKeyboard needs a viewable window
    XNextEvent(dpy, &ev);
    if (ev.type == MapNotify) break;
  }
  const auto deadline = std::chrono::steady_clock::now() + kGrabTimeout;
  while (XGrabKeyboard(dpy, window, False, GrabModeAsync, GrabModeAsync, CurrentTime) != GrabSuccess) {
    if (std::chrono::steady_clock::now() > deadline) return fail("XGrabKeyboard kept failing");
    poll(nullptr, 0, static_cast<int>(kGrabRetry.count()));
  }
  XSync(dpy, False);
  std::fprintf(stdout, "grabbed\n");
  std::fflush(stdout);

  long keys = 0;
  pollfd fds[2] = {{ConnectionNumber(dpy), POLLIN, 0}, {sig_fd, POLLIN, 0}};
  while (true) {
    while (XPending(dpy) > 0) {
      XEvent ev;
      XNextEvent(dpy, &ev);
      if (ev.type == KeyPress) {
        std::fprintf(stdout, "keys %ld\n", ++keys);
        std::fflush(stdout);
      }
    }
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info{};
      if (read(sig_fd, &info, sizeof info) != sizeof info) continue;
      if (info.ssi_signo == SIGTERM) break;
      XUngrabKeyboard(dpy, CurrentTime);
      XSync(dpy, False);
      std::fprintf(stdout, "released\n");
      std::fflush(stdout);
    }
    if (fds[0].revents & (POLLHUP | POLLERR)) break;
  }
  XCloseDisplay(dpy);
  return 0;
}
