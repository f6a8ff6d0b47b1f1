#include "ingest/ingest_service.h"

namespace vigil::collector {

grpc::Status IngestService::Stream(grpc::ServerContext* context,
                                   grpc::ServerReaderWriter<v1::CollectorMessage, v1::AgentMessage>* stream) {
  v1::AgentMessage message;
  while (stream->Read(&message)) {
    auto reply = handler_.handle(message, context->peer());
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
