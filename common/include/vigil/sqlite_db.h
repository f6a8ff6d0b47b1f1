#pragma once
// A thin RAII handle over sqlite3 shared by the agent outbox and the collector store: statements are prepared per call site and
// every failure carries SQLite's own message and the database path.

#include <sqlite3.h>

#include <functional>
#include <string>
#include <string_view>

#include "vigil/result.h"

namespace vigil {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);
  int step();  // SQLITE_ROW, SQLITE_DONE or an error code
  void reset();
  int64_t column_int(int index) const;
  std::string column_text(int index) const;
  std::string column_blob(int index) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  static Result<SqliteDb> open(const std::string& path, bool read_only = false);
  SqliteDb(SqliteDb&&) noexcept;
  SqliteDb& operator=(SqliteDb&&) noexcept;
  ~SqliteDb();

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  Result<void> exec(std::string_view sql);
  Error error(std::string_view what) const;
  // Runs `body` in one write transaction (BEGIN IMMEDIATE): committed when it succeeds, rolled
  // back when it or the commit fails. Callers serialise their own threads.
  Result<void> in_transaction(const std::function<Result<void>()>& body);

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace vigil
