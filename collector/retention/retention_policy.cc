#include "retention/retention_policy.h"

namespace vigil::collector {

Result<RetentionPolicy> make_retention_policy(int months) {
  if (months < kMinRetentionMonths || months > kMaxRetentionMonths) {
    return make_error(ErrorCode::kInvalidArgument, "retention must be " + std::to_string(kMinRetentionMonths) + ".." +
                                                       std::to_string(kMaxRetentionMonths) + " months, not " + std::to_string(months));
  }
  return RetentionPolicy{months};
}

std::chrono::system_clock::time_point purge_after(std::chrono::system_clock::time_point resolved_at, int months) {
  using namespace std::chrono;
  const auto day = floor<days>(resolved_at);
  const auto time_of_day = resolved_at - day;
  const year_month_day ymd{day};
  year_month_day later = ymd + std::chrono::months(months);
  if (!later.ok()) later = later.year() / later.month() / last;
  return sys_days(later) + time_of_day;
}

std::vector<std::string> select_for_purge(const std::vector<RetentionCandidate>& items, const RetentionPolicy& policy,
                                          std::chrono::system_clock::time_point now) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    if (item.legal_hold || !item.resolved_at) continue;
    if (now >= purge_after(*item.resolved_at, policy.months)) out.push_back(item.item_id);
  }
  return out;
}

}  // namespace vigil::collector
