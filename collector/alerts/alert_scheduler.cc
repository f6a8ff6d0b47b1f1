#include "alerts/alert_scheduler.h"

#include <algorithm>

namespace vigil::collector {

AlertScheduler::AlertScheduler(uint32_t min_severity, size_t channels, std::function<bool(const std::string&)> claim, uint64_t seed)
    : min_severity_(min_severity), channels_(channels), claim_(std::move(claim)), rng_(seed) {}

Admission AlertScheduler::admit(const AlertEvent& event, SteadyTime now) {
  if (!above_threshold(event)) return Admission::kBelowThreshold;
  if (claim_) {
    if (!claim_(event.item_key)) return Admission::kDuplicate;
  } else {
    if (!seen_.insert(event.item_key).second) return Admission::kDuplicate;
    seen_order_.push_back(event.item_key);
    if (seen_order_.size() > kMaxRememberedItems) {
      seen_.erase(seen_order_.front());
      seen_order_.pop_front();
    }
  }
  for (size_t c = 0; c < channels_; ++c) enqueue(Delivery{event, c, 0, now, now});
  return Admission::kQueued;
}

void AlertScheduler::enqueue(Delivery d) {
  if (queue_.size() >= kMaxPendingDeliveries) {
    // Lowest severity first, then the oldest: a risk-to-life alert is the last to go.
    auto victim = std::min_element(queue_.begin(), queue_.end(), [](const Delivery& a, const Delivery& b) {
      if (a.event.severity != b.event.severity) return a.event.severity < b.event.severity;
      return a.first_try < b.first_try;
    });
    if (victim->event.severity > d.event.severity) {
      ++dropped_;
      return;
    }
    queue_.erase(victim);
    ++dropped_;
  }
  queue_.push_back(std::move(d));
}

std::optional<Delivery> AlertScheduler::take_due(SteadyTime now) {
  auto best = queue_.end();
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->due > now) continue;
    if (best == queue_.end() || it->event.severity > best->event.severity || (it->event.severity == best->event.severity && it->due < best->due)) best = it;
  }
  if (best == queue_.end()) return std::nullopt;
  Delivery d = std::move(*best);
  queue_.erase(best);
  return d;
}

std::optional<SteadyTime> AlertScheduler::next_due() const {
  std::optional<SteadyTime> out;
  for (const auto& d : queue_) {
    if (!out || d.due < *out) out = d.due;
  }
  return out;
}

std::chrono::milliseconds AlertScheduler::backoff(uint32_t failures) {
  const uint32_t shift = std::min<uint32_t>(failures, 20);
  const auto ceiling = std::min<int64_t>(kAlertBackoffCap.count(), kAlertBackoffBase.count() << shift);
  std::uniform_int_distribution<int64_t> pick(0, ceiling);
  return std::chrono::milliseconds(pick(rng_));
}

AlertScheduler::Next AlertScheduler::retry(Delivery d, SteadyTime now) {
  ++d.attempts;
  if (now - d.first_try >= kAlertGiveUpAfter) return Next::kGaveUp;
  d.due = now + backoff(d.attempts);
  enqueue(std::move(d));
  return Next::kRetryScheduled;
}

}  // namespace vigil::collector
