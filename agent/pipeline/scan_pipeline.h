#pragma once
// Source -> scanner -> outbox. One pipeline thread per source, each with its own Hyperscan scratch.

#include <atomic>
#include <functional>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "events/event_source.h"
#include "outbox/outbox.h"
#include "outbox/sealer.h"
#include "pipeline/capture_builder.h"
#include "vigil/signatures/live_matcher.h"
#include "vigil/signatures/matcher.h"

namespace vigil::agent {

struct PipelineStats {
  uint64_t events = 0;
  uint64_t captures = 0;
};

class ScanPipeline {
 public:
  // `rules` may be replaced while the pipeline runs: each capture names the pack that found it.
  ScanPipeline(const signatures::LiveMatcher& rules, Outbox& outbox, CaptureIdentity identity,
               std::function<void()> on_capture, Sealer sealer = Sealer());

  // Runs `source` until it is exhausted or `stop` becomes true. Resumes from the outbox's saved
  // position; every capture is committed with the position after the event that produced it.
  Result<PipelineStats> run(EventSource& source, const std::atomic<bool>& stop);

  // The hits of `event` worth a capture: all of them for a standalone unit; for a unit of a line
  // (line_id set), only those not captured before for that line, and for a deleted unit only those
  // touching the deleted range. Remembers what it returns. Exposed for tests.
  std::vector<signatures::Hit> new_hits(const TextEvent& event, const std::vector<signatures::Hit>& hits);

 private:
  // Commits one capture with the position after its event, retrying while the disk refuses.
  // False if `stop` came first (nothing stored).
  Result<bool> store(const OutboxEntry& entry, const std::string& source, const std::optional<std::string>& position,
                     const std::atomic<bool>& stop);

  const signatures::LiveMatcher& rules_;
  Outbox& outbox_;
  CaptureIdentity identity_;
  std::function<void()> on_capture_;
  Sealer sealer_;
  // Hits already captured per open line, keyed by rule, matched text and whether it was deleted.
  // Bounded: the oldest lines are forgotten first (a line normally ends within seconds).
  std::unordered_map<std::string, std::set<std::string>> line_hits_;
  std::deque<std::string> line_order_;
};

// Lines whose captured hits the pipeline remembers at once; a helper has one open line per window.
inline constexpr size_t kMaxTrackedLines = 1024;

// When the outbox is full of severity >= 4 captures, a new one keeps only this much context
// around its hits instead of being dropped.
inline constexpr size_t kTrimmedContextChars = 40;

}  // namespace vigil::agent
