#include "pipeline/scan_pipeline.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace vigil::agent {
namespace {

// Events without hits only move the position; saving it every so often bounds the re-scan after
// a crash without an fsync per keystroke. Events with hits are committed at once.
constexpr uint64_t kPositionCommitInterval = 256;

}  // namespace

ScanPipeline::ScanPipeline(std::shared_ptr<const signatures::Matcher> matcher, Outbox& outbox, CaptureIdentity identity,
                           std::function<void()> on_capture, Sealer sealer)
    : matcher_(std::move(matcher)),
      outbox_(outbox),
      identity_(std::move(identity)),
      on_capture_(std::move(on_capture)),
      sealer_(std::move(sealer)) {}

std::vector<signatures::Hit> ScanPipeline::new_hits(const TextEvent& event, const std::vector<signatures::Hit>& hits) {
  if (event.line_id.empty()) return hits;
  auto it = line_hits_.find(event.line_id);
  if (it == line_hits_.end()) {
    if (line_order_.size() >= kMaxTrackedLines) {
      line_hits_.erase(line_order_.front());
      line_order_.pop_front();
    }
    it = line_hits_.emplace(event.line_id, std::set<std::string>{}).first;
    line_order_.push_back(event.line_id);
  }
  std::vector<signatures::Hit> fresh;
  for (const auto& hit : hits) {
    if (event.deleted_range && (hit.end <= event.deleted_range->first || hit.start >= event.deleted_range->second)) continue;
    // The same words deleted are a new fact (the pupil took them back); the same words again as
    // the line grows are not.
    std::string key = hit.rule->id + '\x1f' + event.text.substr(hit.start, hit.end - hit.start) + (event.deleted_range ? "\x1f" "d" : "");
    if (it->second.insert(std::move(key)).second) fresh.push_back(hit);
  }
  if (event.line_final) {
    line_hits_.erase(it);
    line_order_.erase(std::find(line_order_.begin(), line_order_.end(), event.line_id));
  }
  return fresh;
}

Result<PipelineStats> ScanPipeline::run(EventSource& source, const std::atomic<bool>& stop) {
  auto saved = outbox_.position(source.name());
  if (!saved) return saved.error();
  if (*saved) {
    if (auto r = source.resume(**saved); !r) return r.error();
  }
  auto scratch = matcher_->make_scratch();
  if (!scratch) return scratch.error();

  PipelineStats stats;
  std::optional<std::string> unsaved_position;
  uint64_t since_save = 0;
  while (!stop.load()) {
    auto next = source.next();
    if (!next) return next.error();
    if (!*next) break;
    SourcedEvent& sourced = **next;
    ++stats.events;
    auto hits = matcher_->scan(sourced.event.text, *scratch);
    if (!hits) {
      spdlog::error("scan failed on an event from {}: {}", source.name(), hits.error().message);
      continue;  // a scan failure must not stop monitoring
    }
    if (!sourced.event.line_id.empty()) *hits = new_hits(sourced.event, *hits);
    if (sourced.event.deleted_range) sourced.event.deleted = true;
    if (hits->empty()) {
      unsaved_position = sourced.position;
      if (unsaved_position && ++since_save >= kPositionCommitInterval) {
        if (auto r = outbox_.append({}, source.name(), unsaved_position); !r) return r.error();
        unsaved_position.reset();
        since_save = 0;
      }
      continue;
    }
    std::array<uint8_t, 10> random;
    randombytes_buf(random.data(), random.size());
    const auto now = std::chrono::system_clock::now();
    OutboxEntry entry = build_capture(sourced.event, *hits, identity_, now, random);
    if (entry.severity >= kNeverEvictSeverity) {
      // Never evicted, so when the outbox is full it loses context instead (the hits stay).
      auto room = outbox_.room_for(entry.payload.size() + crypto_box_SEALBYTES);
      if (!room) return room.error();
      if (!*room) {
        CaptureIdentity trimmed_identity = identity_;
        trimmed_identity.context_chars = kTrimmedContextChars;
        entry = build_capture(sourced.event, *hits, trimmed_identity, now, random);
        entry.trimmed = true;
        spdlog::warn("outbox full: severity {} capture stored with {} characters of context", entry.severity, kTrimmedContextChars);
      }
    }
    // Privacy: capture content is never logged above debug.
    spdlog::debug("capture {} severity {} from {}", entry.id.size(), entry.severity, source.name());
    if (auto r = outbox_.append({sealer_.seal(std::move(entry))}, source.name(), sourced.position); !r) return r.error();
    unsaved_position.reset();
    since_save = 0;
    ++stats.captures;
    if (on_capture_) on_capture_();
  }
  if (unsaved_position) {
    if (auto r = outbox_.append({}, source.name(), unsaved_position); !r) return r.error();
  }
  return stats;
}

}  // namespace vigil::agent
