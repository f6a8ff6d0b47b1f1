#pragma once
// Reads bounded batches from the outbox, hands them to the transport, deletes only what the
// collector acknowledged, quarantines what it refused, and owns every retry decision.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "forward/backoff.h"
#include "forward/transport.h"
#include "outbox/outbox.h"

namespace vigil::agent {

struct ForwarderConfig {
  size_t max_batch_count = 256;
  size_t max_batch_bytes = 1 << 20;  // well under gRPC's default 4 MiB message limit
  BackoffPolicy backoff;
  std::chrono::milliseconds heartbeat_interval{60 * 1000};
  // How long a connection stays open after its last exchange (the agent's transport then ends its
  // vigil-delivery process). An open one costs memory (the delivery process, about 20 MB) and
  // CPU (gRPC's timer threads wake several times a second: about 0.05 % of a core); opening one
  // costs about 20 ms of CPU (starting the process, the TLS handshake). Captures are rare and
  // heartbeats a minute apart, so an idle agent holds none; a burst of captures reuses one.
  std::chrono::milliseconds connection_linger{5 * 1000};
};

// What one step did and how long to wait before the next.
struct StepOutcome {
  enum class Kind { kIdle, kSent, kRetryLater, kFailed } kind = Kind::kIdle;
  std::chrono::milliseconds wait{0};
};

class Forwarder {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // `heartbeat` builds the heartbeat to send (filled by the agent with versions, depth, errors).
  Forwarder(Outbox& outbox, Transport& transport, ForwarderConfig config, std::function<uint64_t(uint64_t)> uniform,
            std::function<v1::Heartbeat()> heartbeat, Clock clock);

  // One scheduling decision: a due heartbeat, else one batch. No sleeping: run() waits.
  StepOutcome step();
  // Loops step() until `stop`, waiting as step() says or until notify().
  void run(const std::atomic<bool>& stop);
  // New captures are waiting (wakes an idle forwarder; a backoff wait is honoured).
  void notify();
  // Blocks until the outbox is empty or the deadline passes; true if empty.
  bool wait_until_drained(std::chrono::steady_clock::time_point deadline);
  void wake_for_shutdown();
  std::string last_error() const;
  // Called on the forwarder's thread after the collector acknowledged `sent`.
  void on_heartbeat_acked(std::function<void(const v1::Heartbeat& sent, const SendResult& ack)> hook) { heartbeat_acked_ = std::move(hook); }
  // When it returns true a heartbeat goes out before its interval (e.g. evictions to report).
  void on_heartbeat_wanted(std::function<bool()> hook) { heartbeat_wanted_ = std::move(hook); }

 private:
  void set_error(std::string error);
  void exchanged();
  void close_connection();
  // The wait before the next step, cut short to close the connection when its linger ends.
  std::chrono::milliseconds idle_wait(std::chrono::steady_clock::time_point now, std::chrono::milliseconds wait);

  Outbox& outbox_;
  Transport& transport_;
  ForwarderConfig config_;
  Backoff backoff_;
  std::function<v1::Heartbeat()> heartbeat_;
  std::function<void(const v1::Heartbeat&, const SendResult&)> heartbeat_acked_;
  std::function<bool()> heartbeat_wanted_;
  Clock clock_;
  uint64_t sequence_ = 0;
  size_t batch_limit_;  // shrinks while isolating a rejected batch
  std::chrono::steady_clock::time_point next_heartbeat_{};
  bool connection_open_ = false;  // the transport may hold a connection since last_exchange_
  std::chrono::steady_clock::time_point last_exchange_{};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  bool pending_ = true;
  bool retrying_ = false;
  std::string last_error_;
};

}  // namespace vigil::agent
