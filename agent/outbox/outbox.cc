#include "outbox/outbox.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "vigil/uuid.h"

namespace vigil::agent {
namespace {

constexpr int kSchemaVersion = 3;
// A small WAL: checkpoints then need little new room in the main file, which matters when the
// disk is full (the default, 1000 pages, is a 4 MiB WAL that may never fit back).
constexpr int kWalAutoCheckpointPages = 64;
// Room one more capture needs beyond its payload: index entries and page headers.
constexpr uint64_t kRowOverheadBytes = 2 * 4096;

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

Result<std::unique_ptr<Outbox>> Outbox::open(const std::filesystem::path& file, uint64_t max_bytes, uint64_t disk_reserve_bytes) {
  auto db = SqliteDb::open(file.string());
  if (!db) return db.error();
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  std::unique_ptr<Outbox> outbox(new Outbox(std::move(*db), dir, max_bytes, disk_reserve_bytes));
  if (auto r = outbox->migrate(); !r) return r.error();
  auto page_size = outbox->scalar("PRAGMA page_size");
  if (!page_size) return page_size.error();
  outbox->page_size_ = *page_size;
  auto bytes = outbox->scalar("SELECT coalesce(sum(length(payload)), 0) FROM outbox");
  if (!bytes) return bytes.error();
  outbox->bytes_ = *bytes;
  return outbox;
}

Result<uint64_t> Outbox::scalar(const char* sql) {
  Statement q(db_.handle(), sql);
  if (!q.ok() || q.step() != SQLITE_ROW) return db_.error(sql);
  return static_cast<uint64_t>(q.column_int(0));
}

Result<void> Outbox::migrate() {
  // WAL + synchronous=FULL: a capture acknowledged to the pipeline survives power loss. The page
  // cache is kept to 512 KiB (SQLite's default is 2 MiB): the outbox is read in small batches,
  // and the agent's memory is budgeted.
  if (auto r = db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-512; PRAGMA wal_autocheckpoint=" +
                        std::to_string(kWalAutoCheckpointPages) + ";");
      !r) {
    return r;
  }
  Statement version(db_.handle(), "PRAGMA user_version");
  if (!version.ok() || version.step() != SQLITE_ROW) return db_.error("reading schema version");
  const int64_t current = version.column_int(0);
  if (current > kSchemaVersion) {
    return make_error(ErrorCode::kInvalidArgument, db_.path() + ": outbox schema " + std::to_string(current) + " is newer than this agent");
  }
  if (current == kSchemaVersion) return {};
  Transaction tx(db_);
  if (!tx.begun()) return db_.error("begin migration");
  if (current < 1) {
    auto r = db_.exec(R"sql(
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
    )sql");
    if (!r) return r;
  }
  // Version 2: sealed payloads, the byte bound and its eviction record. Version 1 rows are kept
  // and marked unsealed (version 1 agents could not seal); they are sent as they are.
  if (current < 2) {
    if (auto r = db_.exec(R"sql(
      ALTER TABLE outbox ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE quarantine ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX outbox_eviction ON outbox(severity, seq) WHERE severity < 4;
      CREATE TABLE evicted(
        id BLOB PRIMARY KEY,
        severity INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        evicted_at INTEGER NOT NULL);
    )sql");
        !r) {
      return r;
    }
  }
  // Version 3: the sealed category of each capture, so an eviction can be reported to the
  // collector with its category; evictions are kept until the collector has acknowledged them.
  if (auto r = db_.exec(R"sql(
      ALTER TABLE outbox ADD COLUMN category BLOB NOT NULL DEFAULT x'';
      ALTER TABLE evicted ADD COLUMN category BLOB NOT NULL DEFAULT x'';
      ALTER TABLE evicted ADD COLUMN reported INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX evicted_unreported ON evicted(evicted_at) WHERE reported = 0;
      PRAGMA user_version = 3;
    )sql");
      !r) {
    return r;
  }
  return tx.commit();
}

namespace {
// A cached statement left mid-result would keep its read snapshot open; every use ends in reset.
struct ResetOnExit {
  Statement& statement;
  ~ResetOnExit() { statement.reset(); }
};
}  // namespace

Statement& Outbox::cached(std::unique_ptr<Statement>& slot, const char* sql) {
  if (!slot || !slot->ok()) slot = std::make_unique<Statement>(db_.handle(), sql);
  slot->reset();
  return *slot;
}

Result<void> Outbox::evict_for(uint64_t needed, const OutboxEntry* incoming, bool& evict_incoming) {
  evict_incoming = false;
  // The usual case, a capture that fits, costs no statement at all.
  if (bytes_ + needed <= max_bytes_) return {};
  Statement victim(db_.handle(),
                   "SELECT seq, id, severity, created_at, length(payload), category FROM outbox WHERE severity < ? ORDER BY severity, seq LIMIT 1");
  Statement del(db_.handle(), "DELETE FROM outbox WHERE seq = ?");
  Statement record(db_.handle(), "INSERT OR REPLACE INTO evicted(id, severity, created_at, evicted_at, category, reported) VALUES(?,?,?,?,?,0)");
  if (!victim.ok() || !del.ok() || !record.ok()) return db_.error("prepare eviction");
  const int64_t now = now_ms();
  uint64_t evicted = 0;
  while (bytes_ + needed > max_bytes_) {
    victim.reset();
    victim.bind(1, kNeverEvictSeverity);
    const int rc = victim.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_.error("find eviction victim");
    // The incoming capture is the newest, so it goes first only if its severity is lower.
    const bool incoming_lowest = incoming && incoming->severity < kNeverEvictSeverity &&
                                 (rc == SQLITE_DONE || incoming->severity < victim.column_int(2));
    if (incoming_lowest) {
      record.reset();
      record.bind_blob(1, incoming->id).bind(2, incoming->severity).bind(3, now).bind(4, now).bind_blob(5, incoming->category);
      if (record.step() != SQLITE_DONE) return db_.error("record eviction");
      evict_incoming = true;
      ++evicted;
      spdlog::warn("outbox full ({} of {} bytes): new capture {} (severity {}) evicted by policy", bytes_, max_bytes_,
                   uuid_to_string(incoming->id), incoming->severity);
      break;
    }
    if (rc == SQLITE_DONE) break;  // only severity >= 4 left: they are kept over the bound
    const int64_t seq = victim.column_int(0);
    const std::string id = victim.column_blob(1);
    const int64_t severity = victim.column_int(2);
    const int64_t created = victim.column_int(3);
    const uint64_t size = static_cast<uint64_t>(victim.column_int(4));
    const std::string category = victim.column_blob(5);
    victim.reset();
    del.reset();
    del.bind(1, seq);
    if (del.step() != SQLITE_DONE) return db_.error("evict capture");
    record.reset();
    record.bind_blob(1, id).bind(2, severity).bind(3, created).bind(4, now).bind_blob(5, category);
    if (record.step() != SQLITE_DONE) return db_.error("record eviction");
    bytes_ -= std::min(bytes_, size);
    ++evicted;
    spdlog::warn("outbox full ({} of {} bytes): evicted capture {} (severity {}) by policy", bytes_, max_bytes_, uuid_to_string(id), severity);
  }
  if (evicted == 0) return {};
  Statement count(db_.handle(), "INSERT INTO meta(key, value) VALUES('evicted_total', ?) "
                                "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + excluded.value");
  Statement prune(db_.handle(), "DELETE FROM evicted WHERE rowid NOT IN (SELECT rowid FROM evicted ORDER BY evicted_at DESC LIMIT ?)");
  if (!count.ok() || !prune.ok()) return db_.error("prepare eviction count");
  count.bind(1, static_cast<int64_t>(evicted));
  prune.bind(1, kMaxEvictionRecords);
  if (count.step() != SQLITE_DONE || prune.step() != SQLITE_DONE) return db_.error("count evictions");
  return {};
}

Result<void> Outbox::check_space(uint64_t needed) {
  std::error_code ec;
  const auto space = std::filesystem::space(dir_, ec);
  if (ec) return {};  // cannot tell: SQLite reports a truly full disk itself
  if (space.available >= disk_reserve_bytes_ + needed) return {};
  // Pages freed by acknowledged captures are reused before the file grows: forwarding frees space.
  auto free_pages = scalar("PRAGMA freelist_count");
  if (free_pages && *free_pages * page_size_ >= needed) return {};
  return make_error(ErrorCode::kNoSpace, "disk full: " + std::to_string(space.available) + " bytes free on " + dir_.string() +
                                             " (keeping " + std::to_string(disk_reserve_bytes_) + " for delivery)");
}

void Outbox::note_storage(const Result<void>& outcome) {
  std::lock_guard lock(problem_mutex_);
  if (outcome) {
    if (!storage_problem_.empty()) spdlog::info("outbox stores captures again ({} is over)", storage_problem_);
    storage_problem_.clear();
    return;
  }
  const bool first = storage_problem_.empty();
  storage_problem_ = outcome.error().message;
  // Logged once per episode, not per retry: a full disk may last hours.
  if (first) spdlog::error("outbox cannot store captures: {}; the events are held and retried until space frees", storage_problem_);
}

std::string Outbox::storage_problem() const {
  std::lock_guard lock(problem_mutex_);
  return storage_problem_;
}

Result<void> Outbox::append(const std::vector<OutboxEntry>& captures, const std::string& source,
                            const std::optional<std::string>& position) {
  std::lock_guard lock(mutex_);
  if (captures.empty()) return append_locked(captures, source, position);
  uint64_t needed = 0;
  for (const auto& c : captures) needed += c.payload.size() + c.category.size() + kRowOverheadBytes;
  Result<void> outcome = check_space(needed);
  if (outcome) outcome = append_locked(captures, source, position);
  if (outcome || outcome.error().code == ErrorCode::kNoSpace) note_storage(outcome);
  return outcome;
}

Result<void> Outbox::append_locked(const std::vector<OutboxEntry>& captures, const std::string& source,
                                   const std::optional<std::string>& position) {
  Transaction tx(db_);
  if (!tx.begun()) return db_.error("begin");
  const uint64_t bytes_before = bytes_;
  Statement& insert =
      cached(insert_, "INSERT OR IGNORE INTO outbox(id, severity, created_at, payload, sealed, category) VALUES(?,?,?,?,?,?)");
  if (!insert.ok()) return db_.error("prepare insert");
  ResetOnExit reset_insert{insert};
  const int64_t now = now_ms();
  uint64_t trimmed = 0;
  for (const auto& c : captures) {
    bool evict_incoming = false;
    if (auto r = evict_for(c.payload.size(), &c, evict_incoming); !r) {
      bytes_ = bytes_before;
      return r;
    }
    if (evict_incoming) continue;
    insert.bind_blob(1, c.id).bind(2, c.severity).bind(3, now).bind_blob(4, c.payload).bind(5, c.sealed ? 1 : 0).bind_blob(6, c.category);
    if (insert.step() != SQLITE_DONE) {
      bytes_ = bytes_before;
      return db_.error("insert capture");
    }
    insert.reset();
    if (sqlite3_changes(db_.handle()) > 0) bytes_ += c.payload.size();
    if (c.trimmed) ++trimmed;
  }
  if (trimmed > 0) {
    Statement count(db_.handle(), "INSERT INTO meta(key, value) VALUES('trimmed_total', ?) "
                                  "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + excluded.value");
    if (!count.ok()) return db_.error("prepare trim count");
    count.bind(1, static_cast<int64_t>(trimmed));
    if (count.step() != SQLITE_DONE) {
      bytes_ = bytes_before;
      return db_.error("count trimmed");
    }
  }
  if (position) {
    Statement save(db_.handle(), "INSERT INTO source_position(source, position) VALUES(?,?) "
                                 "ON CONFLICT(source) DO UPDATE SET position = excluded.position");
    if (!save.ok()) return db_.error("prepare position");
    save.bind(1, source).bind(2, *position);
    if (save.step() != SQLITE_DONE) {
      bytes_ = bytes_before;
      return db_.error("save position");
    }
  }
  if (auto r = tx.commit(); !r) {
    bytes_ = bytes_before;
    return r;
  }
  return {};
}

Result<bool> Outbox::room_for(uint64_t bytes) {
  std::lock_guard lock(mutex_);
  if (bytes_ + bytes <= max_bytes_) return true;  // fits without evicting anything: no query
  Statement q(db_.handle(), "SELECT coalesce(sum(length(payload)), 0) FROM outbox WHERE severity < ?");
  if (!q.ok()) return db_.error("prepare room");
  q.bind(1, kNeverEvictSeverity);
  if (q.step() != SQLITE_ROW) return db_.error("measure outbox");
  const uint64_t evictable = static_cast<uint64_t>(q.column_int(0));
  return bytes_ - std::min(bytes_, evictable) + bytes <= max_bytes_;
}

Result<OutboxStats> Outbox::stats() {
  std::lock_guard lock(mutex_);
  OutboxStats st;
  auto depth = scalar("SELECT count(*) FROM outbox");
  auto evicted = scalar("SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'evicted_total'), 0)");
  auto trimmed = scalar("SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'trimmed_total'), 0)");
  if (!depth) return depth.error();
  if (!evicted) return evicted.error();
  if (!trimmed) return trimmed.error();
  st.depth = *depth;
  st.bytes = bytes_;
  st.evicted = *evicted;
  st.trimmed = *trimmed;
  return st;
}

Result<std::vector<std::string>> Outbox::evicted_ids() {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(), "SELECT id FROM evicted ORDER BY evicted_at, rowid");
  if (!q.ok()) return db_.error("prepare evicted");
  std::vector<std::string> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(q.column_blob(0));
  if (rc != SQLITE_DONE) return db_.error("read evicted");
  return out;
}

