#pragma once
// Wires sources, scanner, outbox and forwarder together and runs them until asked to stop.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

#include "app/agent_options.h"
#include "events/event_source.h"
#include "vigil/result.h"

namespace vigil::agent {

struct SourceSpec {
  std::string kind;    // "replay", "session" or "evdev"
  std::string target;  // the file, socket or device; empty for evdev: discover keyboards
};

struct AgentConfig {
  AgentOptions options;
  std::vector<SourceSpec> sources;
};

// Checks option combinations; the error is a one-line usage message.
Result<AgentConfig> validate(const AgentOptions& options);

bool is_loopback_target(const std::string& host_port);

class AgentRunner {
 public:
  explicit AgentRunner(AgentConfig config);
  // Returns the process exit status.
  int run();
  void request_stop();

 private:
  AgentConfig config_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> stop_requested_{false};
  std::mutex stop_mutex_;
  std::condition_variable stop_changed_;
  // Sources of the running run(), woken by request_stop(); guarded by stop_mutex_.
  std::vector<EventSource*> live_sources_;
};

}  // namespace vigil::agent
