#pragma once
// Seals captures to the collector's public key (libsodium crypto_box_seal) before they touch
// disk. Privacy: a pupil or local user who copies outbox.db learns nothing from it; only the
// collector's secret key opens a capture, and the agent itself cannot read back what it wrote.
// Nothing is ever stored unsealed: until the key is known (development mode, before the first
// answer from the collector) the pipeline waits for it instead.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "outbox/outbox.h"

namespace vigil::agent {

// Copies share one key, so the key learned by the forwarder reaches every pipeline.
class Sealer {
 public:
  Sealer();  // no key yet
  explicit Sealer(std::string collector_public_key);

  bool seals() const;
  std::string public_key() const;
  // Sets (or replaces) the collector key and wakes anyone waiting for it.
  void set_key(std::string collector_public_key);
  // Blocks until a key is known (true) or `stop` becomes true (false).
  bool wait_for_key(const std::atomic<bool>& stop) const;
  // Replaces payload and category with their sealed forms. Without a key the entry is returned
  // unchanged (sealed = false): callers that store must wait_for_key() first.
  OutboxEntry seal(OutboxEntry entry) const;

 private:
  struct State {
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::string key;
  };
  std::string seal_bytes(std::string_view plain, const std::string& key) const;

  std::shared_ptr<State> state_;
};

}  // namespace vigil::agent
