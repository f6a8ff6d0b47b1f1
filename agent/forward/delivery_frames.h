#pragma once
// The frames between vigil-agent and vigil-delivery (proto/vigil/v1/delivery.proto): a 4-byte
// little-endian length, then one serialised message.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

#include <google/protobuf/message_lite.h>

#include "vigil/result.h"

namespace vigil::agent {

// A batch is bounded well under 4 MiB (ForwarderConfig::max_batch_bytes and gRPC's message limit):
// a length beyond this is a broken peer, not a big batch.
constexpr uint32_t kMaxDeliveryFrameBytes = 16u << 20;

std::string frame_of(const google::protobuf::MessageLite& message);
uint32_t frame_length(const std::string& header);  // the 4 header bytes

// Fills `buffer` (its size is how many bytes); false when the input ended before its first byte.
using ReadExact = std::function<Result<bool>(std::string& buffer)>;

// One frame into `message`, read through `read`; false at a clean end of input (before a frame).
Result<bool> read_frame(const ReadExact& read, google::protobuf::MessageLite& message);
// The same from a blocking stream: the delivery process's standard input.
Result<bool> read_frame(std::istream& in, google::protobuf::MessageLite& message);
Result<void> write_frame(std::ostream& out, const google::protobuf::MessageLite& message);

}  // namespace vigil::agent
