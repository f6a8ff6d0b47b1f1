#pragma once
// The SQLite triage store: tables next to the captures in <data-dir>/collector.db (schema in
// collector/triage/SCHEMA.md). Open it after the capture store has created collector.db.

#include <filesystem>
#include <memory>

#include "triage/triage_store.h"

namespace vigil::collector::triage {

Result<std::unique_ptr<TriageStore>> open_sqlite_triage_store(const std::filesystem::path& data_dir);

}  // namespace vigil::collector::triage
