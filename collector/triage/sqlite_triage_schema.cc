#include "triage/sqlite_triage_schema.h"

namespace vigil::collector::triage {
namespace {

// Triage tables keep their own version (triage_meta.schema_version) so the capture store's
// user_version stays its own.
constexpr int64_t kTriageSchemaVersion = 1;

constexpr const char* kSchemaV1 = R"sql(
  CREATE TABLE items(
    id INTEGER PRIMARY KEY,
    user TEXT NOT NULL,
    category TEXT NOT NULL,
    max_severity INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    assignee TEXT NOT NULL DEFAULT '',
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    capture_count INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    latest_seq INTEGER NOT NULL,
    alerted INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL);
  -- The inbox walks this index in display order and filters as it goes, so the first page costs
  -- the same with 100 items or 100,000; status is in it so the default (open) inbox never reads rows it skips.
  CREATE INDEX items_inbox ON items(max_severity DESC, last_at DESC, status);
  CREATE INDEX items_group ON items(user, category, last_at);
  CREATE TABLE item_categories(name TEXT PRIMARY KEY);
  CREATE TABLE item_captures(
    capture_seq INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    observed_at INTEGER NOT NULL,
    device_id TEXT NOT NULL);  -- copied from the capture so the device-group filter reads no capture rows
  CREATE INDEX item_captures_by_item ON item_captures(item_id, observed_at DESC);
  CREATE VIRTUAL TABLE capture_text USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
  CREATE TABLE item_notes(
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    author TEXT NOT NULL,
    at INTEGER NOT NULL,
    body TEXT NOT NULL);
  CREATE INDEX item_notes_by_item ON item_notes(item_id, at);
  CREATE TABLE item_events(
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL);
  CREATE INDEX item_events_by_item ON item_events(item_id, at);
  CREATE TABLE exception_proposals(
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    rule_id TEXT NOT NULL,
    category TEXT NOT NULL,
    reason TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE pupils(
    username TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    year_group TEXT NOT NULL DEFAULT '',
    form TEXT NOT NULL DEFAULT '');
  CREATE TABLE device_groups(
    device_id TEXT PRIMARY KEY,
    group_name TEXT NOT NULL);
  CREATE TABLE audit_log(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    remote TEXT NOT NULL);
  -- Who looked at what must survive anyone with console or SQL access trying to tidy it away.
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  INSERT INTO triage_meta(key, value) VALUES('synced_seq', 0);
)sql";

Result<int64_t> current_version(SqliteDb& db) {
  Statement q(db.handle(), "SELECT value FROM triage_meta WHERE key = 'schema_version'");
  if (!q.ok()) return db.error("read triage schema version");
  const int rc = q.step();
  if (rc == SQLITE_DONE) return int64_t{0};
  if (rc != SQLITE_ROW) return db.error("read triage schema version");
  return q.column_int(0);
}

}  // namespace

Result<void> migrate_triage_schema(SqliteDb& db) {
  if (auto r = db.exec("CREATE TABLE IF NOT EXISTS triage_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL)"); !r) return r;
  return db.in_transaction([&]() -> Result<void> {
    auto version = current_version(db);  // read inside the lock: another process may have migrated
    if (!version) return version.error();
    if (*version > kTriageSchemaVersion) {
      return make_error(ErrorCode::kCorrupt, db.path() + ": triage schema is newer than this collector");
    }
    if (*version < 1) {
      if (auto r = db.exec(kSchemaV1); !r) return r;
    }
    return db.exec("INSERT OR REPLACE INTO triage_meta(key, value) VALUES('schema_version', " + std::to_string(kTriageSchemaVersion) + ")");
  });
}

}  // namespace vigil::collector::triage
