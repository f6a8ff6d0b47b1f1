#pragma once
// Turns one agent message into the collector's answer. Plain function of (message, store): the
// gRPC layer only moves bytes, so this is tested without a socket.

#include <optional>
#include <string>

#include "store/store.h"
#include "vigil/result.h"
#include "vigil/v1/ingest.pb.h"

namespace vigil::collector {

// The collector's X25519 key pair that agents seal captures to (crypto_box_seal).
struct SealKeys {
  std::string public_key;
  std::string secret_key;
};

// An agent reports at most 500 per heartbeat; the rest follow in the next ones.
inline constexpr size_t kMaxEvictionsPerHeartbeat = 1000;

class IngestHandler {
 public:
  explicit IngestHandler(Store& store, std::optional<SealKeys> keys = std::nullopt) : store_(store), keys_(std::move(keys)) {}
  // An error means nothing was stored; the stream fails and the agent retries the batch.
  // `device_identity` is the common name of the verified client certificate (mutual TLS), or
  // empty in development mode; when present it, not the payload, says which device sent what.
  Result<v1::CollectorMessage> handle(const v1::AgentMessage& message, const std::string& peer,
                                      const std::string& device_identity = "");

 private:
  // Opens a sealed capture; the reason names what was wrong when it cannot be opened.
  std::optional<std::string> unseal(const v1::SealedCapture& sealed, v1::Capture& out) const;
  // The category an agent sealed for an eviction report; empty if it does not open.
  std::string open_category(const std::string& sealed) const;

  Store& store_;
  std::optional<SealKeys> keys_;
};

}  // namespace vigil::collector
