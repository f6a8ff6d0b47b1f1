#include "alerts/alert_dispatcher.h"

#include <spdlog/spdlog.h>

namespace vigil::collector {

AlertDispatcher::AlertDispatcher(AlertConfig config, std::vector<std::unique_ptr<AlertSender>> senders, std::unique_ptr<AlertLedger> ledger)
    : config_(std::move(config)), senders_(std::move(senders)), ledger_(std::move(ledger)) {
  std::function<bool(const std::string&)> claim;
  if (ledger_) {
    claim = [this](const std::string& key) {
      auto r = ledger_->claim(key);
      if (!r) {
        // Better a second alert than none: an unreadable ledger must not silence alerts.
        spdlog::error("alert ledger: {}; alerting anyway", r.error().message);
        return true;
      }
      return *r;
    };
  }
  scheduler_ = std::make_unique<AlertScheduler>(config_.min_severity, senders_.size(), std::move(claim));
  worker_ = std::thread([this] { run(); });
}

AlertDispatcher::~AlertDispatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void AlertDispatcher::submit(const AlertEvent& event) {
  if (event.severity < config_.min_severity) return;
  {
    std::lock_guard lock(mutex_);
    if (inbox_.size() >= kMaxAlertInbox) {
      ++stats_.dropped;
      return;
    }
    inbox_.push_back(event);
    ++stats_.submitted;
  }
  wake_.notify_one();
}

AlertStats AlertDispatcher::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void AlertDispatcher::run() {
  std::unique_lock lock(mutex_);
  // Stopping does not drain due deliveries: each could wait kSendTimeout on a dead receiver.
  while (!stopping_) {
    const auto now = std::chrono::steady_clock::now();
    while (!inbox_.empty()) {
      AlertEvent e = std::move(inbox_.front());
      inbox_.pop_front();
      lock.unlock();
      const Admission a = scheduler_->admit(e, now);  // may write the ledger: outside the lock
      lock.lock();
      if (a == Admission::kQueued) ++stats_.queued;
      if (a == Admission::kDuplicate) ++stats_.duplicates;
    }
    if (auto d = scheduler_->take_due(now)) {
      lock.unlock();
      AlertSender& sender = *senders_[d->channel];
      const AlertMessage message = render_alert(d->event, config_.console_url);
      const SendOutcome outcome = sender.send(d->event, message);
      // Logs name the item key and the outcome, never content.
      lock.lock();
      switch (outcome.result) {
        case SendResult::kSent:
          ++stats_.sent;
          spdlog::info("alert for item {} sent by {} ({})", d->event.item_key, sender.name(), outcome.detail);
          break;
        case SendResult::kReject:
          ++stats_.rejected;
          spdlog::error("alert for item {} refused by {} ({}); check the alert settings", d->event.item_key, sender.name(), outcome.detail);
          break;
        case SendResult::kRetry: {
          const std::string key = d->event.item_key;
          const uint32_t attempt = d->attempts + 1;
          if (scheduler_->retry(std::move(*d), std::chrono::steady_clock::now()) == AlertScheduler::Next::kGaveUp) {
            ++stats_.gave_up;
            spdlog::error("alert for item {} not delivered by {} after {} attempts ({}); giving up", key, sender.name(), attempt, outcome.detail);
          } else {
            ++stats_.retries;
            spdlog::warn("alert for item {} not delivered by {} ({}); will retry", key, sender.name(), outcome.detail);
          }
          break;
        }
      }
      stats_.dropped = std::max(stats_.dropped, scheduler_->dropped());
      continue;
    }
    const auto next = scheduler_->next_due();
    const auto wake = [&] { return stopping_ || !inbox_.empty(); };
    if (next) {
      wake_.wait_until(lock, *next, wake);
    } else {
      wake_.wait(lock, wake);
    }
  }
  if (scheduler_->pending() > 0) spdlog::warn("{} alert deliveries still pending at shutdown; the items remain in the console", scheduler_->pending());
}

Result<std::unique_ptr<AlertDispatcher>> make_alert_dispatcher(const AlertConfig& config, const std::filesystem::path& data_dir) {
  if (auto v = validate(config); !v) return v.error();
  if (!config.enabled()) return std::unique_ptr<AlertDispatcher>();
  std::vector<std::unique_ptr<AlertSender>> senders;
  if (!config.webhook_url.empty()) senders.push_back(make_webhook_sender(config));
  if (!config.smtp_url.empty()) senders.push_back(make_smtp_sender(config));
  auto ledger = AlertLedger::open(data_dir);
  if (!ledger) return ledger.error();
  return std::make_unique<AlertDispatcher>(config, std::move(senders), std::make_unique<AlertLedger>(std::move(*ledger)));
}

}  // namespace vigil::collector
