#include "records/sqlite_records.h"

#include <google/protobuf/util/time_util.h>

#include "store/capture_source.h"
#include "triage/sqlite_triage_schema.h"
#include "vigil/uuid.h"
#include "vigil/v1/capture.pb.h"

namespace vigil::collector {
namespace {

using std::chrono::system_clock;

int64_t to_ms(system_clock::time_point t) { return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count(); }
system_clock::time_point from_ms(int64_t ms) { return system_clock::time_point(std::chrono::milliseconds(ms)); }

std::optional<int64_t> item_number(const std::string& key) {
  try {
    size_t used = 0;
    const int64_t n = std::stoll(key, &used);
    if (used == key.size() && n > 0) return n;
  } catch (...) {
  }
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<SqliteRecords>> SqliteRecords::open(const std::filesystem::path& data_dir) {
  auto db = SqliteDb::open((data_dir / "collector.db").string());
  if (!db) return db.error();
  if (auto r = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !r) return r.error();
  if (auto r = triage::migrate_triage_schema(*db); !r) return r.error();
  if (auto r = db->exec("CREATE TABLE IF NOT EXISTS item_holds(item_id INTEGER PRIMARY KEY, set_by TEXT NOT NULL, set_at INTEGER NOT NULL)"); !r) {
    return r.error();
  }
  return std::unique_ptr<SqliteRecords>(new SqliteRecords(std::move(*db)));
}

Result<void> SqliteRecords::in_transaction(const std::function<Result<void>()>& body) {
  std::lock_guard lock(mutex_);
  return db_.in_transaction(body);
}

Result<std::optional<ExportItem>> SqliteRecords::export_item(int64_t id) {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(),
              "SELECT i.user, coalesce(p.name, ''), coalesce(p.year_group, ''), coalesce(p.form, ''), i.category, i.max_severity, i.status, "
              "i.first_at, i.last_at, EXISTS(SELECT 1 FROM item_holds h WHERE h.item_id = i.id) "
              "FROM items i LEFT JOIN pupils p ON p.username = i.user WHERE i.id = ?");
  if (!q.ok()) return db_.error("prepare export item");
  q.bind(1, id);
  const int rc = q.step();
  if (rc == SQLITE_DONE) return std::optional<ExportItem>();
  if (rc != SQLITE_ROW) return db_.error("read item for export");
  ExportItem item;
  item.id = std::to_string(id);
  item.username = q.column_text(0);
  item.pupil_name = q.column_text(1);
  item.year_group = q.column_text(2);
  item.form = q.column_text(3);
  item.category = q.column_text(4);
  item.severity = static_cast<uint32_t>(q.column_int(5));
  item.status = q.column_text(6);
  item.first_seen = from_ms(q.column_int(7));
  item.last_seen = from_ms(q.column_int(8));
  item.legal_hold = q.column_int(9) != 0;

  Statement caps(db_.handle(),
                 "SELECT c.payload, coalesce(dv.hostname, e.hostname, c.device_id) FROM item_captures ic JOIN captures c ON c.seq = ic.capture_seq "
                 "LEFT JOIN devices dv ON dv.id = c.device_id LEFT JOIN enrolled_devices e ON e.id = c.device_id "
                 "WHERE ic.item_id = ? ORDER BY ic.observed_at, c.seq");
  if (!caps.ok()) return db_.error("prepare export captures");
  caps.bind(1, id);
  int crc = 0;
  while ((crc = caps.step()) == SQLITE_ROW) {
    v1::Capture c;
    ExportCapture out;
    if (!c.ParseFromString(caps.column_blob(0))) {
      out.text = "(this capture could not be read)";  // the record still lists it
    } else {
      out.id = uuid_to_string(c.id());
      out.observed_at = from_ms(google::protobuf::util::TimeUtil::TimestampToMilliseconds(c.observed_at()));
      out.source = source_name(c.source());
      out.application = c.application().process_name();
      out.window_title = c.window_title();
      out.url = c.url();
      out.text = c.text();
      out.deleted = c.deleted();
      out.unsubmitted = c.unsubmitted();
      for (const auto& h : c.hits()) out.hits.push_back({h.rule_id(), h.category(), h.severity(), h.start(), h.end()});
    }
    out.device = caps.column_text(1);
    item.captures.push_back(std::move(out));
  }
  if (crc != SQLITE_DONE) return db_.error("read export captures");

  Statement notes(db_.handle(), "SELECT author, at, body FROM item_notes WHERE item_id = ? ORDER BY at, id");
  if (!notes.ok()) return db_.error("prepare export notes");
  notes.bind(1, id);
  while (notes.step() == SQLITE_ROW) item.notes.push_back({notes.column_text(0), from_ms(notes.column_int(1)), notes.column_text(2)});
  return std::optional<ExportItem>(std::move(item));
}

Result<void> SqliteRecords::set_legal_hold(int64_t id, bool hold, const std::string& actor) {
  return in_transaction([&]() -> Result<void> {
    Statement exists(db_.handle(), "SELECT 1 FROM items WHERE id = ?");
    if (!exists.ok()) return db_.error("prepare legal hold");
    exists.bind(1, id);
    if (exists.step() != SQLITE_ROW) return make_error(ErrorCode::kNotFound, "no item " + std::to_string(id));
    const int64_t now = to_ms(system_clock::now());
    Statement change(db_.handle(), hold ? "INSERT OR IGNORE INTO item_holds(item_id, set_by, set_at) VALUES(?, ?, ?)"
                                        : "DELETE FROM item_holds WHERE item_id = ?");
    if (!change.ok()) return db_.error("prepare legal hold");
    change.bind(1, id);
    if (hold) change.bind(2, actor).bind(3, now);
    if (change.step() != SQLITE_DONE) return db_.error("set legal hold");
    if (sqlite3_changes(db_.handle()) == 0) return {};  // already so: nothing to record
    Statement event(db_.handle(), "INSERT INTO item_events(item_id, at, actor, kind, detail) VALUES(?,?,?,?,?)");
    if (!event.ok()) return db_.error("prepare item event");
    event.bind(1, id).bind(2, now).bind(3, actor).bind(4, std::string("legal_hold")).bind(5, std::string(hold ? "legal hold set" : "legal hold lifted"));
    if (event.step() != SQLITE_DONE) return db_.error("record legal hold");
    return {};
  });
}

Result<bool> SqliteRecords::legal_hold(int64_t id) {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(), "SELECT 1 FROM item_holds WHERE item_id = ?");
  if (!q.ok()) return db_.error("prepare legal hold");
  q.bind(1, id);
  const int rc = q.step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_.error("read legal hold");
  return rc == SQLITE_ROW;
}

Result<std::vector<ReportItem>> SqliteRecords::report_items(system_clock::time_point from, system_clock::time_point to) {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(), "SELECT i.first_at, i.category, coalesce(p.year_group, '') FROM items i LEFT JOIN pupils p ON p.username = i.user "
                            "WHERE i.first_at >= ? AND i.first_at < ?");
  if (!q.ok()) return db_.error("prepare report");
  q.bind(1, to_ms(from)).bind(2, to_ms(to));
  std::vector<ReportItem> out;
  int rc = 0;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back({from_ms(q.column_int(0)), q.column_text(1), q.column_text(2)});
  if (rc != SQLITE_DONE) return db_.error("read report");
  return out;
}

