#include "pipeline/scan_pipeline.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "forward/backoff.h"

namespace vigil::agent {
namespace {

// Events without hits only move the position; saving it every so often bounds the re-scan after
// a crash without an fsync per keystroke. Events with hits are committed at once.
constexpr uint64_t kPositionCommitInterval = 256;
// Retrying a write the disk refused: soon at first, then every few seconds while it lasts.
constexpr BackoffPolicy kStoreRetry{std::chrono::milliseconds(100), std::chrono::milliseconds(5000)};
// Slices of a retry wait between looks at the stop flag.
constexpr std::chrono::milliseconds kStopCheck{50};

uint64_t uniform(uint64_t max) { return max == 0 ? 0 : randombytes_uniform(static_cast<uint32_t>(std::min<uint64_t>(max, UINT32_MAX - 1)) + 1); }

bool wait_unless_stopped(std::chrono::milliseconds wait, const std::atomic<bool>& stop) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (!stop.load()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, kStopCheck));
  }
  return false;
}

}  // namespace

ScanPipeline::ScanPipeline(const signatures::LiveMatcher& rules, Outbox& outbox, CaptureIdentity identity,
                           std::function<void()> on_capture, Sealer sealer)
    : rules_(rules),
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

Result<bool> ScanPipeline::store(const OutboxEntry& entry, const std::string& source, const std::optional<std::string>& position,
                                 const std::atomic<bool>& stop) {
  // A full or failing disk must neither stop monitoring nor lose the event: the event is held
  // (the source is not read further and its position not advanced) and the write is retried.
  // The outbox logs the condition once and the heartbeat reports it.
  Backoff backoff(kStoreRetry, uniform);
  while (true) {
    auto r = outbox_.append({entry}, source, position);
    if (r) return true;
    if (r.error().code == ErrorCode::kCorrupt) return r.error();
    if (r.error().code != ErrorCode::kNoSpace) spdlog::warn("outbox: {}; retrying", r.error().message);
    if (!wait_unless_stopped(backoff.next(), stop)) return false;
  }
}

Result<PipelineStats> ScanPipeline::run(EventSource& source, const std::atomic<bool>& stop) {
  auto saved = outbox_.position(source.name());
  if (!saved) return saved.error();
  if (*saved) {
    if (auto r = source.resume(**saved); !r) return r.error();
  }
  signatures::LiveMatcher::Session scanner(rules_);  // this thread's scratch, remade after a swap

  PipelineStats stats;
  std::optional<std::string> unsaved_position;
  uint64_t since_save = 0;
  while (!stop.load()) {
    auto next = source.next();
    if (!next) return next.error();
    if (!*next) break;
    SourcedEvent& sourced = **next;
    ++stats.events;
    auto hits = scanner.scan(sourced.event.text);
    if (!hits) {
      spdlog::error("scan failed on an event from {}: {}", source.name(), hits.error().message);
      continue;  // a scan failure must not stop monitoring
    }
    if (!sourced.event.line_id.empty()) *hits = new_hits(sourced.event, *hits);
    if (sourced.event.deleted_range) sourced.event.deleted = true;
    if (hits->empty()) {
      unsaved_position = sourced.position;
      if (unsaved_position && ++since_save >= kPositionCommitInterval) {
        // A position alone is only an optimisation (fewer events re-scanned after a crash): if
        // the disk refuses it, it is tried again later.
        if (outbox_.append({}, source.name(), unsaved_position)) {
          unsaved_position.reset();
          since_save = 0;
        }
      }
      continue;
    }
    if (!sealer_.seals()) {
      // Privacy: captures are never stored unsealed. Development mode learns the collector's key
      // from its first answer; until then the event is held, not dropped.
      spdlog::warn("waiting for the collector's sealing key before storing captures (development mode, not enrolled)");
      if (!sealer_.wait_for_key(stop)) break;
    }
    std::array<uint8_t, 10> random;
    randombytes_buf(random.data(), random.size());
    const auto now = std::chrono::system_clock::now();
    identity_.rule_pack_version = scanner.matcher()->pack().version;  // hits point into this pack
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
    auto stored = store(sealer_.seal(std::move(entry)), source.name(), sourced.position, stop);
    if (!stored) return stored.error();
    if (!*stored) break;  // stopping: the event stays unread, so a restart scans it again
    unsaved_position.reset();
    since_save = 0;
    ++stats.captures;
    if (on_capture_) on_capture_();
  }
  if (unsaved_position) {
    if (auto r = outbox_.append({}, source.name(), unsaved_position); !r) spdlog::warn("saving the position of {}: {}", source.name(), r.error().message);
  }
  return stats;
}

}  // namespace vigil::agent
