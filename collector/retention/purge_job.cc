#include "retention/purge_job.h"

#include <spdlog/spdlog.h>

namespace vigil::collector {

Result<PurgeCounts> run_purge(PurgeTarget& target, const RetentionPolicy& policy, std::chrono::system_clock::time_point now) {
  auto candidates = target.retention_candidates();
  if (!candidates) return candidates.error();
  const auto due = select_for_purge(*candidates, policy, now);
  PurgeCounts counts;
  if (!due.empty()) {
    auto purged = target.purge_items(due);
    if (!purged) return purged.error();
    counts = *purged;
  }
  if (auto r = target.audit_purge(counts, policy); !r) return r.error();
  return counts;
}

PurgeScheduler::PurgeScheduler(PurgeTarget& target, RetentionPolicy policy, std::chrono::milliseconds interval)
    : target_(target), policy_(policy), interval_(interval) {
  worker_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      auto r = run_purge(target_, policy_, std::chrono::system_clock::now());
      if (r) {
        if (r->items > 0) spdlog::info("retention: purged {} items ({} captures, {} notes)", r->items, r->captures, r->notes);
      } else {
        spdlog::error("retention purge failed: {}", r.error().message);
      }
      lock.lock();
      ++runs_;
      wake_.notify_all();
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
  });
}

PurgeScheduler::~PurgeScheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

uint64_t PurgeScheduler::runs() const {
  std::lock_guard lock(mutex_);
  return runs_;
}

}  // namespace vigil::collector
