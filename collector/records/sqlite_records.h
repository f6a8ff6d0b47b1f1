#pragma once
// The console features' view of collector.db: full item records for export, legal holds, the
// governors' report rows, items due an urgent alert, and the retention purge. Its own connection
// (WAL lets it read and write beside ingest and the triage store); tables it reads belong to the
// capture store (collector/store/SCHEMA.md) and the triage store (collector/triage/SCHEMA.md);
// the one table it owns, item_holds, is described in collector/records/README.md.

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alert_event.h"
#include "export/export_item.h"
#include "reports/governor_report.h"
#include "retention/purge_job.h"
#include "vigil/result.h"
#include "vigil/sqlite_db.h"

namespace vigil::collector {

class SqliteRecords final : public PurgeTarget {
 public:
  // Creates the triage tables if this is a fresh data directory, and item_holds.
  static Result<std::unique_ptr<SqliteRecords>> open(const std::filesystem::path& data_dir);

  // Everything about one item, every capture oldest first (the console page shows the newest
  // 200; an export for the incident log has them all). Empty if there is no such item.
  Result<std::optional<ExportItem>> export_item(int64_t id);

  // kNotFound for an unknown item. Recorded in the item's history (item_events).
  Result<void> set_legal_hold(int64_t id, bool hold, const std::string& actor);
  Result<bool> legal_hold(int64_t id);

  // Items opened (first capture observed) in [from, to), for the governors' report: no names.
  Result<std::vector<ReportItem>> report_items(std::chrono::system_clock::time_point from, std::chrono::system_clock::time_point to);

  // Open items at or above `min_severity` whose state changed at or after `since`, as alert
  // events (item key "item:ID"). The dispatcher's ledger decides which are new.
  Result<std::vector<AlertEvent>> alert_events(uint32_t min_severity, std::chrono::system_clock::time_point since);

  // PurgeTarget
  Result<std::vector<RetentionCandidate>> retention_candidates() override;
  Result<PurgeCounts> purge_items(const std::vector<std::string>& item_ids) override;
  Result<void> audit_purge(const PurgeCounts& counts, const RetentionPolicy& policy) override;

 private:
  explicit SqliteRecords(SqliteDb db) : db_(std::move(db)) {}
  Result<void> in_transaction(const std::function<Result<void>()>& body);

  std::mutex mutex_;
  SqliteDb db_;
};

}  // namespace vigil::collector
