#pragma once
// Key, certificate and token helpers shared by the agent (device side of enrollment) and the
// collector (its CA). OpenSSL stays behind this header: callers see PEM strings only.

#include <chrono>
#include <string>
#include <string_view>

#include "vigil/result.h"

namespace vigil::pki {

// A new EC P-256 private key, PKCS#8 PEM.
Result<std::string> generate_key_pem();
// A PKCS#10 request for `key_pem`'s public key, signed with it (proof of possession).
Result<std::string> make_csr_pem(const std::string& key_pem, const std::string& common_name);
// SHA-256 of the certificate's DER encoding, lowercase hex: what an enrollment token pins.
Result<std::string> certificate_sha256(const std::string& cert_pem);
// The first certificate's subject common name.
Result<std::string> certificate_common_name(const std::string& cert_pem);
// True if `cert_pem` was signed by `issuer_pem`'s key.
Result<bool> signed_by(const std::string& cert_pem, const std::string& issuer_pem);
// Lowercase hex SHA-256 of arbitrary bytes.
std::string sha256_hex(std::string_view bytes);
std::string random_hex(size_t bytes);

// An enrollment token: "vigil1.<CA SHA-256, 64 hex>.<secret, 32 hex>". The CA hash lets the agent
// verify the collector during enrollment without trusting on first use; the collector keeps only
// the secret's SHA-256.
struct EnrollToken {
  std::string ca_sha256;
  std::string secret;
};
inline constexpr std::string_view kTokenPrefix = "vigil1";
std::string format_token(const EnrollToken& token);
Result<EnrollToken> parse_token(std::string_view text);

// The name every collector server certificate carries and every agent checks, whatever address
// it dials: the CA is private and pinned, so the name only has to be agreed, not resolvable.
inline constexpr std::string_view kCollectorServerName = "vigil-collector";

// School PCs often have wrong clocks (a flat CMOS battery, a VM restored from an old snapshot).
// A certificate must not look "not yet valid" to a slow clock, or the PC would silently stop
// delivering: validity starts this long before issue. Trust comes from the pinned CA, not from
// the dates. Agents subtract it to know when their certificate was really issued.
inline constexpr std::chrono::seconds kCertificateBackdate{5LL * 365 * 24 * 60 * 60};

// The validity window of the first certificate in `cert_pem`, as Unix seconds.
struct Validity {
  int64_t not_before = 0;
  int64_t not_after = 0;
};
Result<Validity> certificate_validity(const std::string& cert_pem);

}  // namespace vigil::pki
