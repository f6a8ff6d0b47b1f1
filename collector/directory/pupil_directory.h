#pragma once
// The pupil directory: usernames mapped to names, year groups and forms, imported from the MIS.
// Kept in the triage schema's `pupils` table of collector.db, which the inbox joins on the
// capture's user. A capture whose user is not in the directory is still shown, under its username.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "directory/mis_import.h"
#include "vigil/result.h"
#include "vigil/sqlite_db.h"

namespace vigil::collector {

struct ImportCounts {
  size_t added = 0;
  size_t updated = 0;
  size_t unchanged = 0;
  size_t rejected = 0;
};

class PupilDirectory {
 public:
  // Opens (creating the table if needed) the directory in DIR/collector.db.
  static Result<PupilDirectory> open(const std::filesystem::path& data_dir);

  // Adds or updates every pupil in one transaction; pupils not in the file are kept (a partial
  // export must not wipe the directory). `rejected` is counted, not stored.
  Result<ImportCounts> import(const MisImport& import);

  // The pupil whose login is exactly `login` (as the console matches captures to pupils).
  Result<std::optional<PupilRecord>> find(const std::string& login);

  Result<std::vector<PupilRecord>> all();

 private:
  explicit PupilDirectory(SqliteDb db) : db_(std::move(db)) {}
  SqliteDb db_;
};

// Reads FILE, parses and imports it: what `vigil-collector pupils import` and the console's
// upload both do.
struct ImportReport {
  ImportCounts counts;
  std::vector<std::string> rejected;
};
Result<ImportReport> import_pupil_csv(PupilDirectory& directory, std::string_view text, const std::string& name);

}  // namespace vigil::collector
