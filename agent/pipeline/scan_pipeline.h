#pragma once
// Source -> scanner -> outbox. One pipeline thread per source, each with its own Hyperscan scratch.

#include <atomic>
#include <functional>
#include <memory>

#include "events/event_source.h"
#include "outbox/outbox.h"
#include "outbox/sealer.h"
#include "pipeline/capture_builder.h"
#include "vigil/signatures/matcher.h"

namespace vigil::agent {

struct PipelineStats {
  uint64_t events = 0;
  uint64_t captures = 0;
};

class ScanPipeline {
 public:
  ScanPipeline(std::shared_ptr<const signatures::Matcher> matcher, Outbox& outbox, CaptureIdentity identity,
               std::function<void()> on_capture, Sealer sealer = Sealer());

  // Runs `source` until it is exhausted or `stop` becomes true. Resumes from the outbox's saved
  // position; every capture is committed with the position after the event that produced it.
  Result<PipelineStats> run(EventSource& source, const std::atomic<bool>& stop);

 private:
  std::shared_ptr<const signatures::Matcher> matcher_;
  Outbox& outbox_;
  CaptureIdentity identity_;
  std::function<void()> on_capture_;
  Sealer sealer_;
};

// When the outbox is full of severity >= 4 captures, a new one keeps only this much context
// around its hits instead of being dropped.
inline constexpr size_t kTrimmedContextChars = 40;

}  // namespace vigil::agent
