#pragma once
// Sends urgent alerts from one worker thread. submit() only takes a lock and appends to a
// bounded inbox, so ingest never waits for a mail server or a webhook.

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "alerts/alert_config.h"
#include "alerts/alert_ledger.h"
#include "alerts/alert_scheduler.h"
#include "alerts/alert_sender.h"

namespace vigil::collector {

struct AlertStats {
  uint64_t submitted = 0;     // above the threshold, handed to the worker
  uint64_t queued = 0;        // items that got an alert (after de-duplication)
  uint64_t duplicates = 0;
  uint64_t sent = 0;          // deliveries (one per channel)
  uint64_t retries = 0;
  uint64_t rejected = 0;
  uint64_t gave_up = 0;
  uint64_t dropped = 0;       // inbox or queue full
};

// Events waiting for the worker beyond this are dropped (and counted): a flood of hits must not
// grow memory without bound. Each item is still in the console.
inline constexpr size_t kMaxAlertInbox = 10000;

class AlertDispatcher {
 public:
  // `ledger` may be null (in-memory de-duplication only).
  AlertDispatcher(AlertConfig config, std::vector<std::unique_ptr<AlertSender>> senders, std::unique_ptr<AlertLedger> ledger);
  ~AlertDispatcher();  // stops the worker; deliveries still pending are logged, not sent
  AlertDispatcher(const AlertDispatcher&) = delete;
  AlertDispatcher& operator=(const AlertDispatcher&) = delete;

  void submit(const AlertEvent& event);
  AlertStats stats() const;

 private:
  void run();

  AlertConfig config_;
  std::vector<std::unique_ptr<AlertSender>> senders_;
  std::unique_ptr<AlertLedger> ledger_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<AlertEvent> inbox_;
  bool stopping_ = false;
  AlertStats stats_;
  std::unique_ptr<AlertScheduler> scheduler_;  // worker thread only
  std::thread worker_;
};

// The dispatcher `serve` runs for `config`: a webhook sender, an SMTP sender, or both; null when
// no channel is configured.
Result<std::unique_ptr<AlertDispatcher>> make_alert_dispatcher(const AlertConfig& config, const std::filesystem::path& data_dir);

}  // namespace vigil::collector
