#include "vigil/sqlite_db.h"

#include <chrono>

namespace vigil {

// Another process (a `captures` reader, a second agent on the same dir) may hold the lock briefly.
constexpr std::chrono::milliseconds kBusyTimeout{5000};

namespace {

ErrorCode error_kind(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::kCorrupt;
    case SQLITE_FULL:
      return ErrorCode::kNoSpace;  // transient: callers hold their data and retry
    default:
      return ErrorCode::kIo;
  }
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
}
Statement::~Statement() { sqlite3_finalize(stmt_); }
Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_blob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}
int Statement::step() { return sqlite3_step(stmt_); }
void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}
int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }
std::string Statement::column_text(int index) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, index))) : std::string();
}
std::string Statement::column_blob(int index) const {
  const void* p = sqlite3_column_blob(stmt_, index);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, index))) : std::string();
}

Result<SqliteDb> SqliteDb::open(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  const int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string message = path + ": " + (db ? sqlite3_errmsg(db) : "cannot open database");
    sqlite3_close(db);
    return make_error(ErrorCode::kIo, message);
  }
  sqlite3_busy_timeout(db, static_cast<int>(kBusyTimeout.count()));
  sqlite3_extended_result_codes(db, 1);
  return SqliteDb(db, path);
}

SqliteDb::SqliteDb(SqliteDb&& other) noexcept : db_(other.db_), path_(std::move(other.path_)) { other.db_ = nullptr; }
SqliteDb& SqliteDb::operator=(SqliteDb&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    db_ = other.db_;
    path_ = std::move(other.path_);
    other.db_ = nullptr;
  }
  return *this;
}
SqliteDb::~SqliteDb() { sqlite3_close(db_); }

Result<void> SqliteDb::exec(std::string_view sql) {
  char* message = nullptr;
  if (const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message); rc != SQLITE_OK) {
    std::string text = path_ + ": " + (message ? message : "sqlite error");
    sqlite3_free(message);
    return make_error(error_kind(rc), text);
  }
  return {};
}

Result<void> SqliteDb::in_transaction(const std::function<Result<void>()>& body) {
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
  auto r = body();
  if (!r) {
    (void)exec("ROLLBACK");
    return r;
  }
  if (auto c = exec("COMMIT"); !c) {
    (void)exec("ROLLBACK");
    return c;
  }
  return {};
}

Error SqliteDb::error(std::string_view what) const {
  const int code = sqlite3_extended_errcode(db_);
  return make_error(error_kind(code), path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_));
}

}  // namespace vigil
