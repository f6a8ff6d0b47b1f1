#pragma once
// The gRPC face of ingest: reads agent messages, checks who sent them, lets IngestHandler decide,
// writes the answers.

#include "ingest/ingest_handler.h"
#include "vigil/v1/ingest.grpc.pb.h"

namespace vigil::collector {

class IngestService final : public v1::Ingest::Service {
 public:
  // With `require_device_certificate`, every message must come over mutual TLS from an enrolled,
  // unrevoked device; without it (development mode, plaintext loopback) anyone local may send.
  IngestService(Store& store, std::optional<SealKeys> keys, bool require_device_certificate)
      : store_(store), handler_(store, std::move(keys)), require_device_certificate_(require_device_certificate) {}
  explicit IngestService(Store& store) : IngestService(store, std::nullopt, false) {}
  grpc::Status Stream(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<v1::CollectorMessage, v1::AgentMessage>* stream) override;

 private:
  // The device named by the verified client certificate, or a status saying why it may not send.
  grpc::Status authorise(const grpc::ServerContext& context, std::string& device) const;

  Store& store_;
  IngestHandler handler_;
  bool require_device_certificate_;
};

}  // namespace vigil::collector
