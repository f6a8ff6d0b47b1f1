#include "forward/delivery_frames.h"

#include <istream>
#include <ostream>

namespace vigil::agent {

std::string frame_of(const google::protobuf::MessageLite& message) {
  const std::string body = message.SerializeAsString();
  const auto n = static_cast<uint32_t>(body.size());
  std::string out{static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff), static_cast<char>((n >> 16) & 0xff),
                  static_cast<char>((n >> 24) & 0xff)};
  return out + body;
}

uint32_t frame_length(const std::string& header) {
  uint32_t n = 0;
  for (int i = 3; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(header[static_cast<size_t>(i)]);
  return n;
}

Result<bool> read_frame(const ReadExact& read, google::protobuf::MessageLite& message) {
  std::string header(4, '\0');
  auto began = read(header);
  if (!began) return began.error();
  if (!*began) return false;
  const uint32_t length = frame_length(header);
  if (length > kMaxDeliveryFrameBytes) {
    return make_error(ErrorCode::kInvalidArgument, "delivery frame: a " + std::to_string(length) + "-byte frame is over the " +
                                                       std::to_string(kMaxDeliveryFrameBytes) + "-byte limit");
  }
  std::string body(length, '\0');
  if (length > 0) {
    auto got = read(body);
    if (!got) return got.error();
    if (!*got) return make_error(ErrorCode::kInvalidArgument, "delivery frame: input ended inside a frame");
  }
  if (!message.ParseFromString(body)) return make_error(ErrorCode::kInvalidArgument, "delivery frame: not a readable " + message.GetTypeName());
  return true;
}

Result<bool> read_frame(std::istream& in, google::protobuf::MessageLite& message) {
  return read_frame(
      [&in](std::string& buffer) -> Result<bool> {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        if (in.gcount() == 0 && in.eof()) return false;
        if (static_cast<size_t>(in.gcount()) != buffer.size()) {
          return make_error(ErrorCode::kInvalidArgument, "delivery frame: input ended inside a frame");
        }
        return true;
      },
      message);
}

Result<void> write_frame(std::ostream& out, const google::protobuf::MessageLite& message) {
  const std::string bytes = frame_of(message);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) return make_error(ErrorCode::kIo, "delivery frame: the agent closed its connection");
  return {};
}

}  // namespace vigil::agent
