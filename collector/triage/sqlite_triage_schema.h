#pragma once

#include "vigil/sqlite_db.h"

namespace vigil::collector::triage {

// Creates or upgrades the triage tables in a database that already holds `captures`.
Result<void> migrate_triage_schema(SqliteDb& db);

}  // namespace vigil::collector::triage
