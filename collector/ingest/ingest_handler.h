#pragma once
// Turns one agent message into the collector's answer. Plain function of (message, store): the
// gRPC layer only moves bytes, so this is tested without a socket.

#include <string>

#include "store/store.h"
#include "vigil/result.h"
#include "vigil/v1/ingest.pb.h"

namespace vigil::collector {

class IngestHandler {
 public:
  explicit IngestHandler(Store& store) : store_(store) {}
  // An error means nothing was stored; the stream fails and the agent retries the batch.
  Result<v1::CollectorMessage> handle(const v1::AgentMessage& message, const std::string& peer);

 private:
  Store& store_;
};

}  // namespace vigil::collector
