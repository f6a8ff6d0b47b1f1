// Password-field detection through AT-SPI: the accessibility bus tells every listener which
// object has keyboard focus and its role; GTK, Qt, Firefox and LibreOffice mark password entries
// ROLE_PASSWORD_TEXT.
#include <atspi/atspi.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "vigil/platform/desktop_source.h"

namespace vigil::platform {
namespace {

class AtspiPasswordDetector final : public PasswordDetector {
 public:
  ~AtspiPasswordDetector() override {
    if (thread_.joinable()) {
      while (!running_.load()) std::this_thread::yield();
      // g_main_loop_quit is thread-safe; the loop and every AT-SPI call live on thread_.
      g_main_context_invoke(nullptr, [](gpointer) -> gboolean { atspi_event_quit(); return G_SOURCE_REMOVE; }, nullptr);
      thread_.join();
    }
  }

  bool password_focused() const override { return password_.load(); }

  Result<void> start() {
    std::mutex m;
    std::condition_variable cv;
    std::optional<Result<void>> started;
    thread_ = std::thread([&] {
      auto report = [&](Result<void> r) {
        std::lock_guard lock(m);
        started = std::move(r);
        cv.notify_one();
      };
      if (atspi_init() > 1) {  // 0 = initialised, 1 = already was
        report(make_error(ErrorCode::kUnavailable, "AT-SPI could not be initialised (no accessibility bus)"));
        return;
      }
      // The registry answers only if the accessibility bus is really there.
      AtspiAccessible* desktop = atspi_get_desktop(0);
      if (!desktop) {
        report(make_error(ErrorCode::kUnavailable, "the AT-SPI registry is not reachable"));
        return;
      }
      g_object_unref(desktop);
      AtspiEventListener* listener = atspi_event_listener_new(on_event, this, nullptr);
      GError* error = nullptr;
      if (!atspi_event_listener_register(listener, "object:state-changed:focused", &error)) {
        std::string message = error ? error->message : "unknown error";
        if (error) g_error_free(error);
        g_object_unref(listener);
        report(make_error(ErrorCode::kUnavailable, "AT-SPI focus events: " + message));
        return;
      }
      report({});
      running_ = true;
      atspi_event_main();
      atspi_event_listener_deregister(listener, "object:state-changed:focused", nullptr);
      g_object_unref(listener);
      atspi_exit();
    });
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return started.has_value(); });
    if (!*started) {
      thread_.join();
      return started->error();
    }
    return {};
  }

 private:
  static void on_event(AtspiEvent* event, void* self_ptr) {
    auto* self = static_cast<AtspiPasswordDetector*>(self_ptr);
    if (event->source) {
      const AtspiRole role = atspi_accessible_get_role(event->source, nullptr);
      if (event->detail1 == 1) {
        self->password_ = role == ATSPI_ROLE_PASSWORD_TEXT;
      } else if (role == ATSPI_ROLE_PASSWORD_TEXT) {
        self->password_ = false;
      }
    }
    g_boxed_free(ATSPI_TYPE_EVENT, event);
  }

  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> password_{false};
};

}  // namespace

Result<std::unique_ptr<PasswordDetector>> start_password_detector() {
  auto detector = std::make_unique<AtspiPasswordDetector>();
  if (auto r = detector->start(); !r) return r.error();
  return std::unique_ptr<PasswordDetector>(std::move(detector));
}

}  // namespace vigil::platform