Result<std::vector<AlertEvent>> SqliteRecords::alert_events(uint32_t min_severity, system_clock::time_point since) {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(),
              "SELECT i.id, i.max_severity, i.category, coalesce(p.year_group, ''), coalesce(d.hostname, e.hostname, i.device_id), i.last_at "
              "FROM items i LEFT JOIN pupils p ON p.username = i.user LEFT JOIN devices d ON d.id = i.device_id "
              "LEFT JOIN enrolled_devices e ON e.id = i.device_id "
              "WHERE i.max_severity >= ? AND i.updated_at >= ? AND i.status IN ('new', 'in_review', 'escalated') ORDER BY i.id");
  if (!q.ok()) return db_.error("prepare alert query");
  q.bind(1, int64_t{min_severity}).bind(2, to_ms(since));
  std::vector<AlertEvent> out;
  int rc = 0;
  while ((rc = q.step()) == SQLITE_ROW) {
    AlertEvent e;
    e.item_key = "item:" + std::to_string(q.column_int(0));
    e.severity = static_cast<uint32_t>(q.column_int(1));
    e.category = q.column_text(2);
    e.year_group = q.column_text(3);
    e.device = q.column_text(4);
    e.observed_at = from_ms(q.column_int(5));
    e.console_path = "/items/" + std::to_string(q.column_int(0));
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return db_.error("read alert query");
  return out;
}