Result<std::vector<EvictionRecord>> Outbox::unreported_evictions(size_t max) {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(), "SELECT id, severity, category, created_at, evicted_at FROM evicted WHERE reported = 0 ORDER BY evicted_at, rowid LIMIT ?");
  if (!q.ok()) return db_.error("prepare evictions");
  q.bind(1, static_cast<int64_t>(max));
  std::vector<EvictionRecord> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    out.push_back({q.column_blob(0), static_cast<int>(q.column_int(1)), q.column_blob(2), q.column_int(3), q.column_int(4)});
  }
  if (rc != SQLITE_DONE) return db_.error("read evictions");
  return out;
}

Result<bool> Outbox::has_unreported_evictions() {
  std::lock_guard lock(mutex_);
  auto n = scalar("SELECT EXISTS(SELECT 1 FROM evicted WHERE reported = 0)");
  if (!n) return n.error();
  return *n != 0;
}

Result<void> Outbox::mark_evictions_reported(const std::vector<std::string>& ids) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  if (!tx.begun()) return db_.error("begin");
  Statement q(db_.handle(), "UPDATE evicted SET reported = 1 WHERE id = ?");
  if (!q.ok()) return db_.error("prepare evictions reported");
  for (const auto& id : ids) {
    q.bind_blob(1, id);
    if (q.step() != SQLITE_DONE) return db_.error("mark eviction reported");
    q.reset();
  }
  return tx.commit();
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
  Statement& q = cached(batch_, "SELECT id, severity, payload, sealed FROM outbox ORDER BY (severity >= 5) DESC, seq LIMIT ?");
  if (!q.ok()) return db_.error("prepare batch");
  ResetOnExit reset_batch{q};
  q.bind(1, static_cast<int64_t>(max_count));
  std::vector<OutboxEntry> out;
  size_t bytes = 0;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    OutboxEntry e{q.column_blob(0), static_cast<int>(q.column_int(1)), q.column_blob(2), q.column_int(3) != 0};
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
  Statement& del = cached(delete_, "DELETE FROM outbox WHERE id = ? RETURNING length(payload)");
  if (!del.ok()) return db_.error("prepare delete");
  ResetOnExit reset_delete{del};
  uint64_t freed = 0;
  for (const auto& id : ids) {
    del.bind_blob(1, id);
    int rc;
    while ((rc = del.step()) == SQLITE_ROW) freed += static_cast<uint64_t>(del.column_int(0));
    if (rc != SQLITE_DONE) return db_.error("delete capture");
    del.reset();
  }
  if (auto r = tx.commit(); !r) return r;
  bytes_ -= std::min(bytes_, freed);
  return {};
}

