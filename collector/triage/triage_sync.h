#pragma once
// Keeps triage in step with ingest: a thread groups newly stored captures into items every
// kSyncInterval (or at once when poked after a batch is stored) and hands each item that reached
// the alert severity, once, to `on_alert`. Polling the store rather than hooking ingest means
// captures stored by another collector process (PostgreSQL deployments) alert too.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "triage/triage_store.h"

namespace vigil::collector::triage {

inline constexpr std::chrono::seconds kSyncInterval{1};

class TriageSync {
 public:
  TriageSync(TriageStore& store, int alert_min_severity, std::function<void(const AlertCandidate&)> on_alert);
  ~TriageSync();
  void poke();  // a batch was just stored: group it now rather than at the next tick

 private:
  void run();

  TriageStore& store_;
  int alert_min_severity_;
  std::function<void(const AlertCandidate&)> on_alert_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool poked_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vigil::collector::triage
