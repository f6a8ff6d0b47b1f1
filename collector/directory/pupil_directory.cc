#include "directory/pupil_directory.h"

#include <cctype>

namespace vigil::collector {
namespace {

std::string key_of(std::string_view login) {
  std::string out(login);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<PupilDirectory> PupilDirectory::open(const std::filesystem::path& data_dir) {
  auto db = SqliteDb::open((data_dir / "collector.db").string());
  if (!db) return db.error();
  if (auto r = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !r) return r.error();
  if (auto r = db->exec(R"sql(
      CREATE TABLE IF NOT EXISTS pupil_directory(
        username_key TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        display_name TEXT NOT NULL,
        year_group TEXT NOT NULL,
        form TEXT NOT NULL,
        updated_at INTEGER NOT NULL))sql");
      !r) {
    return r.error();
  }
  return PupilDirectory(std::move(*db));
}

Result<ImportCounts> PupilDirectory::import(const MisImport& import) {
  ImportCounts counts;
  counts.rejected = import.rejected.size();
  if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return r.error();
  const auto fail = [&](std::string_view what) {
    Error e = db_.error(what);
    (void)db_.exec("ROLLBACK");
    return e;
  };
  Statement select(db_.handle(), "SELECT username, display_name, year_group, form FROM pupil_directory WHERE username_key = ?");
  Statement upsert(db_.handle(),
                   "INSERT INTO pupil_directory(username_key, username, display_name, year_group, form, updated_at) VALUES(?,?,?,?,?,?) "
                   "ON CONFLICT(username_key) DO UPDATE SET username=excluded.username, display_name=excluded.display_name, "
                   "year_group=excluded.year_group, form=excluded.form, updated_at=excluded.updated_at");
  if (!select.ok() || !upsert.ok()) return fail("preparing the pupil import");
  const int64_t now = now_ms();
  for (const auto& p : import.pupils) {
    select.reset();
    select.bind(1, key_of(p.username));
    const int rc = select.step();
    if (rc == SQLITE_ROW) {
      if (select.column_text(0) == p.username && select.column_text(1) == p.display_name && select.column_text(2) == p.year_group &&
          select.column_text(3) == p.form) {
        ++counts.unchanged;
        continue;
      }
      ++counts.updated;
    } else if (rc == SQLITE_DONE) {
      ++counts.added;
    } else {
      return fail("reading the pupil directory");
    }
    upsert.reset();
    upsert.bind(1, key_of(p.username)).bind(2, p.username).bind(3, p.display_name).bind(4, p.year_group).bind(5, p.form).bind(6, now);
    if (upsert.step() != SQLITE_DONE) return fail("writing the pupil directory");
  }
  if (auto r = db_.exec("COMMIT"); !r) {
    (void)db_.exec("ROLLBACK");
    return r.error();
  }
  return counts;
}

Result<std::optional<PupilRecord>> PupilDirectory::find(const std::string& login) {
  std::vector<std::string> keys = {key_of(login)};
  if (const auto slash = login.rfind('\\'); slash != std::string::npos) keys.push_back(key_of(login.substr(slash + 1)));
  if (const auto at = login.find('@'); at != std::string::npos) keys.push_back(key_of(login.substr(0, at)));
  Statement select(db_.handle(), "SELECT username, display_name, year_group, form FROM pupil_directory WHERE username_key = ?");
  if (!select.ok()) return db_.error("reading the pupil directory");
  for (const auto& key : keys) {
    select.reset();
    select.bind(1, key);
    const int rc = select.step();
    if (rc == SQLITE_ROW) return std::optional<PupilRecord>(PupilRecord{select.column_text(0), select.column_text(1), select.column_text(2), select.column_text(3)});
    if (rc != SQLITE_DONE) return db_.error("reading the pupil directory");
  }
  return std::optional<PupilRecord>();
}

Result<std::vector<PupilRecord>> PupilDirectory::all() {
  Statement select(db_.handle(), "SELECT username, display_name, year_group, form FROM pupil_directory ORDER BY username_key");
  if (!select.ok()) return db_.error("reading the pupil directory");
  std::vector<PupilRecord> out;
  int rc = 0;
  while ((rc = select.step()) == SQLITE_ROW) out.push_back({select.column_text(0), select.column_text(1), select.column_text(2), select.column_text(3)});
  if (rc != SQLITE_DONE) return db_.error("reading the pupil directory");
  return out;
}

Result<ImportReport> import_pupil_csv(PupilDirectory& directory, std::string_view text, const std::string& name) {
  auto parsed = parse_mis_csv(text, name);
  if (!parsed) return parsed.error();
  auto counts = directory.import(*parsed);
  if (!counts) return counts.error();
  return ImportReport{*counts, std::move(parsed->rejected)};
}

}  // namespace vigil::collector
