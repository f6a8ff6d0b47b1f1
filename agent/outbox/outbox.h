#pragma once
// The store half of store-then-forward: captures wait here, on disk, until the collector has
// acknowledged them. Format documented in agent/outbox/FORMAT.md.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "vigil/result.h"
#include "vigil/sqlite_db.h"

namespace vigil::agent {

struct OutboxEntry {
  std::string id;       // 16-byte capture id
  int severity = 1;     // highest severity among the capture's hits
  std::string payload;  // serialized vigil.v1.Capture
};

class Outbox {
 public:
  static Result<std::unique_ptr<Outbox>> open(const std::filesystem::path& file);

  // Stores captures and, in the same transaction, the position of the source that produced them.
  Result<void> append(const std::vector<OutboxEntry>& captures, const std::string& source,
                      const std::optional<std::string>& position);
  Result<std::optional<std::string>> position(const std::string& source);

  // The next captures to send: severity 5 first, then oldest first; bounded by count and bytes
  // (always at least one entry, whatever its size, so nothing can get stuck).
  Result<std::vector<OutboxEntry>> next_batch(size_t max_count, size_t max_bytes);
  // Deletes acknowledged captures. Ids not present are ignored (acks may repeat).
  Result<void> remove(const std::vector<std::string>& ids);
  // Moves a capture the collector will never accept out of the queue, keeping it for inspection.
  Result<void> quarantine(const std::string& id, const std::string& reason);
  Result<uint64_t> depth();
  Result<uint64_t> quarantined();

  // Small persistent settings, e.g. the device id generated on first start.
  Result<std::optional<std::string>> meta(const std::string& key);
  Result<void> set_meta(const std::string& key, const std::string& value);

 private:
  explicit Outbox(SqliteDb db) : db_(std::move(db)) {}
  Result<void> migrate();

  std::mutex mutex_;  // one connection, shared by the pipeline and the forwarder threads
  SqliteDb db_;
};

}  // namespace vigil::agent
