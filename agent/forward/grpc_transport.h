#pragma once
// Sends batches over the vigil.v1.Ingest stream. One short stream per batch, each with its own
// deadline, over one long-lived channel (HTTP/2 connection): a stuck collector costs one deadline,
// never a hung agent.

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "forward/transport.h"
#include "vigil/v1/ingest.grpc.pb.h"

namespace vigil::agent {

struct GrpcTransportConfig {
  std::string target;  // host:port
  std::chrono::milliseconds deadline{30 * 1000};
  std::string tls_server_name;  // with TLS: the name the collector's certificate must carry
};

class GrpcTransport final : public Transport {
 public:
  GrpcTransport(GrpcTransportConfig config, std::shared_ptr<grpc::ChannelCredentials> credentials);
  SendResult send(uint64_t sequence, const std::vector<OutboxEntry>& batch) override;
  SendResult send_heartbeat(const v1::Heartbeat& heartbeat) override;
  // A new channel with new credentials (a renewed device certificate). Same thread as send().
  void set_credentials(std::shared_ptr<grpc::ChannelCredentials> credentials);

 private:
  SendResult exchange(const v1::AgentMessage& message, v1::CollectorMessage& reply);

  GrpcTransportConfig config_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
};

// The one place gRPC status codes become retry decisions.
SendStatus classify(const grpc::Status& status);

}  // namespace vigil::agent
