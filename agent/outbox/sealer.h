#pragma once
// Seals captures to the collector's public key (libsodium crypto_box_seal) before they touch
// disk. Privacy: a pupil or local user who copies outbox.db learns nothing from it; only the
// collector's secret key opens a capture, and the agent itself cannot read back what it wrote.

#include <string>

#include "outbox/outbox.h"

namespace vigil::agent {

class Sealer {
 public:
  Sealer() = default;  // development mode (--insecure-loopback, not enrolled): stores captures unsealed
  explicit Sealer(std::string collector_public_key) : public_key_(std::move(collector_public_key)) {}

  bool seals() const { return !public_key_.empty(); }
  // Replaces the payload with its sealed form (unchanged in development mode).
  OutboxEntry seal(OutboxEntry entry) const;

 private:
  std::string public_key_;
};

}  // namespace vigil::agent
