#pragma once
// Source -> scanner -> outbox. One pipeline thread per source, each with its own Hyperscan scratch.

#include <atomic>
#include <functional>
#include <memory>

#include "events/event_source.h"
#include "outbox/outbox.h"
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
               std::function<void()> on_capture);

  // Runs `source` until it is exhausted or `stop` becomes true. Resumes from the outbox's saved
  // position; every capture is committed with the position after the event that produced it.
  Result<PipelineStats> run(EventSource& source, const std::atomic<bool>& stop);

 private:
  std::shared_ptr<const signatures::Matcher> matcher_;
  Outbox& outbox_;
  CaptureIdentity identity_;
  std::function<void()> on_capture_;
};

}  // namespace vigil::agent
