#pragma once
// The gRPC face of ingest: reads agent messages, lets IngestHandler decide, writes the answers.

#include "ingest/ingest_handler.h"
#include "vigil/v1/ingest.grpc.pb.h"

namespace vigil::collector {

class IngestService final : public v1::Ingest::Service {
 public:
  explicit IngestService(Store& store) : handler_(store) {}
  grpc::Status Stream(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<v1::CollectorMessage, v1::AgentMessage>* stream) override;

 private:
  IngestHandler handler_;
};

}  // namespace vigil::collector
