#pragma once
// Console users. SQLite by default (same collector.db); PostgreSQL implements the same interface.

#include <optional>
#include <string>
#include <vector>

#include "accounts/roles.h"
#include "vigil/result.h"

namespace vigil::collector {

struct Account {
  std::string username;
  Role role = Role::kGovernor;
  std::string password_hash;  // crypto_pwhash_str (argon2id), never the password
  std::string totp_secret;    // base32; empty when the user has no second factor
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // kInvalidArgument when the name is taken or not a valid user name.
  virtual Result<void> add(const Account& account) = 0;
  virtual Result<std::optional<Account>> find(const std::string& username) = 0;
  virtual Result<std::vector<Account>> list() = 0;
};

// Letters, digits, '.', '_', '-'; 1..64 characters. Names appear in the audit log and URLs.
bool valid_username(const std::string& name);

}  // namespace vigil::collector
