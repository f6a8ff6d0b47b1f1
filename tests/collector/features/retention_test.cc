#include <doctest/doctest.h>

#include <mutex>

#include "retention/purge_job.h"
#include "support/process.h"

using namespace vigil::collector;
using std::chrono::system_clock;

namespace {

system_clock::time_point at(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d)) + std::chrono::hours(9);
}

// An in-memory store standing in for the console's: the job only talks through PurgeTarget.
class MemoryTarget final : public PurgeTarget {
 public:
  std::vector<RetentionCandidate> items;
  std::vector<std::string> purged;
  std::vector<PurgeCounts> audits;
  bool fail_purge = false;
  std::mutex mutex;

  vigil::Result<std::vector<RetentionCandidate>> retention_candidates() override {
    std::lock_guard lock(mutex);
    return items;
  }
  vigil::Result<PurgeCounts> purge_items(const std::vector<std::string>& ids) override {
    std::lock_guard lock(mutex);
    if (fail_purge) return vigil::make_error(vigil::ErrorCode::kIo, "disk full");
    PurgeCounts c;
    for (const auto& id : ids) {
      purged.push_back(id);
      ++c.items;
      c.captures += 3;
      c.notes += 1;
    }
    return c;
  }
  vigil::Result<void> audit_purge(const PurgeCounts& counts, const RetentionPolicy&) override {
    std::lock_guard lock(mutex);
    audits.push_back(counts);
    return {};
  }
};

}  // namespace

TEST_CASE("15 calendar months after resolution, clamped at month ends") {
  CHECK(purge_after(at(2025, 8, 20), 15) == at(2026, 11, 20));
  CHECK(purge_after(at(2025, 5, 31), 1) == at(2025, 6, 30));
  CHECK(purge_after(at(2023, 11, 29), 3) == at(2024, 2, 29));  // leap year
}

TEST_CASE("only resolved items past the period, never held ones, never open ones") {
  const auto policy = make_retention_policy(kDefaultRetentionMonths);
  REQUIRE(policy.ok());
  const auto now = at(2026, 11, 26);
  const std::vector<RetentionCandidate> items = {
      {"old-resolved", at(2025, 8, 25), false},
      {"old-held", at(2024, 1, 1), true},
      {"open", std::nullopt, false},
      {"recent", at(2025, 9, 1), false},
      {"exactly-due", at(2025, 8, 26), false},
  };
  CHECK(select_for_purge(items, *policy, now) == std::vector<std::string>{"old-resolved", "exactly-due"});
}

TEST_CASE("retention period is checked") {
  CHECK(!make_retention_policy(0).ok());
  CHECK(make_retention_policy(0).error().message.find("not 0") != std::string::npos);
  CHECK(make_retention_policy(84).ok());
}

TEST_CASE("a purge run removes what is due and audits counts, even when nothing is due") {
  MemoryTarget target;
  target.items = {{"a", at(2020, 1, 1), false}, {"b", at(2020, 1, 1), true}, {"c", std::nullopt, false}};
  auto r = run_purge(target, RetentionPolicy{}, at(2026, 11, 26));
  REQUIRE(r.ok());
  CHECK(r->items == 1);
  CHECK(r->captures == 3);
  CHECK(target.purged == std::vector<std::string>{"a"});
  REQUIRE(target.audits.size() == 1);
  CHECK(target.audits[0].items == 1);

  target.items = {{"c", std::nullopt, false}};
  REQUIRE(run_purge(target, RetentionPolicy{}, at(2026, 11, 26)).ok());
  REQUIRE(target.audits.size() == 2);
  CHECK(target.audits[1].items == 0);
}

TEST_CASE("a failed purge is reported and not audited as done") {
  MemoryTarget target;
  target.items = {{"a", at(2020, 1, 1), false}};
  target.fail_purge = true;
  auto r = run_purge(target, RetentionPolicy{}, at(2026, 11, 26));
  REQUIRE(!r.ok());
  CHECK(r.error().message == "disk full");
  CHECK(target.audits.empty());
}

TEST_CASE("the scheduler runs at start and then every interval, and stops promptly") {
  MemoryTarget target;
  target.items = {{"a", at(2020, 1, 1), false}};
  {
    PurgeScheduler scheduler(target, RetentionPolicy{}, std::chrono::milliseconds(20));
    CHECK(vigil::test::wait_until([&] { return scheduler.runs() >= 3; }, std::chrono::seconds(10)));
  }
  std::lock_guard lock(target.mutex);
  CHECK(target.audits.size() >= 3);
  CHECK(target.purged.size() >= 1);
}
