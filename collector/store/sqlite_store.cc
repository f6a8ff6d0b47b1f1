#include "store/sqlite_store.h"

#include <google/protobuf/util/time_util.h>

#include <mutex>

#include <nlohmann/json.hpp>

#include "vigil/sqlite_db.h"

namespace vigil::collector {
namespace {

constexpr int kSchemaVersion = 3;

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
    const int64_t current = version.column_int(0);
    if (current > kSchemaVersion) {
      return make_error(ErrorCode::kCorrupt, db_.path() + ": schema is newer than this collector");
    }
    if (current == kSchemaVersion) return {};
    return db_.in_transaction([&] { return migrate_to_current(current); });
  }

  Result<void> migrate_to_current(int64_t current) {
    // Another process (serve, or `devices revoke` while serve runs) may have migrated meanwhile.
    Statement version(db_.handle(), "PRAGMA user_version");
    if (!version.ok() || version.step() != SQLITE_ROW) return db_.error("reading schema version");
    current = version.column_int(0);
    if (current >= kSchemaVersion) return {};
    if (current < 1) {
      if (auto r = create_v1(); !r) return r;
    }
    // Version 2: enrollment, revocation and coverage. Columns are added, never changed, so a
    // version 1 database keeps every row.
    if (current < 2) {
      if (auto r = migrate_to_2(); !r) return r;
    }
    // Version 3: each eviction a device reports, and revocable enrollment tokens.
    return db_.exec(R"sql(
      CREATE TABLE evictions(
        device_id TEXT NOT NULL,
        capture_id BLOB NOT NULL,
        severity INTEGER NOT NULL,
        category TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        evicted_at INTEGER NOT NULL,
        reported_at INTEGER NOT NULL,
        PRIMARY KEY(device_id, capture_id));
      ALTER TABLE enroll_tokens ADD COLUMN revoked_at INTEGER;
      PRAGMA user_version = 3;
    )sql");
  }

  Result<void> migrate_to_2() {
    return db_.exec(R"sql(
      ALTER TABLE devices ADD COLUMN heartbeat_interval_s INTEGER NOT NULL DEFAULT 60;
      ALTER TABLE devices ADD COLUMN sources TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE devices ADD COLUMN evicted INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE devices ADD COLUMN trimmed INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE devices ADD COLUMN outbox_bytes INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE devices ADD COLUMN outbox_problem TEXT NOT NULL DEFAULT '';
      CREATE TABLE enroll_tokens(
        secret_sha256 TEXT PRIMARY KEY,
        uses_left INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL);
      CREATE TABLE enrolled_devices(
        id TEXT PRIMARY KEY,
        hostname TEXT NOT NULL,
        enrolled_at INTEGER,
        revoked_at INTEGER);
      PRAGMA user_version = 2;
    )sql");
  }

