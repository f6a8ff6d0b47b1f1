#include <windows.h>

#include <atomic>
#include <functional>

#include "vigil/platform/shutdown_signal.h"

namespace vigil::platform {
namespace {

// The console control handler is a process-wide callback: the one static the OS forces on us.
std::function<void()>* g_on_shutdown = nullptr;
std::atomic<bool> g_fired{false};

BOOL WINAPI on_console_event(DWORD) {
  if (g_on_shutdown && !g_fired.exchange(true)) (*g_on_shutdown)();
  return TRUE;
}

class WindowsShutdownSignal final : public ShutdownSignal {
 public:
  ~WindowsShutdownSignal() override { stop(); }
  void start(std::function<void()> on_shutdown) override {
    callback_ = std::move(on_shutdown);
    g_on_shutdown = &callback_;
    SetConsoleCtrlHandler(on_console_event, TRUE);
  }
  void stop() override {
    SetConsoleCtrlHandler(on_console_event, FALSE);
    g_on_shutdown = nullptr;
  }

 private:
  std::function<void()> callback_;
};

}  // namespace

std::unique_ptr<ShutdownSignal> make_shutdown_signal() { return std::make_unique<WindowsShutdownSignal>(); }

}  // namespace vigil::platform
