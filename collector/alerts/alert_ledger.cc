#include "alerts/alert_ledger.h"

#include <chrono>

namespace vigil::collector {

Result<AlertLedger> AlertLedger::open(const std::filesystem::path& data_dir) {
  auto db = SqliteDb::open((data_dir / "collector.db").string());
  if (!db) return db.error();
  if (auto r = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        "CREATE TABLE IF NOT EXISTS alert_ledger(item_key TEXT PRIMARY KEY, alerted_at INTEGER NOT NULL)");
      !r) {
    return r.error();
  }
  return AlertLedger(std::move(*db));
}

Result<bool> AlertLedger::claim(const std::string& item_key) {
  Statement insert(db_.handle(), "INSERT OR IGNORE INTO alert_ledger(item_key, alerted_at) VALUES(?, ?)");
  if (!insert.ok()) return db_.error("preparing the alert ledger");
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  insert.bind(1, item_key).bind(2, now);
  if (insert.step() != SQLITE_DONE) return db_.error("writing the alert ledger");
  return sqlite3_changes(db_.handle()) == 1;
}

}  // namespace vigil::collector