Result<void> Outbox::quarantine(const std::string& id, const std::string& reason) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  if (!tx.begun()) return db_.error("begin");
  Statement move(db_.handle(), "INSERT OR REPLACE INTO quarantine(id, reason, quarantined_at, payload, sealed) "
                               "SELECT id, ?, ?, payload, sealed FROM outbox WHERE id = ?");
  Statement del(db_.handle(), "DELETE FROM outbox WHERE id = ? RETURNING length(payload)");
  if (!move.ok() || !del.ok()) return db_.error("prepare quarantine");
  move.bind(1, reason).bind(2, now_ms()).bind_blob(3, id);
  del.bind_blob(1, id);
  if (move.step() != SQLITE_DONE) return db_.error("quarantine capture");
  uint64_t freed = 0;
  int rc;
  while ((rc = del.step()) == SQLITE_ROW) freed += static_cast<uint64_t>(del.column_int(0));
  if (rc != SQLITE_DONE) return db_.error("quarantine capture");
  if (auto r = tx.commit(); !r) return r;
  bytes_ -= std::min(bytes_, freed);
  return {};
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
  // Unchanged values are not rewritten: the agent must start on a full disk.
  Statement q(db_.handle(), "INSERT INTO meta(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value = excluded.value "
                            "WHERE value IS NOT excluded.value");
  if (!q.ok()) return db_.error("prepare meta");
  q.bind(1, key).bind(2, value);
  if (q.step() != SQLITE_DONE) return db_.error("write meta");
  return {};
}

}  // namespace vigil::agent
