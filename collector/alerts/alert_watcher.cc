#include "alerts/alert_watcher.h"

#include <spdlog/spdlog.h>

namespace vigil::collector {

AlertWatcher::AlertWatcher(Source source, AlertDispatcher& dispatcher, std::chrono::milliseconds interval)
    : source_(std::move(source)), dispatcher_(dispatcher), interval_(interval) {
  worker_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      auto events = source_();
      if (!events) {
        spdlog::error("alerts: cannot read items: {}", events.error().message);
      } else {
        for (const auto& e : *events) {
          if (handed_.insert(e.item_key).second) dispatcher_.submit(e);
        }
      }
      lock.lock();
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
  });
}

AlertWatcher::~AlertWatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

}  // namespace vigil::collector
