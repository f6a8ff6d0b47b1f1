#pragma once
// Which triage items the retention purge removes: resolved items whose resolution is older than
// the retention period (15 months by default, counted in calendar months), never an item under
// legal hold, never an open item.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "vigil/result.h"

namespace vigil::collector {

inline constexpr int kDefaultRetentionMonths = 15;
// A school may keep records longer (its own policy, or a local authority's); shorter than a
// month would purge items before a DSL could export them.
inline constexpr int kMinRetentionMonths = 1;
inline constexpr int kMaxRetentionMonths = 1200;

struct RetentionCandidate {
  std::string item_id;
  std::optional<std::chrono::system_clock::time_point> resolved_at;  // empty while the item is open
  bool legal_hold = false;
};

struct RetentionPolicy {
  int months = kDefaultRetentionMonths;
};

Result<RetentionPolicy> make_retention_policy(int months);

// The instant after which an item resolved at `resolved_at` may be purged: the same day and time
// `months` calendar months later (clamped to the month's last day, e.g. 31 May + 1 month = 30 June).
std::chrono::system_clock::time_point purge_after(std::chrono::system_clock::time_point resolved_at, int months);

std::vector<std::string> select_for_purge(const std::vector<RetentionCandidate>& items, const RetentionPolicy& policy,
                                          std::chrono::system_clock::time_point now);

}  // namespace vigil::collector
