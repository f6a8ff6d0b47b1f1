#include "forward/grpc_transport.h"

namespace vigil::agent {
namespace {

// gRPC's own reconnect backoff would otherwise grow to two minutes behind ours; keep the channel
// quick to reconnect and let the Forwarder's jittered backoff pace the retries.
constexpr int kMinReconnectMs = 500;
constexpr int kMaxReconnectMs = 2000;
// The synchronous API only makes progress on a connection while some call polls it; a fail-fast
// RPC on a channel in backoff returns at once and nobody polls, so a TLS handshake (several round
// trips) could never finish. Waiting this long for the channel drives the connection itself.
constexpr std::chrono::seconds kConnectWait{5};

std::string describe(const grpc::Status& status) {
  return "grpc " + std::to_string(static_cast<int>(status.error_code())) + ": " + status.error_message();
}

}  // namespace

SendStatus classify(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return SendStatus::kAck;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return SendStatus::kReject;  // the batch itself is bad: resending it unchanged cannot help
    default:
      // Unavailable, deadline, resource exhausted, unauthenticated (a certificate being renewed),
      // internal errors: the captures stay in the outbox and are tried again.
      return SendStatus::kRetry;
  }
}

GrpcTransport::GrpcTransport(GrpcTransportConfig config, std::shared_ptr<grpc::ChannelCredentials> credentials)
    : config_(std::move(config)), credentials_(std::move(credentials)) {}

void GrpcTransport::set_credentials(std::shared_ptr<grpc::ChannelCredentials> credentials) {
  credentials_ = std::move(credentials);
  release_connection();
}

void GrpcTransport::release_connection() {
  if (!channel_) return;
  stub_.reset();
  channel_.reset();
}

void GrpcTransport::open_channel() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, kMinReconnectMs);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kMinReconnectMs);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectMs);
  if (!config_.tls_server_name.empty()) args.SetSslTargetNameOverride(config_.tls_server_name);
  channel_ = grpc::CreateCustomChannel(config_.target, credentials_, args);
  stub_ = v1::Ingest::NewStub(channel_);
}

SendResult GrpcTransport::exchange(const v1::AgentMessage& message, v1::CollectorMessage& reply) {
  if (!channel_) open_channel();
  if (channel_->GetState(true) != GRPC_CHANNEL_READY) {
    // Not an error yet: if it does not connect, the call below fails fast with gRPC's reason.
    (void)channel_->WaitForConnected(std::chrono::system_clock::now() + kConnectWait);
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + config_.deadline);
  auto stream = stub_->Stream(&context);
  SendResult result;
  if (!stream->Write(message) || !stream->Read(&reply)) {
    stream->WritesDone();
    const grpc::Status status = stream->Finish();
    result.status = status.ok() ? SendStatus::kRetry : classify(status);
    result.error = status.ok() ? "collector closed the stream without an acknowledgement" : describe(status);
    return result;
  }
  stream->WritesDone();
  const grpc::Status status = stream->Finish();
  if (!status.ok()) {
    // The ack arrived, so the captures are stored whatever happened while closing.
    result.error = describe(status);
  }
  result.status = SendStatus::kAck;
  return result;
}

}  // namespace vigil::agent
