#include "triage/sqlite_triage_store.h"

#include <google/protobuf/util/time_util.h>

#include <chrono>
#include <mutex>
#include <variant>

#include "triage/sqlite_triage_schema.h"
#include "vigil/sqlite_db.h"

namespace vigil::collector::triage {
namespace {

// Captures grouped per transaction: bounded so ingest (another connection) never waits long.
constexpr int kSyncBatch = 2000;
// An item shows at most this many of its captures; the count says how many there are.
constexpr int kItemCaptureLimit = 200;
constexpr int kMaxPageSize = 500;
// Counting stops here: "more than 1000" is all a DSL needs (filters narrow it), and an exact count
// would walk every item on every inbox view.
constexpr int64_t kInboxCountLimit = 1000;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The item summary columns, shared by the inbox and item queries.
constexpr const char* kSummarySelect = R"sql(
  SELECT i.id, i.user, coalesce(p.name, ''), coalesce(p.year_group, ''), coalesce(p.form, ''), i.category, i.max_severity,
         i.status, i.assignee, i.first_at, i.last_at, i.capture_count, i.device_id,
         coalesce(d.hostname, e.hostname, ''), i.latest_seq, c.payload
  FROM items i LEFT JOIN pupils p ON p.username = i.user LEFT JOIN devices d ON d.id = i.device_id
       LEFT JOIN enrolled_devices e ON e.id = i.device_id LEFT JOIN captures c ON c.seq = i.latest_seq)sql";

ItemSummary summary_row(const Statement& q) {
  ItemSummary s;
  s.id = q.column_int(0);
  s.user = q.column_text(1);
  s.pupil = Pupil{s.user, q.column_text(2), q.column_text(3), q.column_text(4)};
  s.category = q.column_text(5);
  s.max_severity = static_cast<int>(q.column_int(6));
  s.status = parse_status(q.column_text(7)).value_or(Status::kNew);
  s.assignee = q.column_text(8);
  s.first_at = q.column_int(9);
  s.last_at = q.column_int(10);
  s.capture_count = q.column_int(11);
  s.device_id = q.column_text(12);
  s.hostname = q.column_text(13);
  s.latest_capture_seq = q.column_int(14);
  (void)s.latest.ParseFromString(q.column_blob(15));  // a missing or unreadable capture shows as empty, the item still shows
  return s;
}

// Pupil text goes to FTS5 as one quoted phrase, so nothing in it is read as query syntax.
std::string fts_phrase(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += "\"\"";
    else out += c;
  }
  return out + "\"";
}

using Bind = std::variant<int64_t, std::string>;

class SqliteTriageStore final : public TriageStore {
 public:
  explicit SqliteTriageStore(SqliteDb db) : db_(std::move(db)) {}

  Result<void> init() {
    if (auto r = db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !r) return r;
    return migrate_triage_schema(db_);
  }

  Result<std::vector<AlertCandidate>> sync(int alert_min_severity) override {
    std::lock_guard lock(mutex_);
    std::vector<AlertCandidate> alerts;
    for (bool done = false; !done;) {
      auto r = db_.in_transaction([&]() -> Result<void> {
        auto batch = sync_batch(alert_min_severity, alerts);
        if (!batch) return batch.error();
        done = *batch;
        return {};
      });
      if (!r) return r.error();
    }
    for (auto& a : alerts) {
      Statement q(db_.handle(), "SELECT name FROM pupils WHERE username = ?");
      if (!q.ok()) return db_.error("prepare pupil");
      q.bind(1, a.user);
      if (q.step() == SQLITE_ROW) a.pupil_name = q.column_text(0);
    }
    return alerts;
  }

