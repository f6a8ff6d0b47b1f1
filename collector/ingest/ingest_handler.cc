#include "ingest/ingest_handler.h"

#include <google/protobuf/util/time_util.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <deque>

#include "ingest/capture_validation.h"

namespace vigil::collector {

std::string IngestHandler::open_category(const std::string& sealed) const {
  // Categories are short rule-pack names; anything else is not trusted as one.
  constexpr size_t kMaxCategoryBytes = 64;
  if (!keys_ || sealed.size() <= crypto_box_SEALBYTES || sealed.size() > crypto_box_SEALBYTES + kMaxCategoryBytes) return {};
  std::string plain(sealed.size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()), reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                           reinterpret_cast<const unsigned char*>(keys_->public_key.data()),
                           reinterpret_cast<const unsigned char*>(keys_->secret_key.data())) != 0) {
    return {};
  }
  return plain;
}

std::optional<std::string> IngestHandler::unseal(const v1::SealedCapture& sealed, v1::Capture& out) const {
  if (!keys_) return "sealed capture, but this collector has no sealing key";
  if (sealed.sealed().size() <= crypto_box_SEALBYTES || sealed.sealed().size() > kMaxSealedBytes) {
    return "sealed: " + std::to_string(sealed.sealed().size()) + " bytes is not a sealed capture";
  }
  std::string plain(sealed.sealed().size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()), reinterpret_cast<const unsigned char*>(sealed.sealed().data()),
                           sealed.sealed().size(), reinterpret_cast<const unsigned char*>(keys_->public_key.data()),
                           reinterpret_cast<const unsigned char*>(keys_->secret_key.data())) != 0) {
    return "sealed: does not open with this collector's key (sealed to another collector, or damaged)";
  }
  if (!out.ParseFromString(plain)) return "sealed: the opened bytes are not a Capture";
  // The clear id drives acks and de-duplication: it must be the sealed one.
  if (out.id() != sealed.id()) return "sealed: the id outside does not match the id inside";
  return std::nullopt;
}

Result<v1::CollectorMessage> IngestHandler::handle(const v1::AgentMessage& message, const std::string& peer,
                                                   const std::string& device_identity) {
  v1::CollectorMessage reply;
  switch (message.body_case()) {
    case v1::AgentMessage::kBatch: {
      const auto& batch = message.batch();
      auto* ack = reply.mutable_batch_ack();
      ack->set_sequence(batch.sequence());
      std::deque<v1::Capture> opened;  // stable addresses for `valid`
      std::vector<const v1::Capture*> valid;
      const auto refuse = [&](const std::string& id, const std::string& reason) {
        auto* r = ack->add_rejected();
        r->set_id(id);
        r->set_reason(reason);
        spdlog::warn("refused a capture from {}: {}", peer, reason);
      };
      const auto accept = [&](v1::Capture capture) {
        if (!device_identity.empty()) capture.set_device_id(device_identity);  // the certificate, not the payload, names the device
        if (auto reason = invalid_reason(capture)) return refuse(capture.id(), *reason);
        opened.push_back(std::move(capture));
        valid.push_back(&opened.back());
      };
      for (const auto& c : batch.captures()) accept(c);
      for (const auto& s : batch.sealed_captures()) {
        v1::Capture capture;
        if (auto reason = unseal(s, capture)) {
          refuse(s.id(), *reason);
          continue;
        }
        accept(std::move(capture));
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
      v1::Heartbeat heartbeat = message.heartbeat();
      if (!device_identity.empty()) heartbeat.set_device_id(device_identity);
      if (heartbeat.device_id().empty()) return make_error(ErrorCode::kInvalidArgument, "heartbeat without device_id");
      if (heartbeat.evictions_size() > static_cast<int>(kMaxEvictionsPerHeartbeat)) {
        return make_error(ErrorCode::kInvalidArgument, "heartbeat: more than " + std::to_string(kMaxEvictionsPerHeartbeat) + " evictions");
      }
      std::vector<EvictionRecord> evictions;
      const auto now = std::chrono::system_clock::now();
      const auto when = [](const google::protobuf::Timestamp& t) {
        return std::chrono::system_clock::time_point(std::chrono::milliseconds(google::protobuf::util::TimeUtil::TimestampToMilliseconds(t)));
      };
      for (const auto& e : heartbeat.evictions()) {
        if (e.id().size() != 16) return make_error(ErrorCode::kInvalidArgument, "heartbeat: eviction id must be 16 bytes");
        evictions.push_back({heartbeat.device_id(), e.id(), static_cast<int>(std::min<uint32_t>(e.severity(), 5)),
                             open_category(e.sealed_category()), when(e.created_at()), when(e.evicted_at()), now});
      }
      // Recorded before the ack: the agent forgets an eviction only once the collector has it.
      if (!evictions.empty()) {
        if (auto r = store_.record_evictions(evictions); !r) return r.error();
        spdlog::info("device {} reported {} evicted captures", heartbeat.device_id(), evictions.size());
      }
      if (auto r = store_.record_heartbeat(heartbeat, peer); !r) return r.error();
      auto* ack = reply.mutable_heartbeat_ack();
      *ack->mutable_received_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
      if (keys_) ack->set_seal_public_key(keys_->public_key);
      return reply;
    }
    case v1::AgentMessage::BODY_NOT_SET:
      break;
  }
  return make_error(ErrorCode::kInvalidArgument, "empty agent message");
}

}  // namespace vigil::collector
