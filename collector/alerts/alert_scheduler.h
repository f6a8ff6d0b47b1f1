#pragma once
// Which alerts go out and when: the threshold, one alert per item, and retries with capped
// full-jitter backoff. Pure state with an injected clock and random source, so every rule is
// tested without threads or sleeps; AlertDispatcher drives it from its worker thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "alerts/alert_event.h"

namespace vigil::collector {

using SteadyTime = std::chrono::steady_clock::time_point;

// First retry within about a second so a blip still meets the 10-second target; capped so a
// receiver that is down for hours is polled every few minutes, not hammered.
inline constexpr std::chrono::milliseconds kAlertBackoffBase{1000};
inline constexpr std::chrono::milliseconds kAlertBackoffCap{std::chrono::minutes(5)};
// An alert that could not be delivered for a day is given up (logged as an error): by then the
// DSL has seen the item in the console, and a day-old "urgent" message misleads.
inline constexpr std::chrono::hours kAlertGiveUpAfter{24};
// Bounds memory if the receivers are down and hits keep coming; the oldest lowest-severity
// delivery is dropped first (and logged).
inline constexpr size_t kMaxPendingDeliveries = 2000;
// Items remembered for de-duplication when no persistent ledger is given.
inline constexpr size_t kMaxRememberedItems = 100000;

struct Delivery {
  AlertEvent event;
  size_t channel = 0;  // index of the sender
  uint32_t attempts = 0;
  SteadyTime first_try;
  SteadyTime due;
};

enum class Admission { kQueued, kBelowThreshold, kDuplicate };

class AlertScheduler {
 public:
  // `claim(item_key)` returns true the first time an item is seen (persistently, when the
  // collector keeps a ledger); without it an in-memory set is used.
  AlertScheduler(uint32_t min_severity, size_t channels, std::function<bool(const std::string&)> claim = nullptr, uint64_t seed = std::random_device{}());

  bool above_threshold(const AlertEvent& e) const { return e.severity >= min_severity_; }
  Admission admit(const AlertEvent& event, SteadyTime now);

  // The earliest delivery due at `now`, removed from the queue.
  std::optional<Delivery> take_due(SteadyTime now);
  std::optional<SteadyTime> next_due() const;

  enum class Next { kDone, kRetryScheduled, kGaveUp };
  Next retry(Delivery delivery, SteadyTime now);

  size_t pending() const { return queue_.size(); }
  uint64_t dropped() const { return dropped_; }

  // The wait before attempt n+1 after n failures: uniform in [0, min(cap, base * 2^n)].
  std::chrono::milliseconds backoff(uint32_t failures);

 private:
  void enqueue(Delivery d);

  uint32_t min_severity_;
  size_t channels_;
  std::function<bool(const std::string&)> claim_;
  std::unordered_set<std::string> seen_;
  std::deque<std::string> seen_order_;
  std::vector<Delivery> queue_;
  std::mt19937_64 rng_;
  uint64_t dropped_ = 0;
};

}  // namespace vigil::collector
