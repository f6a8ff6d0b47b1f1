#pragma once

#include <filesystem>
#include <memory>

#include "accounts/account_store.h"

namespace vigil::collector {

// Opens (and creates the users table in) <data_dir>/collector.db.
Result<std::unique_ptr<AccountStore>> open_sqlite_account_store(const std::filesystem::path& data_dir);

}  // namespace vigil::collector
