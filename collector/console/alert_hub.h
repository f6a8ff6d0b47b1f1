#pragma once
// Fans out urgent-capture alerts to everyone listening in this process: every open DSL console
// (server-sent events) and any other dispatcher (email, webhook) that subscribes. Publishing is
// thread-safe; listeners run on the publisher's thread and must only hand the event on.

#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "triage/triage_types.h"

namespace vigil::collector::console {

using AlertListener = std::function<void(const triage::AlertCandidate&)>;

class AlertHub {
 public:
  int subscribe(AlertListener listener);
  void unsubscribe(int id);  // once it returns, the listener is never called again
  void publish(const triage::AlertCandidate& alert);

 private:
  std::mutex mutex_;
  int next_id_ = 1;
  std::map<int, AlertListener> listeners_;
};

// The SSE frame for one alert: "event: alert\ndata: {json}\n\n". Carries who and what category,
// never the captured text (the DSL opens the item, which is audited).
std::string alert_event_frame(const triage::AlertCandidate& alert);

}  // namespace vigil::collector::console
