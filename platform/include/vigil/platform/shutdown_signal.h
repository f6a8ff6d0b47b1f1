#pragma once
// Waits for the OS's request to stop (SIGTERM/SIGINT on Linux, console close or service stop on
// Windows) on a thread of its own, so the rest of the program never sees signal handlers.

#include <functional>
#include <memory>

namespace vigil::platform {

class ShutdownSignal {
 public:
  virtual ~ShutdownSignal() = default;
  // Calls `on_shutdown` once, from a background thread, when the OS asks the process to stop.
  virtual void start(std::function<void()> on_shutdown) = 0;
  // Ends the background wait without calling `on_shutdown` (normal exit).
  virtual void stop() = 0;
};

// Must be called first in main(), before any thread starts, so every thread inherits the mask.
std::unique_ptr<ShutdownSignal> make_shutdown_signal();

}  // namespace vigil::platform