  Result<void> create_v1() {
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
      PRAGMA user_version = 1;
    )sql");
  }

  Result<PutOutcome> put_captures(const std::vector<const v1::Capture*>& captures) override {
    std::lock_guard lock(mutex_);
    PutOutcome outcome;
    auto r = db_.in_transaction([&]() -> Result<void> {
      auto inserted = insert_all(captures);
      if (!inserted) return inserted.error();
      outcome = std::move(*inserted);
      return {};
    });
    if (!r) return r.error();
    return outcome;
  }

  Result<void> record_heartbeat(const v1::Heartbeat& hb, const std::string& peer) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), R"sql(
      INSERT INTO devices(id, hostname, agent_version, rule_pack_version, last_seen, outbox_depth, last_error, peer,
                          heartbeat_interval_s, sources, evicted, trimmed, outbox_bytes, outbox_problem)
      VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)
      ON CONFLICT(id) DO UPDATE SET hostname=excluded.hostname, agent_version=excluded.agent_version,
        rule_pack_version=excluded.rule_pack_version, last_seen=excluded.last_seen,
        outbox_depth=excluded.outbox_depth, last_error=excluded.last_error, peer=excluded.peer,
        heartbeat_interval_s=excluded.heartbeat_interval_s, sources=excluded.sources, evicted=excluded.evicted,
        trimmed=excluded.trimmed, outbox_bytes=excluded.outbox_bytes, outbox_problem=excluded.outbox_problem)sql");
    if (!q.ok()) return db_.error("prepare heartbeat");
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& src : hb.sources()) sources.push_back({{"name", src.name()}, {"state", src.state()}});
    q.bind(1, hb.device_id()).bind(2, hb.hostname()).bind(3, hb.agent_version()).bind(4, hb.rule_pack_version());
    q.bind(5, to_ms(std::chrono::system_clock::now())).bind(6, static_cast<int64_t>(hb.outbox_depth()));
    q.bind(7, hb.last_error()).bind(8, peer);
    q.bind(9, static_cast<int64_t>(hb.heartbeat_interval_s() == 0 ? 60 : hb.heartbeat_interval_s()));
    q.bind(10, sources.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    q.bind(11, static_cast<int64_t>(hb.evicted_captures())).bind(12, static_cast<int64_t>(hb.trimmed_captures()));
    q.bind(13, static_cast<int64_t>(hb.outbox_bytes())).bind(14, hb.outbox_problem());
    if (q.step() != SQLITE_DONE) return db_.error("record heartbeat");
    return {};
  }

  Result<void> record_evictions(const std::vector<EvictionRecord>& evictions) override {
    std::lock_guard lock(mutex_);
    return db_.in_transaction([&]() -> Result<void> {
      Statement q(db_.handle(), "INSERT OR IGNORE INTO evictions(device_id, capture_id, severity, category, created_at, evicted_at, reported_at) "
                                "VALUES(?,?,?,?,?,?,?)");
      if (!q.ok()) return db_.error("prepare evictions");
      for (const auto& e : evictions) {
        q.bind(1, e.device_id).bind_blob(2, e.capture_id).bind(3, static_cast<int64_t>(e.severity)).bind(4, e.category);
        q.bind(5, to_ms(e.created_at)).bind(6, to_ms(e.evicted_at)).bind(7, to_ms(e.reported_at));
        if (q.step() != SQLITE_DONE) return db_.error("record eviction");
        q.reset();
      }
      return {};
    });
  }

  Result<std::vector<EvictionRecord>> evictions() override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "SELECT device_id, capture_id, severity, category, created_at, evicted_at, reported_at FROM evictions "
                              "ORDER BY rowid");
    if (!q.ok()) return db_.error("prepare evictions");
    std::vector<EvictionRecord> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      out.push_back({q.column_text(0), q.column_blob(1), static_cast<int>(q.column_int(2)), q.column_text(3), from_ms(q.column_int(4)),
                     from_ms(q.column_int(5)), from_ms(q.column_int(6))});
    }
    if (rc != SQLITE_DONE) return db_.error("list evictions");
    return out;
  }

  Result<std::vector<EnrollTokenRecord>> enroll_tokens() override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "SELECT substr(secret_sha256, 1, ?), uses_left, created_at, expires_at, revoked_at FROM enroll_tokens "
                              "ORDER BY created_at, rowid");
    if (!q.ok()) return db_.error("prepare tokens");
    q.bind(1, static_cast<int64_t>(kTokenIdChars));
    std::vector<EnrollTokenRecord> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      EnrollTokenRecord t;
      t.id = q.column_text(0);
      t.uses_left = q.column_int(1);
      t.created_at = from_ms(q.column_int(2));
      t.expires_at = from_ms(q.column_int(3));
      if (q.column_int(4) != 0) t.revoked_at = from_ms(q.column_int(4));
      out.push_back(std::move(t));
    }
    if (rc != SQLITE_DONE) return db_.error("list tokens");
    return out;
  }

  Result<void> revoke_enroll_token(const std::string& id) override {
    if (id.size() < kTokenIdChars || id.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return make_error(ErrorCode::kInvalidArgument, "token id \"" + id + "\" is not one `enroll-token list` prints (" +
                                                          std::to_string(kTokenIdChars) + " or more lowercase hex digits)");
    }
    std::lock_guard lock(mutex_);
    Statement matches(db_.handle(), "SELECT count(*) FROM enroll_tokens WHERE substr(secret_sha256, 1, ?1) = ?2");
    if (!matches.ok()) return db_.error("prepare token revoke");
    matches.bind(1, static_cast<int64_t>(id.size())).bind(2, id);
    if (matches.step() != SQLITE_ROW) return db_.error("look up token");
    const int64_t n = matches.column_int(0);
    if (n == 0) return make_error(ErrorCode::kNotFound, "no enrollment token with id \"" + id + "\"");
    if (n > 1) return make_error(ErrorCode::kInvalidArgument, "token id \"" + id + "\" matches " + std::to_string(n) + " tokens; give more digits");
    Statement q(db_.handle(), "UPDATE enroll_tokens SET revoked_at = coalesce(revoked_at, ?1) WHERE substr(secret_sha256, 1, ?2) = ?3");
    if (!q.ok()) return db_.error("prepare token revoke");
    q.bind(1, to_ms(std::chrono::system_clock::now())).bind(2, static_cast<int64_t>(id.size())).bind(3, id);
    if (q.step() != SQLITE_DONE) return db_.error("revoke token");
    return {};
  }

  Result<void> add_enroll_token(const std::string& secret_sha256, int64_t uses, std::chrono::system_clock::time_point expires_at) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "INSERT INTO enroll_tokens(secret_sha256, uses_left, expires_at, created_at) VALUES(?,?,?,?)");
    if (!q.ok()) return db_.error("prepare token");
    q.bind(1, secret_sha256).bind(2, uses).bind(3, to_ms(expires_at)).bind(4, to_ms(std::chrono::system_clock::now()));
    if (q.step() != SQLITE_DONE) return db_.error("store token");
    return {};
  }

  Result<void> consume_enroll_token(const std::string& secret_sha256, std::chrono::system_clock::time_point now) override {
    std::lock_guard lock(mutex_);
    return db_.in_transaction([&] { return consume_locked(secret_sha256, now); });
  }

  Result<void> add_enrolled_device(const std::string& id, const std::string& hostname) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "INSERT INTO enrolled_devices(id, hostname, enrolled_at) VALUES(?,?,?)");
    if (!q.ok()) return db_.error("prepare enrolled device");
    q.bind(1, id).bind(2, hostname).bind(3, to_ms(std::chrono::system_clock::now()));
    if (q.step() != SQLITE_DONE) return db_.error("store enrolled device");
    return {};
  }

  Result<void> revoke_device(const std::string& id) override {
    std::lock_guard lock(mutex_);
    Statement known(db_.handle(), "SELECT (SELECT count(*) FROM enrolled_devices WHERE id = ?1) + (SELECT count(*) FROM devices WHERE id = ?1)");
    if (!known.ok()) return db_.error("prepare revoke");
    known.bind(1, id);
    if (known.step() != SQLITE_ROW) return db_.error("look up device");
    if (known.column_int(0) == 0) return make_error(ErrorCode::kNotFound, "no device with id \"" + id + "\"");
    Statement q(db_.handle(), R"sql(
      INSERT INTO enrolled_devices(id, hostname, revoked_at)
      VALUES(?1, coalesce((SELECT hostname FROM devices WHERE id = ?1), ''), ?2)
      ON CONFLICT(id) DO UPDATE SET revoked_at = coalesce(revoked_at, excluded.revoked_at))sql");
    if (!q.ok()) return db_.error("prepare revoke");
    q.bind(1, id).bind(2, to_ms(std::chrono::system_clock::now()));
    if (q.step() != SQLITE_DONE) return db_.error("revoke device");
    return {};
  }

  Result<DeviceAccess> device_access(const std::string& id) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "SELECT revoked_at IS NOT NULL FROM enrolled_devices WHERE id = ?");
    if (!q.ok()) return db_.error("prepare device access");
    q.bind(1, id);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return DeviceAccess::kUnknown;
    if (rc != SQLITE_ROW) return db_.error("read device access");
    return q.column_int(0) ? DeviceAccess::kRevoked : DeviceAccess::kEnrolled;
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
    // A device appears once it enrolled or once it sent a heartbeat (development mode), whichever first.
    Statement q(db_.handle(), R"sql(
      WITH ids AS (SELECT id FROM devices UNION SELECT id FROM enrolled_devices)
      SELECT ids.id, coalesce(d.hostname, e.hostname, ''), coalesce(d.agent_version, ''), coalesce(d.rule_pack_version, ''),
             coalesce(d.last_seen, 0), coalesce(d.outbox_depth, 0), coalesce(d.last_error, ''), coalesce(d.peer, ''),
             coalesce(d.heartbeat_interval_s, 60), coalesce(d.sources, '[]'), coalesce(d.evicted, 0), coalesce(d.trimmed, 0),
             coalesce(d.outbox_bytes, 0), coalesce(d.outbox_problem, ''), coalesce(e.enrolled_at, 0), coalesce(e.revoked_at, 0),
             (SELECT count(*) FROM evictions v WHERE v.device_id = ids.id)
      FROM ids LEFT JOIN devices d ON d.id = ids.id LEFT JOIN enrolled_devices e ON e.id = ids.id
      ORDER BY 2, 1)sql");
    if (!q.ok()) return db_.error("prepare devices");
    std::vector<DeviceRecord> out;
    const auto when = [&](int column) -> std::optional<std::chrono::system_clock::time_point> {
      const int64_t ms = q.column_int(column);
      if (ms == 0) return std::nullopt;
      return from_ms(ms);
    };
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      DeviceRecord d;
      d.id = q.column_text(0);
      d.hostname = q.column_text(1);
      d.agent_version = q.column_text(2);
      d.rule_pack_version = q.column_text(3);
      d.last_seen = when(4);
      d.outbox_depth = static_cast<uint64_t>(q.column_int(5));
      d.last_error = q.column_text(6);
      d.peer = q.column_text(7);
      d.heartbeat_interval = std::chrono::seconds(q.column_int(8));
      d.sources_json = q.column_text(9);
      d.evicted_captures = static_cast<uint64_t>(q.column_int(10));
      d.trimmed_captures = static_cast<uint64_t>(q.column_int(11));
      d.outbox_bytes = static_cast<uint64_t>(q.column_int(12));
      d.outbox_problem = q.column_text(13);
      d.enrolled_at = when(14);
      d.revoked_at = when(15);
      d.evictions_recorded = static_cast<uint64_t>(q.column_int(16));
      out.push_back(std::move(d));
    }
    if (rc != SQLITE_DONE) return db_.error("list devices");
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

  Result<void> consume_locked(const std::string& secret_sha256, std::chrono::system_clock::time_point now) {
    Statement q(db_.handle(), "SELECT uses_left, expires_at, revoked_at IS NOT NULL FROM enroll_tokens WHERE secret_sha256 = ?");
    if (!q.ok()) return db_.error("prepare token");
    q.bind(1, secret_sha256);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return make_error(ErrorCode::kPermissionDenied, "enrollment token is not known to this collector");
    if (rc != SQLITE_ROW) return db_.error("read token");
    if (q.column_int(2) != 0) return make_error(ErrorCode::kPermissionDenied, "enrollment token has been revoked");
    if (q.column_int(0) <= 0) return make_error(ErrorCode::kPermissionDenied, "enrollment token has already been used");
    if (to_ms(now) >= q.column_int(1)) return make_error(ErrorCode::kPermissionDenied, "enrollment token has expired");
    Statement spend(db_.handle(), "UPDATE enroll_tokens SET uses_left = uses_left - 1 WHERE secret_sha256 = ?");
    if (!spend.ok()) return db_.error("prepare token");
    spend.bind(1, secret_sha256);
    if (spend.step() != SQLITE_DONE) return db_.error("spend token");
    return {};
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
