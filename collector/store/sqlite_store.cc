#include "store/sqlite_store.h"

#include <google/protobuf/util/time_util.h>

#include <mutex>

#include "vigil/sqlite_db.h"

namespace vigil::collector {
namespace {

constexpr int kSchemaVersion = 1;

int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
std::chrono::system_clock::time_point from_ms(int64_t ms) { return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)); }
int64_t timestamp_ms(const google::protobuf::Timestamp& t) { return google::protobuf::util::TimeUtil::TimestampToMilliseconds(t); }

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteDb db) : db_(std::move(db)) {}

  Result<void> migrate() {
    if (auto r = db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !r) return r;
    Statement version(db_.handle(), "PRAGMA user_version");
    if (!version.ok() || version.step() != SQLITE_ROW) return db_.error("reading schema version");
    if (version.column_int(0) > kSchemaVersion) {
      return make_error(ErrorCode::kCorrupt, db_.path() + ": schema is newer than this collector");
    }
    return db_.exec(R"sql(
      CREATE TABLE IF NOT EXISTS captures(
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id BLOB NOT NULL UNIQUE,
        device_id TEXT NOT NULL,
        user TEXT NOT NULL,
        source INTEGER NOT NULL,
        max_severity INTEGER NOT NULL,
        observed_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        payload BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS captures_by_severity ON captures(max_severity DESC, observed_at DESC);
      CREATE INDEX IF NOT EXISTS captures_by_user ON captures(user, observed_at DESC);
      CREATE TABLE IF NOT EXISTS hits(
        capture_seq INTEGER NOT NULL REFERENCES captures(seq) ON DELETE CASCADE,
        rule_id TEXT NOT NULL,
        category TEXT NOT NULL,
        severity INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS hits_by_category ON hits(category, severity);
      CREATE TABLE IF NOT EXISTS devices(
        id TEXT PRIMARY KEY,
        hostname TEXT NOT NULL,
        agent_version TEXT NOT NULL,
        rule_pack_version TEXT NOT NULL,
        last_seen INTEGER NOT NULL,
        outbox_depth INTEGER NOT NULL,
        last_error TEXT NOT NULL,
        peer TEXT NOT NULL);
      -- Each source's state from the latest heartbeat: what the collector shows as coverage.
      CREATE TABLE IF NOT EXISTS device_sources(
        device_id TEXT NOT NULL,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY(device_id, name));
      PRAGMA user_version = 1;
    )sql");
  }

  Result<PutOutcome> put_captures(const std::vector<const v1::Capture*>& captures) override {
    std::lock_guard lock(mutex_);
    if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return r.error();
    auto outcome = insert_all(captures);
    if (!outcome) {
      (void)db_.exec("ROLLBACK");
      return outcome.error();
    }
    if (auto r = db_.exec("COMMIT"); !r) {
      (void)db_.exec("ROLLBACK");
      return r.error();
    }
    return outcome;
  }

  Result<void> record_heartbeat(const v1::Heartbeat& hb, const std::string& peer) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), R"sql(
      INSERT INTO devices(id, hostname, agent_version, rule_pack_version, last_seen, outbox_depth, last_error, peer)
      VALUES(?,?,?,?,?,?,?,?)
      ON CONFLICT(id) DO UPDATE SET hostname=excluded.hostname, agent_version=excluded.agent_version,
        rule_pack_version=excluded.rule_pack_version, last_seen=excluded.last_seen,
        outbox_depth=excluded.outbox_depth, last_error=excluded.last_error, peer=excluded.peer)sql");
    if (!q.ok()) return db_.error("prepare heartbeat");
    q.bind(1, hb.device_id()).bind(2, hb.hostname()).bind(3, hb.agent_version()).bind(4, hb.rule_pack_version());
    q.bind(5, to_ms(std::chrono::system_clock::now())).bind(6, static_cast<int64_t>(hb.outbox_depth()));
    q.bind(7, hb.last_error()).bind(8, peer);
    if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return r.error();
    if (q.step() != SQLITE_DONE) {
      (void)db_.exec("ROLLBACK");
      return db_.error("record heartbeat");
    }
    Statement clear(db_.handle(), "DELETE FROM device_sources WHERE device_id = ?");
    Statement add(db_.handle(), "INSERT OR REPLACE INTO device_sources(device_id, name, state) VALUES(?,?,?)");
    if (!clear.ok() || !add.ok()) {
      (void)db_.exec("ROLLBACK");
      return db_.error("prepare heartbeat sources");
    }
    clear.bind(1, hb.device_id());
    bool ok = clear.step() == SQLITE_DONE;
    for (const auto& source : hb.sources()) {
      if (!ok) break;
      add.reset();
      add.bind(1, hb.device_id()).bind(2, source.name()).bind(3, source.state());
      ok = add.step() == SQLITE_DONE;
    }
    if (!ok) {
      (void)db_.exec("ROLLBACK");
      return db_.error("record heartbeat sources");
    }
    return db_.exec("COMMIT");
  }

  Result<void> for_each_capture(const std::function<void(const StoredCapture&)>& visit) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "SELECT payload, received_at FROM captures ORDER BY seq");
    if (!q.ok()) return db_.error("prepare list");
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      StoredCapture sc;
      if (!sc.capture.ParseFromString(q.column_blob(0))) return make_error(ErrorCode::kCorrupt, db_.path() + ": unreadable capture row");
      sc.received_at = from_ms(q.column_int(1));
      visit(sc);
    }
    if (rc != SQLITE_DONE) return db_.error("list captures");
    return {};
  }

  Result<std::vector<DeviceRecord>> devices() override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "SELECT id, hostname, agent_version, rule_pack_version, last_seen, outbox_depth, last_error, peer "
                              "FROM devices ORDER BY hostname, id");
    if (!q.ok()) return db_.error("prepare devices");
    std::vector<DeviceRecord> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      out.push_back({q.column_text(0), q.column_text(1), q.column_text(2), q.column_text(3), from_ms(q.column_int(4)),
                     static_cast<uint64_t>(q.column_int(5)), q.column_text(6), q.column_text(7)});
    }
    if (rc != SQLITE_DONE) return db_.error("list devices");
    Statement sources(db_.handle(), "SELECT name, state FROM device_sources WHERE device_id = ? ORDER BY name");
    if (!sources.ok()) return db_.error("prepare device sources");
    for (auto& d : out) {
      sources.reset();
      sources.bind(1, d.id);
      while ((rc = sources.step()) == SQLITE_ROW) d.sources.emplace_back(sources.column_text(0), sources.column_text(1));
      if (rc != SQLITE_DONE) return db_.error("list device sources");
    }
    return out;
  }

 private:
  Result<PutOutcome> insert_all(const std::vector<const v1::Capture*>& captures) {
    Statement insert(db_.handle(), "INSERT OR IGNORE INTO captures(id, device_id, user, source, max_severity, observed_at, received_at, payload) "
                                   "VALUES(?,?,?,?,?,?,?,?)");
    Statement hit(db_.handle(), "INSERT INTO hits(capture_seq, rule_id, category, severity) VALUES(?,?,?,?)");
    if (!insert.ok() || !hit.ok()) return db_.error("prepare insert");
    PutOutcome outcome;
    const int64_t now = to_ms(std::chrono::system_clock::now());
    for (const v1::Capture* c : captures) {
      uint32_t max_severity = 0;
      for (const auto& h : c->hits()) max_severity = std::max(max_severity, h.severity());
      insert.bind_blob(1, c->id()).bind(2, c->device_id()).bind(3, c->user()).bind(4, static_cast<int64_t>(c->source()));
      insert.bind(5, static_cast<int64_t>(max_severity)).bind(6, timestamp_ms(c->observed_at())).bind(7, now);
      insert.bind_blob(8, c->SerializeAsString());
      if (insert.step() != SQLITE_DONE) return db_.error("insert capture");
      insert.reset();
      outcome.stored_ids.push_back(c->id());
      if (sqlite3_changes(db_.handle()) == 0) continue;  // already stored: re-sent after a lost ack
      ++outcome.inserted;
      const int64_t seq = sqlite3_last_insert_rowid(db_.handle());
      for (const auto& h : c->hits()) {
        hit.bind(1, seq).bind(2, h.rule_id()).bind(3, h.category()).bind(4, static_cast<int64_t>(h.severity()));
        if (hit.step() != SQLITE_DONE) return db_.error("insert hit");
        hit.reset();
      }
    }
    return outcome;
  }

  std::mutex mutex_;  // one connection; SQLite serialises writers anyway
  SqliteDb db_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& data_dir, OpenMode mode) {
  const auto file = data_dir / "collector.db";
  if (mode == OpenMode::kReadOnly && !std::filesystem::exists(file)) {
    return make_error(ErrorCode::kNotFound, file.string() + ": no collector database (has `serve` run with this --data-dir?)");
  }
  auto db = SqliteDb::open(file.string(), mode == OpenMode::kReadOnly);
  if (!db) return db.error();
  auto store = std::make_unique<SqliteStore>(std::move(*db));
  if (mode == OpenMode::kReadWrite) {
    if (auto r = store->migrate(); !r) return r.error();
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace vigil::collector
