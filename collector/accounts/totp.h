#pragma once
// Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits), the optional second
// factor for DSL accounts; any authenticator app reads the otpauth:// URI.

#include <chrono>
#include <cstdint>
#include <string>

namespace vigil::collector {

// 20 random bytes, base32 (RFC 4648, no padding).
std::string generate_totp_secret();
// The 6-digit code for `secret_base32` at `at`; empty if the secret is not valid base32.
std::string totp_code(const std::string& secret_base32, std::chrono::system_clock::time_point at);
// Accepts the current step and one either side (clock drift between phone and server).
bool verify_totp(const std::string& secret_base32, const std::string& code, std::chrono::system_clock::time_point now);
std::string totp_uri(const std::string& secret_base32, const std::string& username);

}  // namespace vigil::collector
