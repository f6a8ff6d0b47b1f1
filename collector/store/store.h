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
  std::optional<std::chrono::system_clock::time_point> last_seen;  // empty: enrolled, never heard from
  uint64_t outbox_depth = 0;
  std::string last_error;
  std::string peer;
  std::chrono::seconds heartbeat_interval{60};
  std::string sources_json = "[]";  // [{"name":..,"state":..}] from the last heartbeat
  uint64_t evicted_captures = 0;
  uint64_t trimmed_captures = 0;
  uint64_t outbox_bytes = 0;
  std::string outbox_problem;
  std::optional<std::chrono::system_clock::time_point> enrolled_at;
  std::optional<std::chrono::system_clock::time_point> revoked_at;
  uint64_t evictions_recorded = 0;  // individual evictions the device reported (see evictions())
};

// One capture a device's bounded outbox dropped by policy, as the device reported it.
struct EvictionRecord {
  std::string device_id;
  std::string capture_id;  // 16 bytes
  int severity = 0;
  std::string category;    // empty if the agent could not say
  std::chrono::system_clock::time_point created_at;
  std::chrono::system_clock::time_point evicted_at;
  std::chrono::system_clock::time_point reported_at;
};

// An enrollment token as the network manager sees it: never the secret, not even its full hash.
struct EnrollTokenRecord {
  std::string id;  // the first kTokenIdChars hex digits of the secret's SHA-256
  int64_t uses_left = 0;
  std::chrono::system_clock::time_point created_at;
  std::chrono::system_clock::time_point expires_at;
  std::optional<std::chrono::system_clock::time_point> revoked_at;
};
inline constexpr size_t kTokenIdChars = 12;

// What the collector knows about a device identity presented in a client certificate.
enum class DeviceAccess { kUnknown, kEnrolled, kRevoked };

class Store {
 public:
  virtual ~Store() = default;
  // Stores the captures in one transaction, idempotent on capture id. Returns only once committed.
  virtual Result<PutOutcome> put_captures(const std::vector<const v1::Capture*>& captures) = 0;
  virtual Result<void> record_heartbeat(const v1::Heartbeat& heartbeat, const std::string& peer) = 0;
  // Visits captures in the order they were received.
  virtual Result<void> for_each_capture(const std::function<void(const StoredCapture&)>& visit) = 0;
  virtual Result<std::vector<DeviceRecord>> devices() = 0;
  // Idempotent on (device, capture id): a report re-sent after a lost ack is harmless.
  virtual Result<void> record_evictions(const std::vector<EvictionRecord>& evictions) = 0;
  // In the order they were reported.
  virtual Result<std::vector<EvictionRecord>> evictions() = 0;

  // Enrollment tokens are kept as the SHA-256 of their secret only.
  virtual Result<void> add_enroll_token(const std::string& secret_sha256, int64_t uses,
                                        std::chrono::system_clock::time_point expires_at) = 0;
  // Spends one use atomically. kPermissionDenied names why: unknown, used up or expired.
  virtual Result<void> consume_enroll_token(const std::string& secret_sha256, std::chrono::system_clock::time_point now) = 0;
  virtual Result<std::vector<EnrollTokenRecord>> enroll_tokens() = 0;
  // `id` as listed (or any unambiguous prefix of at least kTokenIdChars). kNotFound / kInvalidArgument name why not.
  virtual Result<void> revoke_enroll_token(const std::string& id) = 0;
  virtual Result<void> add_enrolled_device(const std::string& id, const std::string& hostname) = 0;
  // kNotFound if the collector has never heard of `id`.
  virtual Result<void> revoke_device(const std::string& id) = 0;
  virtual Result<DeviceAccess> device_access(const std::string& id) = 0;
};

}  // namespace vigil::collector
