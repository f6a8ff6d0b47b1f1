#pragma once
// A transport that sends one vigil.v1 AgentMessage and gets one CollectorMessage back. Building
// a batch from outbox entries and reading the acknowledgements lives here once, whether the
// exchange happens over gRPC in this process or through the vigil-delivery process.

#include "forward/transport.h"
#include "vigil/v1/ingest.pb.h"

namespace vigil::agent {

class MessageTransport : public Transport {
 public:
  SendResult send(uint64_t sequence, const std::vector<OutboxEntry>& batch) override;
  SendResult send_heartbeat(const v1::Heartbeat& heartbeat) override;
  // kAck once the collector answered with `reply`; kRetry or kReject (with the error) otherwise.
  virtual SendResult exchange(const v1::AgentMessage& message, v1::CollectorMessage& reply) = 0;
};

}  // namespace vigil::agent
