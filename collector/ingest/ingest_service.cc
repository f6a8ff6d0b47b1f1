#include "ingest/ingest_service.h"

#include <spdlog/spdlog.h>

namespace vigil::collector {

grpc::Status IngestService::authorise(const grpc::ServerContext& context, std::string& device) const {
  if (!require_device_certificate_) return grpc::Status::OK;
  const auto auth = context.auth_context();
  // Set by gRPC only for a client certificate that verified against the collector CA.
  const auto names = auth ? auth->FindPropertyValues("x509_common_name") : std::vector<grpc::string_ref>{};
  if (names.empty()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "no device certificate: enroll this device with `vigil-agent enroll` first");
  }
  device.assign(names.front().data(), names.front().size());
  auto access = store_.device_access(device);
  if (!access) return grpc::Status(grpc::StatusCode::UNAVAILABLE, access.error().message);
  switch (*access) {
    case DeviceAccess::kEnrolled:
      return grpc::Status::OK;
    case DeviceAccess::kRevoked:
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "device " + device + " has been revoked");
    case DeviceAccess::kUnknown:
      break;
  }
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "device " + device + " is not enrolled with this collector");
}

grpc::Status IngestService::Stream(grpc::ServerContext* context,
                                   grpc::ServerReaderWriter<v1::CollectorMessage, v1::AgentMessage>* stream) {
  std::string device;
  v1::AgentMessage message;
  while (stream->Read(&message)) {
    // Checked on every message, not only at the handshake: a revocation takes effect at once,
    // even on a stream that was already open.
    if (auto status = authorise(*context, device); !status.ok()) {
      spdlog::warn("refused {} from {}: {}", device.empty() ? "a client" : device, context->peer(), status.error_message());
      return status;
    }
    auto reply = handler_.handle(message, context->peer(), device);
    if (!reply) {
      const auto code = reply.error().code == ErrorCode::kInvalidArgument ? grpc::StatusCode::INVALID_ARGUMENT
                                                                          : grpc::StatusCode::UNAVAILABLE;
      return grpc::Status(code, reply.error().message);
    }
    if (!stream->Write(*reply)) break;  // the agent went away; it resends whatever it did not see acked
  }
  return grpc::Status::OK;
}

}  // namespace vigil::collector
