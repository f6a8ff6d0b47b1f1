#include "ingest/ingest_handler.h"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

#include "ingest/capture_validation.h"

namespace vigil::collector {

Result<v1::CollectorMessage> IngestHandler::handle(const v1::AgentMessage& message, const std::string& peer) {
  v1::CollectorMessage reply;
  switch (message.body_case()) {
    case v1::AgentMessage::kBatch: {
      const auto& batch = message.batch();
      auto* ack = reply.mutable_batch_ack();
      ack->set_sequence(batch.sequence());
      std::vector<const v1::Capture*> valid;
      for (const auto& c : batch.captures()) {
        if (auto reason = invalid_reason(c)) {
          auto* r = ack->add_rejected();
          r->set_id(c.id());
          r->set_reason(*reason);
          spdlog::warn("refused a capture from {}: {}", peer, *reason);
          continue;
        }
        valid.push_back(&c);
      }
      if (!valid.empty()) {
        auto outcome = store_.put_captures(valid);
        if (!outcome) return outcome.error();
        for (const auto& id : outcome->stored_ids) ack->add_stored_ids(id);
        spdlog::info("stored {} new captures ({} re-sent) from {}", outcome->inserted, valid.size() - outcome->inserted, peer);
      }
      return reply;
    }
    case v1::AgentMessage::kHeartbeat: {
      if (message.heartbeat().device_id().empty()) return make_error(ErrorCode::kInvalidArgument, "heartbeat without device_id");
      if (auto r = store_.record_heartbeat(message.heartbeat(), peer); !r) return r.error();
      *reply.mutable_heartbeat_ack()->mutable_received_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
      return reply;
    }
    case v1::AgentMessage::BODY_NOT_SET:
      break;
  }
  return make_error(ErrorCode::kInvalidArgument, "empty agent message");
}

}  // namespace vigil::collector
