#include "app/users_command.h"

#include <iostream>

#include "accounts/password.h"
#include "accounts/sqlite_account_store.h"
#include "accounts/totp.h"
#include "app/command_error.h"
#include "store/sqlite_store.h"
#include "vigil/cli.h"

namespace vigil::collector {

int users_add(const UsersAddOptions& o) {
  const auto role = parse_role(o.role);
  if (!role) {
    std::cerr << "vigil-collector: --role must be dsl, deputy_dsl, network_manager or governor, not \"" << o.role << "\"\n";
    return kExitUsage;
  }
  if (!valid_username(o.name)) {
    std::cerr << "vigil-collector: user name \"" << o.name << "\": use 1-64 letters, digits, '.', '_' or '-'\n";
    return kExitUsage;
  }
  std::string password;
  const bool generated = !o.password_stdin;
  if (o.password_stdin) {
    if (!std::getline(std::cin, password)) {
      std::cerr << "vigil-collector: --password-stdin: no password on stdin\n";
      return kExitUsage;
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
  } else {
    password = generate_password();
  }
  auto hash = hash_password(password);
  if (!hash) return command_failed(hash.error(), kExitUsage);
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  // The capture store creates collector.db and its schema; accounts live in the same file.
  auto store = open_sqlite_store(o.data_dir, OpenMode::kReadWrite);
  if (!store) return command_failed(store.error());
  auto accounts = open_sqlite_account_store(o.data_dir);
  if (!accounts) return command_failed(accounts.error());
  Account account{o.name, *role, *hash, o.totp ? generate_totp_secret() : std::string()};
  if (auto r = (*accounts)->add(account); !r) return command_failed(r.error(), r.error().code == ErrorCode::kInvalidArgument ? kExitUsage : 1);
  // Printed once and never stored: the collector keeps only the argon2id hash.
  if (generated) std::cout << "password: " << password << "\n";
  if (o.totp) std::cout << "totp: " << totp_uri(account.totp_secret, o.name) << "\n";
  std::cerr << "vigil-collector: user " << o.name << " added with role " << o.role << "\n";
  return 0;
}

}  // namespace vigil::collector
