#pragma once
// 128-bit capture ids. UUIDv7 (RFC 9562): a millisecond timestamp then random bits, so ids are
// unique without coordination and sort roughly by creation time in the stores' indexes.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

using Uuid = std::array<uint8_t, 16>;

// `random` must be 10 bytes from a cryptographic source (callers use libsodium's randombytes_buf).
inline Uuid make_uuid_v7(std::chrono::system_clock::time_point now, const std::array<uint8_t, 10>& random) {
  const auto ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  Uuid u{};
  for (int i = 0; i < 6; ++i) u[static_cast<size_t>(i)] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  for (size_t i = 0; i < 10; ++i) u[6 + i] = random[i];
  u[6] = static_cast<uint8_t>(0x70 | (u[6] & 0x0f));  // version 7
  u[8] = static_cast<uint8_t>(0x80 | (u[8] & 0x3f));  // RFC 4122 variant
  return u;
}

inline std::string uuid_to_string(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    const auto b = static_cast<uint8_t>(bytes[i]);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

inline std::optional<std::string> uuid_from_string(std::string_view text) {
  std::string out;
  int high = -1;
  for (char c : text) {
    if (c == '-') continue;
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return std::nullopt;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<char>(high << 4 | v));
      high = -1;
    }
  }
  if (out.size() != 16 || high >= 0) return std::nullopt;
  return out;
}

}  // namespace vigil
