#pragma once
// Items already alerted, kept in collector.db so a restarted collector does not alert the same
// item again. Schema in collector/alerts/README.md.

#include <filesystem>
#include <mutex>
#include <string>

#include "vigil/result.h"
#include "vigil/sqlite_db.h"

namespace vigil::collector {

class AlertLedger {
 public:
  static Result<AlertLedger> open(const std::filesystem::path& data_dir);
  // True the first time `item_key` is claimed, ever; false after.
  Result<bool> claim(const std::string& item_key);

 private:
  explicit AlertLedger(SqliteDb db) : db_(std::move(db)) {}
  SqliteDb db_;
};

}  // namespace vigil::collector
