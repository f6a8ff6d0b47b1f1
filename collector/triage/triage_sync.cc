#include "triage/triage_sync.h"

#include <spdlog/spdlog.h>

namespace vigil::collector::triage {

TriageSync::TriageSync(TriageStore& store, int alert_min_severity, std::function<void(const AlertCandidate&)> on_alert)
    : store_(store), alert_min_severity_(alert_min_severity), on_alert_(std::move(on_alert)), thread_([this] { run(); }) {}

TriageSync::~TriageSync() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void TriageSync::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  cv_.notify_all();
}

void TriageSync::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    poked_ = false;
    lock.unlock();
    auto alerts = store_.sync(alert_min_severity_);
    if (!alerts) {
      spdlog::error("triage: {}", alerts.error().message);
    } else {
      for (const auto& a : *alerts) on_alert_(a);
    }
    lock.lock();
    cv_.wait_for(lock, kSyncInterval, [this] { return stopping_ || poked_; });
  }
}

}  // namespace vigil::collector::triage
