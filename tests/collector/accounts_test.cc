#include <doctest/doctest.h>
#include <sodium.h>

#include <chrono>

#include "accounts/password.h"
#include "accounts/roles.h"
#include "accounts/totp.h"
#include "console/login_limiter.h"

using namespace vigil::collector;

TEST_CASE("passwords are argon2id hashes that verify only the right password") {
  REQUIRE(sodium_init() >= 0);
  auto hash = hash_password("correct horse battery");
  REQUIRE(hash.ok());
  CHECK(hash->rfind("$argon2id$", 0) == 0);
  CHECK(verify_password(*hash, "correct horse battery"));
  CHECK_FALSE(verify_password(*hash, "correct horse batterY"));
  auto short_one = hash_password("short");
  REQUIRE_FALSE(short_one.ok());
  CHECK(short_one.error().message.find("12 characters") != std::string::npos);
  CHECK(generate_password().size() == 20);
  CHECK(generate_password() != generate_password());
}

TEST_CASE("TOTP matches the RFC 6238 SHA-1 vectors") {
  // RFC 6238 appendix B secret "12345678901234567890" in base32; codes are the last 6 digits.
  const std::string secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  using std::chrono::seconds;
  const auto at = [](int64_t s) { return std::chrono::system_clock::time_point(seconds(s)); };
  CHECK(totp_code(secret, at(59)) == "287082");
  CHECK(totp_code(secret, at(1111111109)) == "081804");
  CHECK(totp_code(secret, at(1234567890)) == "005924");
  CHECK(verify_totp(secret, "081804", at(1111111109 + 30)));   // one step of drift
  CHECK_FALSE(verify_totp(secret, "081804", at(1111111109 + 95)));
  CHECK_FALSE(verify_totp(secret, "08180", at(1111111109)));
  CHECK(totp_code("not base32!", at(59)).empty());
  CHECK(generate_totp_secret().size() == 32);
}

TEST_CASE("roles parse by name and only DSL roles see content") {
  CHECK(parse_role("deputy_dsl") == Role::kDeputyDsl);
  CHECK_FALSE(parse_role("admin"));
  CHECK(sees_content(Role::kDsl));
  CHECK(sees_content(Role::kDeputyDsl));
  CHECK_FALSE(sees_content(Role::kNetworkManager));
  CHECK_FALSE(sees_content(Role::kGovernor));
}

TEST_CASE("sign-in limiter: five failures lock the user name for the window, a success clears it") {
  console::LoginLimiter limiter;
  const auto t0 = console::LoginLimiter::Clock::now();
  for (int i = 0; i < console::LoginLimiter::kMaxFailures; ++i) {
    CHECK(limiter.retry_after("dsl1", "10.0.0.1", t0) == 0);
    limiter.failed("dsl1", "10.0.0.1", t0);
  }
  CHECK(limiter.retry_after("dsl1", "10.0.0.2", t0) > 0);  // another address does not help
  CHECK(limiter.retry_after("dsl2", "10.0.0.1", t0) == 0);  // another user from the same place may try
  CHECK(limiter.retry_after("dsl1", "10.0.0.1", t0 + console::LoginLimiter::kWindow) == 0);
  limiter.succeeded("dsl1");
  CHECK(limiter.retry_after("dsl1", "10.0.0.1", t0) == 0);
  // One address guessing many names is stopped too.
  for (int i = 0; i < console::LoginLimiter::kMaxAddressFailures; ++i) limiter.failed("user" + std::to_string(i), "10.9.9.9", t0);
  CHECK(limiter.retry_after("someone-new", "10.9.9.9", t0) > 0);
}
