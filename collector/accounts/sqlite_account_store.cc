#include "accounts/sqlite_account_store.h"

#include <chrono>
#include <mutex>

#include "vigil/sqlite_db.h"

namespace vigil::collector {

bool valid_username(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

namespace {

class SqliteAccountStore final : public AccountStore {
 public:
  explicit SqliteAccountStore(SqliteDb db) : db_(std::move(db)) {}

  Result<void> init() {
    return db_.exec(R"sql(
      PRAGMA journal_mode=WAL;
      CREATE TABLE IF NOT EXISTS console_users(
        username TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        totp_secret TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL);)sql");
  }

  Result<void> add(const Account& a) override {
    if (!valid_username(a.username)) {
      return make_error(ErrorCode::kInvalidArgument, "user name \"" + a.username + "\": use 1-64 letters, digits, '.', '_' or '-'");
    }
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "INSERT INTO console_users(username, role, password_hash, totp_secret, created_at) VALUES(?,?,?,?,?)");
    if (!q.ok()) return db_.error("prepare add user");
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    q.bind(1, a.username).bind(2, role_name(a.role)).bind(3, a.password_hash).bind(4, a.totp_secret).bind(5, static_cast<int64_t>(now));
    const int rc = q.step();
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return make_error(ErrorCode::kInvalidArgument, "user \"" + a.username + "\" already exists");
    if (rc != SQLITE_DONE) return db_.error("add user");
    return {};
  }

  Result<std::optional<Account>> find(const std::string& username) override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "SELECT username, role, password_hash, totp_secret FROM console_users WHERE username = ?");
    if (!q.ok()) return db_.error("prepare find user");
    q.bind(1, username);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<Account>();
    if (rc != SQLITE_ROW) return db_.error("find user");
    return std::optional<Account>(row(q));
  }

  Result<std::vector<Account>> list() override {
    std::lock_guard lock(mutex_);
    Statement q(db_.handle(), "SELECT username, role, password_hash, totp_secret FROM console_users ORDER BY username");
    if (!q.ok()) return db_.error("prepare list users");
    std::vector<Account> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(row(q));
    if (rc != SQLITE_DONE) return db_.error("list users");
    return out;
  }

 private:
  static Account row(const Statement& q) {
    Account a;
    a.username = q.column_text(0);
    // An unknown role (written by a newer collector) gets the least privilege.
    a.role = parse_role(q.column_text(1)).value_or(Role::kGovernor);
    a.password_hash = q.column_text(2);
    a.totp_secret = q.column_text(3);
    return a;
  }

  std::mutex mutex_;
  SqliteDb db_;
};

}  // namespace

Result<std::unique_ptr<AccountStore>> open_sqlite_account_store(const std::filesystem::path& data_dir) {
  auto db = SqliteDb::open((data_dir / "collector.db").string());
  if (!db) return db.error();
  auto store = std::make_unique<SqliteAccountStore>(std::move(*db));
  if (auto r = store->init(); !r) return r.error();
  return std::unique_ptr<AccountStore>(std::move(store));
}

}  // namespace vigil::collector
