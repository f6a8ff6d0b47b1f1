#pragma once
// Where captures and device state live. SQLite by default; PostgreSQL (for trusts and several
// stateless collectors) implements the same interface.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vigil/result.h"
#include "vigil/v1/capture.pb.h"

namespace vigil::collector {

struct PutOutcome {
  std::vector<std::string> stored_ids;  // every id now durably present (new or already there)
  uint64_t inserted = 0;                // how many were new
};

struct StoredCapture {
  v1::Capture capture;
  std::chrono::system_clock::time_point received_at;
};

struct DeviceRecord {
  std::string id;
  std::string hostname;
  std::string agent_version;
  std::string rule_pack_version;
  std::chrono::system_clock::time_point last_seen;
  uint64_t outbox_depth = 0;
  std::string last_error;
  std::string peer;
  std::vector<std::pair<std::string, std::string>> sources;  // name, state (latest heartbeat)
};

class Store {
 public:
  virtual ~Store() = default;
  // Stores the captures in one transaction, idempotent on capture id. Returns only once committed.
  virtual Result<PutOutcome> put_captures(const std::vector<const v1::Capture*>& captures) = 0;
  virtual Result<void> record_heartbeat(const v1::Heartbeat& heartbeat, const std::string& peer) = 0;
  // Visits captures in the order they were received.
  virtual Result<void> for_each_capture(const std::function<void(const StoredCapture&)>& visit) = 0;
  virtual Result<std::vector<DeviceRecord>> devices() = 0;
};

}  // namespace vigil::collector
