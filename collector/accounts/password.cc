#include "accounts/password.h"

#include <sodium.h>

namespace vigil::collector {
namespace {

// libsodium's interactive limits: ~64 MiB and a fraction of a second per login on a school server.
constexpr unsigned long long kOpsLimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr size_t kMemLimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

}  // namespace

Result<std::string> hash_password(const std::string& password) {
  if (password.size() < kMinPasswordLength) {
    return make_error(ErrorCode::kInvalidArgument, "password: at least " + std::to_string(kMinPasswordLength) + " characters");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return make_error(ErrorCode::kInternal, "password hashing ran out of memory");
  }
  return std::string(out);
}

bool verify_password(const std::string& stored_hash, const std::string& password) {
  return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

void burn_password_check(const std::string& password) {
  static const std::string dummy = [] {
    auto h = hash_password("not-a-real-password-for-timing");
    return h ? *h : std::string();
  }();
  (void)verify_password(dummy, password);
}

std::string generate_password() {
  static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out;
  for (int i = 0; i < 20; ++i) out += kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)];
  return out;
}

}  // namespace vigil::collector
