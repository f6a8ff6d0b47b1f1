#include "forward/message_transport.h"

namespace vigil::agent {

SendResult MessageTransport::send(uint64_t sequence, const std::vector<OutboxEntry>& batch) {
  v1::AgentMessage message;
  auto* body = message.mutable_batch();
  body->set_sequence(sequence);
  for (const auto& entry : batch) {
    if (entry.sealed) {
      // Sent as sealed on disk: the agent cannot open it, only the collector can.
      auto* sealed = body->add_sealed_captures();
      sealed->set_id(entry.id);
      sealed->set_severity(static_cast<uint32_t>(entry.severity));
      sealed->set_sealed(entry.payload);
      continue;
    }
    if (!body->add_captures()->ParseFromString(entry.payload)) {
      body->mutable_captures()->RemoveLast();
      SendResult bad;
      bad.status = SendStatus::kAck;
      bad.rejected.push_back({entry.id, "outbox payload is not a readable capture"});
      return bad;
    }
  }
  v1::CollectorMessage reply;
  SendResult result = exchange(message, reply);
  if (result.status != SendStatus::kAck) return result;
  if (!reply.has_batch_ack() || reply.batch_ack().sequence() != sequence) {
    result.status = SendStatus::kRetry;
    result.error = "collector answered with something other than this batch's acknowledgement";
    return result;
  }
  for (const auto& id : reply.batch_ack().stored_ids()) result.stored_ids.push_back(id);
  for (const auto& r : reply.batch_ack().rejected()) result.rejected.push_back({r.id(), r.reason()});
  return result;
}

SendResult MessageTransport::send_heartbeat(const v1::Heartbeat& heartbeat) {
  v1::AgentMessage message;
  *message.mutable_heartbeat() = heartbeat;
  v1::CollectorMessage reply;
  SendResult result = exchange(message, reply);
  if (result.status == SendStatus::kAck && !reply.has_heartbeat_ack()) {
    result.status = SendStatus::kRetry;
    result.error = "collector did not acknowledge the heartbeat";
    return result;
  }
  if (result.status == SendStatus::kAck) result.seal_public_key = reply.heartbeat_ack().seal_public_key();
  return result;
}

}  // namespace vigil::agent
