#pragma once
// The forward half of store-then-forward. A transport only sends; it never sleeps, loops or
// retries. The Forwarder owns scheduling and backoff.

#include <cstdint>
#include <string>
#include <vector>

#include "outbox/outbox.h"
#include "vigil/v1/capture.pb.h"

namespace vigil::agent {

enum class SendStatus {
  kAck,     // the collector answered: see stored and rejected ids
  kRetry,   // transient (collector down, timeout): send the same captures again later
  kReject,  // the collector refused the whole batch as malformed: isolate the poison capture
};

struct Rejected {
  std::string id;
  std::string reason;
};

struct SendResult {
  SendStatus status = SendStatus::kRetry;
  std::vector<std::string> stored_ids;  // durably stored at the collector: safe to delete
  std::vector<Rejected> rejected;       // never acceptable: quarantine
  std::string error;                    // why, for kRetry and kReject
  std::string seal_public_key;          // from a heartbeat acknowledgement, when the collector sent it
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual SendResult send(uint64_t sequence, const std::vector<OutboxEntry>& batch) = 0;
  virtual SendResult send_heartbeat(const v1::Heartbeat& heartbeat) = 0;
  // Nothing is due for a while: a transport holding a connection open may close it; the next
  // send opens one again.
  virtual void release_connection() {}
};

}  // namespace vigil::agent