  Result<InboxPage> inbox(const InboxFilter& f) override {
    std::lock_guard lock(mutex_);
    // Every filter is checked per row while walking items_inbox in display order (correlated
    // EXISTS rather than IN lists that would be materialised in full first).
    std::string where = " WHERE 1";
    std::vector<Bind> binds;
    if (f.status) {
      where += " AND i.status = ?";
      binds.emplace_back(std::string(status_name(*f.status)));
    } else if (!f.all_statuses) {
      where += " AND i.status IN ('new', 'in_review', 'escalated')";
    }
    if (f.category) {
      where += " AND i.category = ?";
      binds.emplace_back(*f.category);
    }
    if (f.min_severity) {
      where += " AND i.max_severity >= ?";
      binds.emplace_back(int64_t{*f.min_severity});
    }
    if (f.from) {
      where += " AND i.last_at >= ?";
      binds.emplace_back(*f.from);
    }
    if (f.to) {
      where += " AND i.first_at <= ?";
      binds.emplace_back(*f.to);
    }
    if (!f.user.empty()) {
      where += " AND i.user = ?";
      binds.emplace_back(f.user);
    }
    if (!f.year_group.empty()) {
      where += " AND EXISTS (SELECT 1 FROM pupils p WHERE p.username = i.user AND p.year_group = ?)";
      binds.emplace_back(f.year_group);
    }
    if (!f.device_group.empty()) {
      where += " AND EXISTS (SELECT 1 FROM item_captures ic JOIN device_groups g ON g.device_id = ic.device_id "
               "WHERE ic.item_id = i.id AND g.group_name = ?)";
      binds.emplace_back(f.device_group);
    }
    if (!f.text.empty()) {
      where += " AND i.id IN (SELECT ic.item_id FROM capture_text t JOIN item_captures ic ON ic.capture_seq = t.rowid "
               "WHERE capture_text MATCH ?)";
      binds.emplace_back(fts_phrase(f.text));
    }
    const auto bind_all = [&](Statement& q) {
      int n = 1;
      for (const auto& b : binds) {
        if (const auto* i = std::get_if<int64_t>(&b)) q.bind(n++, *i);
        else q.bind(n++, std::get<std::string>(b));
      }
      return n;
    };
    InboxPage page;
    Statement count(db_.handle(), "SELECT count(*) FROM (SELECT 1 FROM items i INDEXED BY items_inbox" + where + " LIMIT ?)");
    if (!count.ok()) return db_.error("prepare inbox count");
    count.bind(bind_all(count), kInboxCountLimit + 1);
    if (count.step() != SQLITE_ROW) return db_.error("count inbox");
    page.total = count.column_int(0);
    page.total_capped = page.total > kInboxCountLimit;
    // Most severe first, then most recent: what a DSL must see first is at the top. The page's ids
    // are chosen first, so rows skipped by OFFSET are never joined or read.
    Statement q(db_.handle(), std::string(kSummarySelect) + " JOIN (SELECT i.id AS pid FROM items i INDEXED BY items_inbox" + where +
                                  " ORDER BY i.max_severity DESC, i.last_at DESC LIMIT ? OFFSET ?) pg ON pg.pid = i.id"
                                  " ORDER BY i.max_severity DESC, i.last_at DESC");
    if (!q.ok()) return db_.error("prepare inbox");
    const int n = bind_all(q);
    q.bind(n, int64_t{std::clamp(f.limit, 1, kMaxPageSize)}).bind(n + 1, int64_t{std::max(f.offset, 0)});
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) page.items.push_back(summary_row(q));
    if (rc != SQLITE_DONE) return db_.error("inbox");
    return page;
  }

  Result<std::optional<ItemDetail>> item(int64_t id) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), std::string(kSummarySelect) + " WHERE i.id = ?");
    if (!q.ok()) return db_.error("prepare item");
    q.bind(1, id);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<ItemDetail>();
    if (rc != SQLITE_ROW) return db_.error("item");
    ItemDetail d;
    d.summary = summary_row(q);
    auto captures = capture_views(
        "SELECT c.seq, c.payload, c.received_at, coalesce(dv.hostname, e.hostname, ''), ic.item_id FROM item_captures ic "
        "JOIN captures c ON c.seq = ic.capture_seq LEFT JOIN devices dv ON dv.id = c.device_id "
        "LEFT JOIN enrolled_devices e ON e.id = c.device_id WHERE ic.item_id = ? ORDER BY ic.observed_at DESC, c.seq DESC LIMIT ?",
        {id, int64_t{kItemCaptureLimit}});
    if (!captures) return captures.error();
    d.captures = std::move(*captures);
    Statement notes(db_.handle(), "SELECT id, author, at, body FROM item_notes WHERE item_id = ? ORDER BY at, id");
    Statement events(db_.handle(), "SELECT at, actor, kind, detail FROM item_events WHERE item_id = ? ORDER BY at, id");
    if (!notes.ok() || !events.ok()) return db_.error("prepare item history");
    notes.bind(1, id);
    while (notes.step() == SQLITE_ROW) d.notes.push_back({notes.column_int(0), notes.column_text(1), notes.column_int(2), notes.column_text(3)});
    events.bind(1, id);
    while (events.step() == SQLITE_ROW) d.history.push_back({events.column_int(0), events.column_text(1), events.column_text(2), events.column_text(3)});
    auto proposals = proposals_where("WHERE item_id = ?", id);
    if (!proposals) return proposals.error();
    d.proposals = std::move(*proposals);
    return std::optional<ItemDetail>(std::move(d));
  }

  Result<std::vector<CaptureView>> timeline(const std::string& user, int limit, int offset) override {
    std::lock_guard lock(mutex_);
    return capture_views(
        "SELECT c.seq, c.payload, c.received_at, coalesce(dv.hostname, e.hostname, ''), coalesce(ic.item_id, 0) FROM captures c "
        "LEFT JOIN item_captures ic ON ic.capture_seq = c.seq LEFT JOIN devices dv ON dv.id = c.device_id "
        "LEFT JOIN enrolled_devices e ON e.id = c.device_id WHERE c.user = ? ORDER BY c.observed_at DESC, c.seq DESC LIMIT ? OFFSET ?",
        {user, int64_t{std::clamp(limit, 1, kMaxPageSize)}, int64_t{std::max(offset, 0)}});
  }

  Result<Pupil> pupil(const std::string& username) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "SELECT name, year_group, form FROM pupils WHERE username = ?");
    if (!q.ok()) return db_.error("prepare pupil");
    q.bind(1, username);
    Pupil p{username, "", "", ""};
    if (q.step() == SQLITE_ROW) p = Pupil{username, q.column_text(0), q.column_text(1), q.column_text(2)};
    return p;
  }

  Result<std::vector<std::string>> categories() override { return strings("SELECT name FROM item_categories ORDER BY 1"); }
  Result<std::vector<std::string>> year_groups() override {
    return strings("SELECT DISTINCT year_group FROM pupils WHERE year_group <> '' ORDER BY 1");
  }
  Result<std::vector<std::string>> device_groups() override { return strings("SELECT DISTINCT group_name FROM device_groups ORDER BY 1"); }

  Result<void> set_status(int64_t item, Status to, const std::string& actor) override {
    return in_transaction([&]() -> Result<void> {
      Statement q(db_.handle(), "SELECT status FROM items WHERE id = ?");
      if (!q.ok()) return db_.error("prepare status");
      q.bind(1, item);
      if (q.step() != SQLITE_ROW) return make_error(ErrorCode::kNotFound, "no item " + std::to_string(item));
      const Status from = parse_status(q.column_text(0)).value_or(Status::kNew);
      if (!transition_allowed(from, to)) {
        return make_error(ErrorCode::kInvalidArgument, "status: an item that is \"" + std::string(status_name(from)) + "\" cannot become \"" +
                                                           std::string(status_name(to)) + "\"");
      }
      Statement u(db_.handle(), "UPDATE items SET status = ?, updated_at = ? WHERE id = ?");
      if (!u.ok()) return db_.error("prepare status");
      u.bind(1, status_name(to)).bind(2, now_ms()).bind(3, item);
      if (u.step() != SQLITE_DONE) return db_.error("set status");
      return event(item, actor, "status", std::string(status_name(from)) + " -> " + std::string(status_name(to)));
    });
  }

  Result<void> assign(int64_t item, const std::string& assignee, const std::string& actor) override {
    return in_transaction([&]() -> Result<void> {
      Statement u(db_.handle(), "UPDATE items SET assignee = ?, updated_at = ? WHERE id = ?");
      if (!u.ok()) return db_.error("prepare assign");
      u.bind(1, assignee).bind(2, now_ms()).bind(3, item);
      if (u.step() != SQLITE_DONE) return db_.error("assign");
      if (sqlite3_changes(db_.handle()) == 0) return make_error(ErrorCode::kNotFound, "no item " + std::to_string(item));
      return event(item, actor, "assign", assignee.empty() ? "unassigned" : "assigned to " + assignee);
    });
  }

  Result<void> add_note(int64_t item, const std::string& body, const std::string& actor) override {
    return in_transaction([&]() -> Result<void> {
      if (auto r = require_item(item); !r) return r;
      Statement q(db_.handle(), "INSERT INTO item_notes(item_id, author, at, body) VALUES(?,?,?,?)");
      if (!q.ok()) return db_.error("prepare note");
      q.bind(1, item).bind(2, actor).bind(3, now_ms()).bind(4, body);
      if (q.step() != SQLITE_DONE) return db_.error("add note");
      return event(item, actor, "note", "note added");
    });
  }

  Result<int64_t> propose_exception(int64_t item, const std::string& rule_id, const std::string& reason, const std::string& actor) override {
    int64_t id = 0;
    auto r = in_transaction([&]() -> Result<void> {
      Statement s(db_.handle(), "SELECT status FROM items WHERE id = ?");
      if (!s.ok()) return db_.error("prepare proposal");
      s.bind(1, item);
      if (s.step() != SQLITE_ROW) return make_error(ErrorCode::kNotFound, "no item " + std::to_string(item));
      if (s.column_text(0) != status_name(Status::kFalsePositive)) {
        return make_error(ErrorCode::kInvalidArgument, "exception: mark the item as a false positive first");
      }
      Statement h(db_.handle(), "SELECT h.category FROM hits h JOIN item_captures ic ON ic.capture_seq = h.capture_seq "
                                "WHERE ic.item_id = ? AND h.rule_id = ? LIMIT 1");
      if (!h.ok()) return db_.error("prepare proposal");
      h.bind(1, item).bind(2, rule_id);
      if (h.step() != SQLITE_ROW) return make_error(ErrorCode::kInvalidArgument, "rule: \"" + rule_id + "\" did not fire in this item");
      Statement q(db_.handle(), "INSERT INTO exception_proposals(item_id, rule_id, category, reason, proposed_by, proposed_at) VALUES(?,?,?,?,?,?)");
      if (!q.ok()) return db_.error("prepare proposal");
      q.bind(1, item).bind(2, rule_id).bind(3, h.column_text(0)).bind(4, reason).bind(5, actor).bind(6, now_ms());
      if (q.step() != SQLITE_DONE) return db_.error("propose exception");
      id = sqlite3_last_insert_rowid(db_.handle());
      return event(item, actor, "exception", "proposed an exception for " + rule_id);
    });
    if (!r) return r.error();
    return id;
  }

  Result<std::vector<ExceptionProposal>> exception_proposals() override {
    std::lock_guard lock(mutex_);
    return proposals_where("WHERE 1 ORDER BY state = 'pending' DESC, proposed_at DESC", std::nullopt);
  }

  Result<void> decide_exception(int64_t id, bool approve, const std::string& actor) override {
    return in_transaction([&]() -> Result<void> {
      Statement s(db_.handle(), "SELECT state, item_id, rule_id FROM exception_proposals WHERE id = ?");
      if (!s.ok()) return db_.error("prepare decision");
      s.bind(1, id);
      if (s.step() != SQLITE_ROW) return make_error(ErrorCode::kNotFound, "no exception proposal " + std::to_string(id));
      if (s.column_text(0) != "pending") return make_error(ErrorCode::kInvalidArgument, "exception proposal is already " + s.column_text(0));
      const std::string state = approve ? "approved" : "rejected";
      Statement u(db_.handle(), "UPDATE exception_proposals SET state = ?, decided_by = ?, decided_at = ? WHERE id = ?");
      if (!u.ok()) return db_.error("prepare decision");
      u.bind(1, state).bind(2, actor).bind(3, now_ms()).bind(4, id);
      if (u.step() != SQLITE_DONE) return db_.error("decide exception");
      return event(s.column_int(1), actor, "exception", "exception for " + s.column_text(2) + " " + state);
    });
  }

  Result<void> append_audit(const AuditEntry& e) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "INSERT INTO audit_log(at, actor, role, action, target, remote) VALUES(?,?,?,?,?,?)");
    if (!q.ok()) return db_.error("prepare audit");
    q.bind(1, e.at ? e.at : now_ms()).bind(2, e.actor).bind(3, e.role).bind(4, e.action).bind(5, e.target).bind(6, e.remote);
    if (q.step() != SQLITE_DONE) return db_.error("append audit");
    return {};
  }

  Result<std::vector<AuditEntry>> audit_entries(int limit, int offset) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "SELECT id, at, actor, role, action, target, remote FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?");
    if (!q.ok()) return db_.error("prepare audit list");
    q.bind(1, int64_t{std::clamp(limit, 1, kMaxPageSize)}).bind(2, int64_t{std::max(offset, 0)});
    std::vector<AuditEntry> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      out.push_back({q.column_int(0), q.column_int(1), q.column_text(2), q.column_text(3), q.column_text(4), q.column_text(5), q.column_text(6)});
    }
    if (rc != SQLITE_DONE) return db_.error("audit list");
    return out;
  }

  Result<void> upsert_pupil(const Pupil& p) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "INSERT INTO pupils(username, name, year_group, form) VALUES(?,?,?,?) ON CONFLICT(username) DO UPDATE SET "
                              "name = excluded.name, year_group = excluded.year_group, form = excluded.form");
    if (!q.ok()) return db_.error("prepare pupil");
    q.bind(1, p.username).bind(2, p.name).bind(3, p.year_group).bind(4, p.form);
    if (q.step() != SQLITE_DONE) return db_.error("store pupil");
    return {};
  }

  Result<void> set_device_group(const std::string& device_id, const std::string& group) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "INSERT INTO device_groups(device_id, group_name) VALUES(?,?) ON CONFLICT(device_id) DO UPDATE SET group_name = excluded.group_name");
    if (!q.ok()) return db_.error("prepare device group");
    q.bind(1, device_id).bind(2, group);
    if (q.step() != SQLITE_DONE) return db_.error("store device group");
    return {};
  }

  Result<std::vector<CategoryCount>> counts_by_category(int64_t from, int64_t to) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "SELECT category, count(*), sum(capture_count) FROM items WHERE last_at >= ? AND first_at <= ? "
                              "GROUP BY category ORDER BY 2 DESC, 1");
    if (!q.ok()) return db_.error("prepare counts");
    q.bind(1, from).bind(2, to);
    std::vector<CategoryCount> out;
    while (q.step() == SQLITE_ROW) out.push_back({q.column_text(0), q.column_int(1), q.column_int(2)});
    return out;
  }

 private:
  // One batch of grouping. Returns true when no capture is left to group.
  Result<bool> sync_batch(int alert_min_severity, std::vector<AlertCandidate>& alerts) {
    Statement cursor(db_.handle(), "SELECT value FROM triage_meta WHERE key = 'synced_seq'");
    if (!cursor.ok() || cursor.step() != SQLITE_ROW) return db_.error("read triage cursor");
    const int64_t after = cursor.column_int(0);
    Statement q(db_.handle(), "SELECT seq, user, device_id, observed_at, payload FROM captures WHERE seq > ? ORDER BY seq LIMIT ?");
    Statement find(db_.handle(), "SELECT id FROM items WHERE user = ? AND category = ? AND status IN ('new', 'in_review') "
                                 "AND last_at >= ? AND first_at <= ? ORDER BY last_at DESC LIMIT 1");
    Statement update(db_.handle(), "UPDATE items SET max_severity = max(max_severity, ?), first_at = min(first_at, ?), last_at = max(last_at, ?), "
                                   "capture_count = capture_count + 1, device_id = ?, latest_seq = ?, updated_at = ? WHERE id = ?");
    Statement insert(db_.handle(), "INSERT INTO items(user, category, max_severity, first_at, last_at, capture_count, device_id, latest_seq, updated_at) "
                                   "VALUES(?,?,?,?,?,1,?,?,?)");
    Statement link(db_.handle(), "INSERT OR IGNORE INTO item_captures(capture_seq, item_id, observed_at, device_id) VALUES(?,?,?,?)");
    Statement index(db_.handle(), "INSERT INTO capture_text(rowid, body) VALUES(?,?)");
    Statement known(db_.handle(), "INSERT OR IGNORE INTO item_categories(name) VALUES(?)");
    Statement alert(db_.handle(), "UPDATE items SET alerted = 1 WHERE id = ? AND alerted = 0 AND max_severity >= ? RETURNING max_severity, category, user, last_at");
    if (!q.ok() || !find.ok() || !update.ok() || !insert.ok() || !link.ok() || !index.ok() || !alert.ok() || !known.ok()) return db_.error("prepare triage sync");
    q.bind(1, after).bind(2, int64_t{kSyncBatch});
    int64_t last_seq = after;
    int rows = 0;
    const int64_t now = now_ms();
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      ++rows;
      const int64_t seq = q.column_int(0);
      last_seq = seq;
      const std::string user = q.column_text(1);
      const std::string device = q.column_text(2);
      const int64_t observed = q.column_int(3);
      v1::Capture c;
      if (!c.ParseFromString(q.column_blob(4))) return make_error(ErrorCode::kCorrupt, db_.path() + ": capture " + std::to_string(seq) + " is unreadable");
      // The item takes the category of the capture's most severe hit.
      std::string category = "uncategorised";
      int64_t severity = 0;
      for (const auto& h : c.hits()) {
        if (static_cast<int64_t>(h.severity()) > severity) {
          severity = h.severity();
          category = h.category();
        }
      }
      find.bind(1, user).bind(2, category).bind(3, observed - kGroupWindowMs).bind(4, observed + kGroupWindowMs);
      int64_t item = 0;
      const int frc = find.step();
      if (frc == SQLITE_ROW) item = find.column_int(0);
      else if (frc != SQLITE_DONE) return db_.error("find item");
      find.reset();
      if (item) {
        update.bind(1, severity).bind(2, observed).bind(3, observed).bind(4, device).bind(5, seq).bind(6, now).bind(7, item);
        if (update.step() != SQLITE_DONE) return db_.error("update item");
        update.reset();
      } else {
        insert.bind(1, user).bind(2, category).bind(3, severity).bind(4, observed).bind(5, observed).bind(6, device).bind(7, seq).bind(8, now);
        if (insert.step() != SQLITE_DONE) return db_.error("insert item");
        insert.reset();
        item = sqlite3_last_insert_rowid(db_.handle());
        known.bind(1, category);
        if (known.step() != SQLITE_DONE) return db_.error("record category");
        known.reset();
      }
      link.bind(1, seq).bind(2, item).bind(3, observed).bind(4, device);
      if (link.step() != SQLITE_DONE) return db_.error("link capture");
      link.reset();
      index.bind(1, seq).bind(2, c.text() + "\n" + c.window_title() + "\n" + c.url() + "\n" + c.application().process_name());
      if (index.step() != SQLITE_DONE) return db_.error("index capture text");
      index.reset();
      alert.bind(1, item).bind(2, int64_t{alert_min_severity});
      if (alert.step() == SQLITE_ROW) {
        alerts.push_back({item, static_cast<int>(alert.column_int(0)), alert.column_text(1), alert.column_text(2), "", alert.column_int(3)});
        (void)alert.step();
      }
      alert.reset();
    }
    if (rc != SQLITE_DONE) return db_.error("read captures to group");
    Statement move(db_.handle(), "UPDATE triage_meta SET value = ? WHERE key = 'synced_seq'");
    if (!move.ok()) return db_.error("prepare triage cursor");
    move.bind(1, last_seq);
    if (move.step() != SQLITE_DONE) return db_.error("move triage cursor");
    return rows < kSyncBatch;
  }

  Result<void> require_item(int64_t item) {
    Statement q(db_.handle(), "SELECT 1 FROM items WHERE id = ?");
    if (!q.ok()) return db_.error("prepare item");
    q.bind(1, item);
    if (q.step() != SQLITE_ROW) return make_error(ErrorCode::kNotFound, "no item " + std::to_string(item));
    return {};
  }

  Result<void> event(int64_t item, const std::string& actor, const std::string& kind, const std::string& detail) {
    Statement q(db_.handle(), "INSERT INTO item_events(item_id, at, actor, kind, detail) VALUES(?,?,?,?,?)");
    if (!q.ok()) return db_.error("prepare item event");
    q.bind(1, item).bind(2, now_ms()).bind(3, actor).bind(4, kind).bind(5, detail);
    if (q.step() != SQLITE_DONE) return db_.error("item event");
    return {};
  }

  Result<void> in_transaction(const std::function<Result<void>()>& body) {
    std::lock_guard lock(mutex_);
    return db_.in_transaction(body);
  }

  Result<std::vector<CaptureView>> capture_views(const std::string& sql, const std::vector<Bind>& binds) {
    Statement q(db_.handle(), sql);
    if (!q.ok()) return db_.error("prepare captures");
    int n = 1;
    for (const auto& b : binds) {
      if (const auto* i = std::get_if<int64_t>(&b)) q.bind(n++, *i);
      else q.bind(n++, std::get<std::string>(b));
    }
    std::vector<CaptureView> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      CaptureView v;
      v.seq = q.column_int(0);
      if (!v.capture.ParseFromString(q.column_blob(1))) return make_error(ErrorCode::kCorrupt, db_.path() + ": capture " + std::to_string(v.seq) + " is unreadable");
      v.received_at = q.column_int(2);
      v.hostname = q.column_text(3);
      v.item_id = q.column_int(4);
      out.push_back(std::move(v));
    }
    if (rc != SQLITE_DONE) return db_.error("read captures");
    return out;
  }

  Result<std::vector<ExceptionProposal>> proposals_where(const std::string& where, std::optional<int64_t> item) {
    Statement q(db_.handle(), "SELECT id, item_id, rule_id, category, reason, proposed_by, proposed_at, state, decided_by, decided_at "
                              "FROM exception_proposals " + where);
    if (!q.ok()) return db_.error("prepare proposals");
    if (item) q.bind(1, *item);
    std::vector<ExceptionProposal> out;
    while (q.step() == SQLITE_ROW) {
      out.push_back({q.column_int(0), q.column_int(1), q.column_text(2), q.column_text(3), q.column_text(4), q.column_text(5),
                     q.column_int(6), q.column_text(7), q.column_text(8), q.column_int(9)});
    }
    return out;
  }

  Result<std::vector<std::string>> strings(const char* sql) {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), sql);
    if (!q.ok()) return db_.error("prepare list");
    std::vector<std::string> out;
    while (q.step() == SQLITE_ROW) out.push_back(q.column_text(0));
    return out;
  }

  std::mutex mutex_;
  SqliteDb db_;
};

}  // namespace

Result<std::unique_ptr<TriageStore>> open_sqlite_triage_store(const std::filesystem::path& data_dir) {
  auto db = SqliteDb::open((data_dir / "collector.db").string());
  if (!db) return db.error();
  auto store = std::make_unique<SqliteTriageStore>(std::move(*db));
  if (auto r = store->init(); !r) return r.error();
  return std::unique_ptr<TriageStore>(std::move(store));
}

}  // namespace vigil::collector::triage
