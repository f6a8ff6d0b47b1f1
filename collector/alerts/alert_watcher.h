#pragma once
// Finds items that need an urgent alert by asking the store every second, and hands each to the
// dispatcher once. Polling the items (rather than hooking the live-alert hub) also catches an
// item that is escalated to the alert severity by a later capture, and items grouped by another
// collector process sharing the database.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "alerts/alert_dispatcher.h"

namespace vigil::collector {

// Triage groups new captures every second; polling as often keeps ingest-to-alert in a few
// seconds, well inside the 10-second target. The query is on an index and returns few rows.
inline constexpr std::chrono::milliseconds kAlertPollInterval{1000};

class AlertWatcher {
 public:
  using Source = std::function<Result<std::vector<AlertEvent>>()>;
  AlertWatcher(Source source, AlertDispatcher& dispatcher, std::chrono::milliseconds interval = kAlertPollInterval);
  ~AlertWatcher();
  AlertWatcher(const AlertWatcher&) = delete;
  AlertWatcher& operator=(const AlertWatcher&) = delete;

 private:
  Source source_;
  AlertDispatcher& dispatcher_;
  std::chrono::milliseconds interval_;
  std::unordered_set<std::string> handed_;  // worker thread only; the ledger is the durable record
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace vigil::collector
