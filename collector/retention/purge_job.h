#pragma once
// The retention purge: asks the store for candidates, removes what the policy selects, and
// writes one audit entry with the counts (never content). `serve` runs it at start and then
// periodically; the store it works on is behind PurgeTarget so the job is tested on its own.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "retention/retention_policy.h"

namespace vigil::collector {

struct PurgeCounts {
  uint64_t items = 0;
  uint64_t captures = 0;
  uint64_t notes = 0;
};

class PurgeTarget {
 public:
  virtual ~PurgeTarget() = default;
  virtual Result<std::vector<RetentionCandidate>> retention_candidates() = 0;
  // Deletes the items and everything that belongs to them, in one transaction, skipping any item
  // put under legal hold since the candidates were read.
  virtual Result<PurgeCounts> purge_items(const std::vector<std::string>& item_ids) = 0;
  // Appends to the audit log: who ("retention"), what ("purge"), and the counts.
  virtual Result<void> audit_purge(const PurgeCounts& counts, const RetentionPolicy& policy) = 0;
};

// One run. The audit entry is written even when nothing was due, so the log shows the job ran.
Result<PurgeCounts> run_purge(PurgeTarget& target, const RetentionPolicy& policy, std::chrono::system_clock::time_point now);

// Purges once an hour is plenty for a rule counted in months; the first run is at start.
inline constexpr std::chrono::hours kPurgeInterval{1};

class PurgeScheduler {
 public:
  PurgeScheduler(PurgeTarget& target, RetentionPolicy policy, std::chrono::milliseconds interval = kPurgeInterval);
  ~PurgeScheduler();
  PurgeScheduler(const PurgeScheduler&) = delete;
  PurgeScheduler& operator=(const PurgeScheduler&) = delete;
  uint64_t runs() const;

 private:
  PurgeTarget& target_;
  RetentionPolicy policy_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  uint64_t runs_ = 0;
  std::thread worker_;
};

}  // namespace vigil::collector
