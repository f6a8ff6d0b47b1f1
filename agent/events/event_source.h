#pragma once
// A publisher of TextEvents. Resumable sources (the replay file) report a position after each
// event; the pipeline commits it to the outbox in the same transaction as the captures that event
// produced, so a restart neither skips nor repeats an event.

#include <optional>
#include <string>

#include "events/text_event.h"
#include "vigil/result.h"

namespace vigil::agent {

struct SourcedEvent {
  TextEvent event;
  std::optional<std::string> position;  // opaque; where to resume after this event
};

class EventSource {
 public:
  virtual ~EventSource() = default;
  // Stable identity, used as the key of the saved position, e.g. "replay:/srv/sample.jsonl".
  virtual std::string name() const = 0;
  // Positions the source after a previously saved position.
  virtual Result<void> resume(const std::string& position) = 0;
  // The next event; std::nullopt once a finite source is exhausted.
  virtual Result<std::optional<SourcedEvent>> next() = 0;
  // Problems that did not stop the source (malformed lines), for the heartbeat's last_error.
  virtual std::string last_warning() const = 0;
  // For the heartbeat when the source knows better than "active" (live sources report who is
  // connected and any coverage gap). Called from another thread; empty means "use the default".
  virtual std::string state() const { return {}; }
  // Wakes a next() that is waiting for input, so it sees the stop flag now. Called from another
  // thread when the agent stops; sources that never wait long need not override it.
  virtual void interrupt() {}
};

}  // namespace vigil::agent
