#pragma once
// Console passwords: argon2id through libsodium's crypto_pwhash_str (salt and parameters are
// inside the stored string, so stronger parameters later still verify old hashes).

#include <string>

#include "vigil/result.h"

namespace vigil::collector {

// Shortest password accepted: a DSL account opens every pupil's disclosures.
inline constexpr size_t kMinPasswordLength = 12;

Result<std::string> hash_password(const std::string& password);
bool verify_password(const std::string& stored_hash, const std::string& password);
// Costs as much as a real verification, so an unknown user name cannot be told by timing.
void burn_password_check(const std::string& password);
// A random password of 20 characters from an alphabet without look-alikes (0/O, 1/l).
std::string generate_password();

}  // namespace vigil::collector
