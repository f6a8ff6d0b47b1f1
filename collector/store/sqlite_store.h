#pragma once
// The default store: one SQLite file, <data-dir>/collector.db, WAL mode so `captures` can read
// while `serve` writes. Schema in collector/store/SCHEMA.md.

#include <filesystem>
#include <memory>

#include "store/store.h"

namespace vigil::collector {

enum class OpenMode { kReadWrite, kReadOnly };

Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& data_dir, OpenMode mode);

}  // namespace vigil::collector
