#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "vigil/platform/shutdown_signal.h"

namespace vigil::platform {
namespace {

// SIGUSR2 is used only to end the waiting thread on a normal exit.
constexpr int kWakeSignal = SIGUSR2;

class LinuxShutdownSignal final : public ShutdownSignal {
 public:
  LinuxShutdownSignal() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, kWakeSignal);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    signal(SIGPIPE, SIG_IGN);  // a closed socket is an error return, not a dead agent
  }

  ~LinuxShutdownSignal() override { stop(); }

  void start(std::function<void()> on_shutdown) override {
    thread_ = std::thread([this, on_shutdown = std::move(on_shutdown)] {
      int received = 0;
      while (sigwait(&set_, &received) == 0) {
        if (received == kWakeSignal && stopping_.load()) return;
        if (received == SIGINT || received == SIGTERM) {
          on_shutdown();
          return;
        }
      }
    });
  }

  void stop() override {
    if (!thread_.joinable()) return;
    stopping_ = true;
    pthread_kill(thread_.native_handle(), kWakeSignal);
    thread_.join();
  }

 private:
  sigset_t set_{};
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

}  // namespace

std::unique_ptr<ShutdownSignal> make_shutdown_signal() { return std::make_unique<LinuxShutdownSignal>(); }

}  // namespace vigil::platform
