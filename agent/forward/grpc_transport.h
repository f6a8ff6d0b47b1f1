#pragma once
// Exchanges messages over the vigil.v1.Ingest stream; runs in vigil-delivery (see
// forward/delivery_process.h). One short stream per message, each with its own deadline, over one
// channel (HTTP/2 connection) opened at the first message: a stuck collector costs one deadline,
// never a hung agent.

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "forward/message_transport.h"
#include "vigil/v1/ingest.grpc.pb.h"

namespace vigil::agent {

struct GrpcTransportConfig {
  std::string target;  // host:port
  std::chrono::milliseconds deadline{30 * 1000};
  std::string tls_server_name;  // with TLS: the name the collector's certificate must carry
};

class GrpcTransport final : public MessageTransport {
 public:
  GrpcTransport(GrpcTransportConfig config, std::shared_ptr<grpc::ChannelCredentials> credentials);
  SendResult exchange(const v1::AgentMessage& message, v1::CollectorMessage& reply) override;
  void release_connection() override;
  // Credentials for the next channel (a renewed device certificate); the open one is closed.
  // Same thread as send().
  void set_credentials(std::shared_ptr<grpc::ChannelCredentials> credentials);

 private:
  void open_channel();

  GrpcTransportConfig config_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
};

// The one place gRPC status codes become retry decisions.
SendStatus classify(const grpc::Status& status);

}  // namespace vigil::agent
