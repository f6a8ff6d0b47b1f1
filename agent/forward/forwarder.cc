#include "forward/forwarder.h"

#include <spdlog/spdlog.h>

namespace vigil::agent {

// The outbox could not be read (disk trouble): try again soon, but do not spin.
constexpr std::chrono::milliseconds kOutboxErrorWait{1000};

Forwarder::Forwarder(Outbox& outbox, Transport& transport, ForwarderConfig config, std::function<uint64_t(uint64_t)> uniform,
                     std::function<v1::Heartbeat()> heartbeat, Clock clock)
    : outbox_(outbox),
      transport_(transport),
      config_(config),
      backoff_(config.backoff, std::move(uniform)),
      heartbeat_(std::move(heartbeat)),
      clock_(std::move(clock)),
      batch_limit_(config.max_batch_count) {}

std::string Forwarder::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void Forwarder::set_error(std::string error) {
  std::lock_guard lock(mutex_);
  last_error_ = std::move(error);
}

void Forwarder::exchanged() {
  connection_open_ = true;
  last_exchange_ = clock_();
}

void Forwarder::close_connection() {
  if (!connection_open_) return;
  transport_.release_connection();
  connection_open_ = false;
}

std::chrono::milliseconds Forwarder::idle_wait(std::chrono::steady_clock::time_point now, std::chrono::milliseconds wait) {
  if (connection_open_) {
    const auto remaining = config_.connection_linger - std::chrono::duration_cast<std::chrono::milliseconds>(now - last_exchange_);
    if (remaining.count() <= 0) {
      close_connection();
    } else {
      wait = std::min(wait, remaining);  // wake up to close it, unless a capture comes first
    }
  }
  return std::max(wait, std::chrono::milliseconds(0));
}

StepOutcome Forwarder::step() {
  const auto now = clock_();
  if (now >= next_heartbeat_ || (heartbeat_wanted_ && heartbeat_wanted_())) {
    const v1::Heartbeat sent = heartbeat_();
    const SendResult hb = transport_.send_heartbeat(sent);
    exchanged();
    if (hb.status != SendStatus::kAck) {
      set_error(hb.error);
      const auto wait = backoff_.next();
      spdlog::warn("collector unreachable ({}); retrying in {} ms", hb.error, wait.count());
      close_connection();  // a failing channel would keep reconnecting on gRPC's own schedule meanwhile
      return {StepOutcome::Kind::kRetryLater, wait};
    }
    next_heartbeat_ = now + config_.heartbeat_interval;
    if (heartbeat_acked_) heartbeat_acked_(sent, hb);
  }

  auto batch = outbox_.next_batch(batch_limit_, config_.max_batch_bytes);
  if (!batch) {
    set_error(batch.error().message);
    spdlog::error("outbox: {}", batch.error().message);
    return {StepOutcome::Kind::kFailed, kOutboxErrorWait};
  }
  if (batch->empty()) {
    drained_.notify_all();
    const auto until_heartbeat = std::chrono::duration_cast<std::chrono::milliseconds>(next_heartbeat_ - now);
    return {StepOutcome::Kind::kIdle, idle_wait(clock_(), until_heartbeat)};
  }

  const SendResult result = transport_.send(++sequence_, *batch);
  exchanged();
  switch (result.status) {
    case SendStatus::kRetry: {
      set_error(result.error);
      const auto wait = backoff_.next();
      spdlog::warn("sending {} captures failed ({}); retrying in {} ms", batch->size(), result.error, wait.count());
      close_connection();
      return {StepOutcome::Kind::kRetryLater, wait};
    }
    case SendStatus::kReject:
      // The whole batch was refused: halve until the poison capture is alone, then quarantine it.
      if (batch->size() > 1) {
        batch_limit_ = std::max<size_t>(1, batch->size() / 2);
        return {StepOutcome::Kind::kSent, std::chrono::milliseconds(0)};
      }
      spdlog::error("collector refused a capture ({}); quarantined", result.error);
      if (auto r = outbox_.quarantine(batch->front().id, result.error); !r) set_error(r.error().message);
      batch_limit_ = config_.max_batch_count;
      return {StepOutcome::Kind::kSent, std::chrono::milliseconds(0)};
    case SendStatus::kAck:
      break;
  }
  backoff_.reset();
  batch_limit_ = config_.max_batch_count;
  if (auto r = outbox_.remove(result.stored_ids); !r) {
    set_error(r.error().message);
    return {StepOutcome::Kind::kFailed, kOutboxErrorWait};
  }
  for (const auto& rejected : result.rejected) {
    spdlog::error("collector refused a capture ({}); quarantined", rejected.reason);
    if (auto r = outbox_.quarantine(rejected.id, rejected.reason); !r) set_error(r.error().message);
  }
  set_error("");
  return {StepOutcome::Kind::kSent, std::chrono::milliseconds(0)};
}

void Forwarder::run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    {
      std::lock_guard lock(mutex_);
      pending_ = false;
    }
    const StepOutcome outcome = step();
    if (outcome.wait.count() == 0) continue;
    std::unique_lock lock(mutex_);
    retrying_ = outcome.kind == StepOutcome::Kind::kRetryLater;
    // While backing off, new captures do not cut the wait short: that would defeat the jitter.
    wake_.wait_for(lock, outcome.wait, [&] { return stop.load() || (pending_ && !retrying_); });
    retrying_ = false;
  }
  drained_.notify_all();
}

void Forwarder::notify() {
  {
    std::lock_guard lock(mutex_);
    pending_ = true;
  }
  wake_.notify_all();
}

void Forwarder::wake_for_shutdown() {
  wake_.notify_all();
  drained_.notify_all();
}

bool Forwarder::wait_until_drained(std::chrono::steady_clock::time_point deadline) {
  // Depth is read from the outbox itself, so a capture appended concurrently is never missed.
  constexpr std::chrono::milliseconds kRecheck{100};
  while (true) {
    auto depth = outbox_.depth();
    if (depth && *depth == 0) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::unique_lock lock(mutex_);
    drained_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + kRecheck));
  }
}

}  // namespace vigil::agent
