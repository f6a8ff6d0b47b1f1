#include "outbox/outbox.h"

#include <chrono>

namespace vigil::agent {
namespace {

constexpr int kSchemaVersion = 1;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// RAII transaction: rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(SqliteDb& db) : db_(db) { begun_ = db_.exec("BEGIN IMMEDIATE").ok(); }
  ~Transaction() {
    if (begun_ && !committed_) (void)db_.exec("ROLLBACK");
  }
  bool begun() const { return begun_; }
  Result<void> commit() {
    auto r = db_.exec("COMMIT");
    committed_ = r.ok();
    return r;
  }

 private:
  SqliteDb& db_;
  bool begun_ = false;
  bool committed_ = false;
};

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::open(const std::filesystem::path& file) {
  auto db = SqliteDb::open(file.string());
  if (!db) return db.error();
  std::unique_ptr<Outbox> outbox(new Outbox(std::move(*db)));
  if (auto r = outbox->migrate(); !r) return r.error();
  return outbox;
}

Result<void> Outbox::migrate() {
  // WAL + synchronous=FULL: a capture acknowledged to the pipeline survives power loss.
  if (auto r = db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !r) return r;
  Statement version(db_.handle(), "PRAGMA user_version");
  if (!version.ok() || version.step() != SQLITE_ROW) return db_.error("reading schema version");
  const int64_t current = version.column_int(0);
  if (current > kSchemaVersion) {
    return make_error(ErrorCode::kCorrupt, db_.path() + ": outbox schema " + std::to_string(current) + " is newer than this agent");
  }
  return db_.exec(R"sql(
    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS outbox(
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id BLOB NOT NULL UNIQUE,
      severity INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      payload BLOB NOT NULL);
    CREATE INDEX IF NOT EXISTS outbox_queue ON outbox((severity >= 5) DESC, seq);
    CREATE TABLE IF NOT EXISTS source_position(source TEXT PRIMARY KEY, position TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS quarantine(
      id BLOB PRIMARY KEY,
      reason TEXT NOT NULL,
      quarantined_at INTEGER NOT NULL,
      payload BLOB NOT NULL);
    PRAGMA user_version = 1;
  )sql");
}

Result<void> Outbox::append(const std::vector<OutboxEntry>& captures, const std::string& source,
                            const std::optional<std::string>& position) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  if (!tx.begun()) return db_.error("begin");
  Statement insert(db_.handle(), "INSERT OR IGNORE INTO outbox(id, severity, created_at, payload) VALUES(?,?,?,?)");
  if (!insert.ok()) return db_.error("prepare insert");
  const int64_t now = now_ms();
  for (const auto& c : captures) {
    insert.bind_blob(1, c.id).bind(2, c.severity).bind(3, now).bind_blob(4, c.payload);
    if (insert.step() != SQLITE_DONE) return db_.error("insert capture");
    insert.reset();
  }
  if (position) {
    Statement save(db_.handle(), "INSERT INTO source_position(source, position) VALUES(?,?) "
                                 "ON CONFLICT(source) DO UPDATE SET position = excluded.position");
    if (!save.ok()) return db_.error("prepare position");
    save.bind(1, source).bind(2, *position);
    if (save.step() != SQLITE_DONE) return db_.error("save position");
  }
  if (auto r = tx.commit(); !r) return r;
  return {};
}

Result<std::optional<std::string>> Outbox::position(const std::string& source) {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(), "SELECT position FROM source_position WHERE source = ?");
  if (!q.ok()) return db_.error("prepare position");
  q.bind(1, source);
  const int rc = q.step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(q.column_text(0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return db_.error("read position");
}

Result<std::vector<OutboxEntry>> Outbox::next_batch(size_t max_count, size_t max_bytes) {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(), "SELECT id, severity, payload FROM outbox ORDER BY (severity >= 5) DESC, seq LIMIT ?");
  if (!q.ok()) return db_.error("prepare batch");
  q.bind(1, static_cast<int64_t>(max_count));
  std::vector<OutboxEntry> out;
  size_t bytes = 0;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    OutboxEntry e{q.column_blob(0), static_cast<int>(q.column_int(1)), q.column_blob(2)};
    if (!out.empty() && bytes + e.payload.size() > max_bytes) break;
    bytes += e.payload.size();
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_.error("read batch");
  return out;
}

Result<void> Outbox::remove(const std::vector<std::string>& ids) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  if (!tx.begun()) return db_.error("begin");
  Statement del(db_.handle(), "DELETE FROM outbox WHERE id = ?");
  if (!del.ok()) return db_.error("prepare delete");
  for (const auto& id : ids) {
    del.bind_blob(1, id);
    if (del.step() != SQLITE_DONE) return db_.error("delete capture");
    del.reset();
  }
  return tx.commit();
}

Result<void> Outbox::quarantine(const std::string& id, const std::string& reason) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  if (!tx.begun()) return db_.error("begin");
  Statement move(db_.handle(), "INSERT OR REPLACE INTO quarantine(id, reason, quarantined_at, payload) "
                               "SELECT id, ?, ?, payload FROM outbox WHERE id = ?");
  Statement del(db_.handle(), "DELETE FROM outbox WHERE id = ?");
  if (!move.ok() || !del.ok()) return db_.error("prepare quarantine");
  move.bind(1, reason).bind(2, now_ms()).bind_blob(3, id);
  del.bind_blob(1, id);
  if (move.step() != SQLITE_DONE || del.step() != SQLITE_DONE) return db_.error("quarantine capture");
  return tx.commit();
}

Result<uint64_t> Outbox::depth() {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(), "SELECT count(*) FROM outbox");
  if (!q.ok() || q.step() != SQLITE_ROW) return db_.error("count outbox");
  return static_cast<uint64_t>(q.column_int(0));
}

Result<uint64_t> Outbox::quarantined() {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(), "SELECT count(*) FROM quarantine");
  if (!q.ok() || q.step() != SQLITE_ROW) return db_.error("count quarantine");
  return static_cast<uint64_t>(q.column_int(0));
}

Result<std::optional<std::string>> Outbox::meta(const std::string& key) {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(), "SELECT value FROM meta WHERE key = ?");
  if (!q.ok()) return db_.error("prepare meta");
  q.bind(1, key);
  const int rc = q.step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(q.column_text(0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return db_.error("read meta");
}

Result<void> Outbox::set_meta(const std::string& key, const std::string& value) {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(), "INSERT INTO meta(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!q.ok()) return db_.error("prepare meta");
  q.bind(1, key).bind(2, value);
  if (q.step() != SQLITE_DONE) return db_.error("write meta");
  return {};
}

}  // namespace vigil::agent
