#pragma once
// `vigil-collector users add NAME --role ROLE [--data-dir DIR] [--password-stdin] [--totp]`.

#include <string>

namespace vigil::collector {

struct UsersAddOptions {
  std::string name;
  std::string role;
  std::string data_dir;
  bool password_stdin = false;  // read the password from the first line of stdin instead of generating one
  bool totp = false;            // also create an authenticator (TOTP) secret and print its otpauth:// URI
};

// Returns the process exit status.
int users_add(const UsersAddOptions& options);

}  // namespace vigil::collector