Result<std::vector<RetentionCandidate>> SqliteRecords::retention_candidates() {
  std::lock_guard lock(mutex_);
  // Resolution time: the last status change into resolved / false positive (item history);
  // the item's last update if its history has none.
  Statement q(db_.handle(),
              "SELECT i.id, i.status IN ('resolved', 'false_positive'), "
              "coalesce((SELECT max(ev.at) FROM item_events ev WHERE ev.item_id = i.id AND ev.kind = 'status' "
              "          AND (ev.detail LIKE '%-> resolved' OR ev.detail LIKE '%-> false_positive')), i.updated_at), "
              "EXISTS(SELECT 1 FROM item_holds h WHERE h.item_id = i.id) FROM items i");
  if (!q.ok()) return db_.error("prepare retention candidates");
  std::vector<RetentionCandidate> out;
  int rc = 0;
  while ((rc = q.step()) == SQLITE_ROW) {
    RetentionCandidate c;
    c.item_id = std::to_string(q.column_int(0));
    if (q.column_int(1) != 0) c.resolved_at = from_ms(q.column_int(2));
    c.legal_hold = q.column_int(3) != 0;
    out.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return db_.error("read retention candidates");
  return out;
}

Result<PurgeCounts> SqliteRecords::purge_items(const std::vector<std::string>& item_ids) {
  PurgeCounts counts;
  auto r = in_transaction([&]() -> Result<void> {
    for (const auto& key : item_ids) {
      const auto id = item_number(key);
      if (!id) return make_error(ErrorCode::kInvalidArgument, "purge: \"" + key + "\" is not an item id");
      // Re-checked inside the transaction: a hold or a reopening since the candidates were read wins.
      Statement still(db_.handle(), "SELECT 1 FROM items i WHERE i.id = ? AND i.status IN ('resolved', 'false_positive') "
                                    "AND NOT EXISTS(SELECT 1 FROM item_holds h WHERE h.item_id = i.id)");
      if (!still.ok()) return db_.error("prepare purge");
      still.bind(1, *id);
      if (still.step() != SQLITE_ROW) continue;
      const auto count = [&](const char* sql) -> Result<int64_t> {
        Statement c(db_.handle(), sql);
        if (!c.ok()) return db_.error("prepare purge count");
        c.bind(1, *id);
        if (c.step() != SQLITE_ROW) return db_.error("purge count");
        return c.column_int(0);
      };
      auto captures = count("SELECT count(*) FROM item_captures WHERE item_id = ?");
      auto notes = count("SELECT count(*) FROM item_notes WHERE item_id = ?");
      if (!captures) return captures.error();
      if (!notes) return notes.error();
      // Captures first (their text index and hits), then the item's own rows.
      for (const char* sql : {"DELETE FROM capture_text WHERE rowid IN (SELECT capture_seq FROM item_captures WHERE item_id = ?1)",
                              "DELETE FROM hits WHERE capture_seq IN (SELECT capture_seq FROM item_captures WHERE item_id = ?1)",
                              "DELETE FROM captures WHERE seq IN (SELECT capture_seq FROM item_captures WHERE item_id = ?1)",
                              "DELETE FROM item_captures WHERE item_id = ?1", "DELETE FROM item_notes WHERE item_id = ?1",
                              "DELETE FROM item_events WHERE item_id = ?1", "DELETE FROM exception_proposals WHERE item_id = ?1",
                              "DELETE FROM items WHERE id = ?1"}) {
        Statement d(db_.handle(), sql);
        if (!d.ok()) return db_.error("prepare purge");
        d.bind(1, *id);
        if (d.step() != SQLITE_DONE) return db_.error("purge");
      }
      ++counts.items;
      counts.captures += static_cast<uint64_t>(*captures);
      counts.notes += static_cast<uint64_t>(*notes);
    }
    return {};
  });
  if (!r) return r.error();
  return counts;
}

Result<void> SqliteRecords::audit_purge(const PurgeCounts& counts, const RetentionPolicy& policy) {
  std::lock_guard lock(mutex_);
  Statement q(db_.handle(), "INSERT INTO audit_log(at, actor, role, action, target, remote) VALUES(?,?,?,?,?,?)");
  if (!q.ok()) return db_.error("prepare purge audit");
  const std::string target = "items:" + std::to_string(counts.items) + " captures:" + std::to_string(counts.captures) +
                             " notes:" + std::to_string(counts.notes) + " retention_months:" + std::to_string(policy.months);
  q.bind(1, to_ms(system_clock::now())).bind(2, std::string("retention")).bind(3, std::string("system")).bind(4, std::string("purge"))
      .bind(5, target).bind(6, std::string("collector"));
  if (q.step() != SQLITE_DONE) return db_.error("write purge audit");
  return {};
}

}  // namespace vigil::collector
