#include "accounts/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <optional>
#include <vector>

namespace vigil::collector {
namespace {

constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr int64_t kStepSeconds = 30;
constexpr int kDriftSteps = 1;

std::optional<std::vector<unsigned char>> base32_decode(const std::string& text) {
  std::vector<unsigned char> out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const char* p = std::char_traits<char>::find(kBase32, 32, c);
    if (!p) return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(p - kBase32);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<unsigned char>((buffer >> bits) & 0xff));
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::string code_for_step(const std::vector<unsigned char>& key, int64_t step) {
  unsigned char counter[8];
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<unsigned char>(step & 0xff);
    step >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), counter, sizeof counter, mac, &mac_len);
  const int offset = mac[mac_len - 1] & 0x0f;
  const uint32_t value = ((mac[offset] & 0x7fu) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  std::string code = std::to_string(value % 1000000);
  return std::string(6 - code.size(), '0') + code;
}

int64_t step_at(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() / kStepSeconds;
}

}  // namespace

std::string generate_totp_secret() {
  unsigned char bytes[20];
  randombytes_buf(bytes, sizeof bytes);
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kBase32[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += kBase32[(buffer << (5 - bits)) & 31];
  return out;
}

std::string totp_code(const std::string& secret_base32, std::chrono::system_clock::time_point at) {
  auto key = base32_decode(secret_base32);
  if (!key) return {};
  return code_for_step(*key, step_at(at));
}

bool verify_totp(const std::string& secret_base32, const std::string& code, std::chrono::system_clock::time_point now) {
  auto key = base32_decode(secret_base32);
  if (!key || code.size() != 6) return false;
  const int64_t step = step_at(now);
  bool match = false;
  for (int64_t d = -kDriftSteps; d <= kDriftSteps; ++d) {
    const std::string expected = code_for_step(*key, step + d);
    match |= sodium_memcmp(expected.data(), code.data(), 6) == 0;
  }
  return match;
}

std::string totp_uri(const std::string& secret_base32, const std::string& username) {
  return "otpauth://totp/Vigil:" + username + "?secret=" + secret_base32 + "&issuer=Vigil&algorithm=SHA1&digits=6&period=30";
}

}  // namespace vigil::collector
