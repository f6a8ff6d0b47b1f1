#include "directory/pupil_directory.h"

#include "triage/sqlite_triage_schema.h"

namespace vigil::collector {

Result<PupilDirectory> PupilDirectory::open(const std::filesystem::path& data_dir) {
  auto db = SqliteDb::open((data_dir / "collector.db").string());
  if (!db) return db.error();
  if (auto r = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !r) return r.error();
  // The pupils table belongs to the triage schema (the inbox joins it); create it if this is a
  // fresh data directory.
  if (auto r = triage::migrate_triage_schema(*db); !r) return r.error();
  return PupilDirectory(std::move(*db));
}

Result<ImportCounts> PupilDirectory::import(const MisImport& import) {
  ImportCounts counts;
  counts.rejected = import.rejected.size();
  // One transaction: a failure part way leaves the directory as it was, never half imported.
  auto r = db_.in_transaction([&]() -> Result<void> {
    Statement select(db_.handle(), "SELECT username, name, year_group, form FROM pupils WHERE username = ?");
    Statement upsert(db_.handle(), "INSERT INTO pupils(username, name, year_group, form) VALUES(?,?,?,?) ON CONFLICT(username) DO UPDATE SET "
                                   "name = excluded.name, year_group = excluded.year_group, form = excluded.form");
    if (!select.ok() || !upsert.ok()) return db_.error("preparing the pupil import");
    for (const auto& p : import.pupils) {
      select.reset();
      select.bind(1, p.username);
      const int rc = select.step();
      if (rc == SQLITE_ROW) {
        if (select.column_text(1) == p.display_name && select.column_text(2) == p.year_group &&
            select.column_text(3) == p.form) {
          ++counts.unchanged;
          continue;
        }
        ++counts.updated;
      } else if (rc == SQLITE_DONE) {
        ++counts.added;
      } else {
        return db_.error("reading the pupil directory");
      }
      upsert.reset();
      upsert.bind(1, p.username).bind(2, p.display_name).bind(3, p.year_group).bind(4, p.form);
      if (upsert.step() != SQLITE_DONE) return db_.error("writing the pupil directory");
    }
    return {};
  });
  if (!r) return r.error();
  return counts;
}

Result<std::optional<PupilRecord>> PupilDirectory::find(const std::string& login) {
  Statement select(db_.handle(), "SELECT username, name, year_group, form FROM pupils WHERE username = ?");
  if (!select.ok()) return db_.error("reading the pupil directory");
  select.bind(1, login);
  const int rc = select.step();
  if (rc == SQLITE_ROW) return std::optional<PupilRecord>(PupilRecord{select.column_text(0), select.column_text(1), select.column_text(2), select.column_text(3)});
  if (rc != SQLITE_DONE) return db_.error("reading the pupil directory");
  return std::optional<PupilRecord>();
}

Result<std::vector<PupilRecord>> PupilDirectory::all() {
  Statement select(db_.handle(), "SELECT username, name, year_group, form FROM pupils ORDER BY username");
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
