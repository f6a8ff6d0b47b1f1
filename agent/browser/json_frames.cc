#include "browser/json_frames.h"

#include <bit>
#include <cstring>

namespace vigil::agent {

std::string encode_json_frame(const nlohmann::json& message, FrameOrder order) {
  // Invalid UTF-8 is replaced rather than aborting: a page title is attacker-controlled.
  const std::string payload = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const auto n = static_cast<uint32_t>(payload.size());
  std::string frame(4, '\0');
  if (order == FrameOrder::kNative) {
    std::memcpy(frame.data(), &n, 4);
  } else {
    frame = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
  }
  return frame + payload;
}

Result<std::optional<nlohmann::json>> JsonFrameDecoder::next() {
  if (buffer_.size() < 4) return std::optional<nlohmann::json>{};
  uint32_t n = 0;
  if (order_ == FrameOrder::kNative) {
    std::memcpy(&n, buffer_.data(), 4);
  } else {
    const auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(buffer_[i])); };
    n = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
  }
  if (n == 0 || n > max_bytes_) {
    return make_error(ErrorCode::kInvalidArgument, "frame length " + std::to_string(n) + " is outside 1.." + std::to_string(max_bytes_));
  }
  if (buffer_.size() < 4 + static_cast<size_t>(n)) return std::optional<nlohmann::json>{};
  nlohmann::json j = nlohmann::json::parse(buffer_.begin() + 4, buffer_.begin() + 4 + n, nullptr, false);
  buffer_.erase(0, 4 + static_cast<size_t>(n));
  if (j.is_discarded()) return make_error(ErrorCode::kInvalidArgument, "frame of " + std::to_string(n) + " bytes is not valid UTF-8 JSON");
  return std::optional<nlohmann::json>(std::move(j));
}

}  // namespace vigil::agent
