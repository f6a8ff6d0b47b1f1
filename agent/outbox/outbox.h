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
  std::string payload;  // sealed: crypto_box_seal(serialized vigil.v1.Capture); else the serialized Capture
  bool sealed = false;  // false only in development mode (--insecure-loopback, not enrolled)
  bool trimmed = false; // context was cut to fit a full outbox (severity >= 4 only)
  // Category of the highest-severity hit, sealed like the payload (empty if unknown). Kept so an
  // eviction can be reported to the collector without anyone on the PC learning the category.
  std::string category;
};

// A capture the byte bound dropped: what the collector is told (never content).
struct EvictionRecord {
  std::string id;
  int severity = 1;
  std::string category;  // sealed to the collector (empty for captures stored before schema 3)
  int64_t created_at_ms = 0;
  int64_t evicted_at_ms = 0;
};

// DESIGN: the outbox is bounded in bytes so a PC cut off for weeks cannot fill its disk.
inline constexpr uint64_t kDefaultOutboxMaxBytes = 64ull * 1024 * 1024;
// Severity at or above which a capture is never evicted (it loses context instead).
inline constexpr int kNeverEvictSeverity = 4;
// How many evicted ids are kept for the fleet view and tests; counters are kept for ever.
inline constexpr int64_t kMaxEvictionRecords = 10000;
// Disk space kept free for the outbox's own housekeeping when the disk fills: deleting
// acknowledged captures and checkpointing the WAL both need a little room, and deletions are what
// frees space again. New captures are refused (and the event held) once less than this is free
// and no freed pages are left inside the file.
inline constexpr uint64_t kDefaultDiskReserveBytes = 1024 * 1024;

struct OutboxStats {
  uint64_t depth = 0;
  uint64_t bytes = 0;
  uint64_t evicted = 0;   // captures dropped by the byte bound, ever
  uint64_t trimmed = 0;   // severity >= 4 captures stored with reduced context, ever
};

class Outbox {
 public:
  static Result<std::unique_ptr<Outbox>> open(const std::filesystem::path& file, uint64_t max_bytes = kDefaultOutboxMaxBytes,
                                              uint64_t disk_reserve_bytes = kDefaultDiskReserveBytes);

  // Stores captures and, in the same transaction, the position of the source that produced them.
  // When the byte bound is reached, evicts severity < 4 captures, lowest severity and then oldest
  // first (a new capture of lower severity than everything evictable is itself the one evicted);
  // severity >= 4 captures are always stored, even over the bound. Evictions are recorded in the
  // same transaction. When the disk is full (kNoSpace) nothing is written, the position included:
  // the caller holds the event and retries. The condition is logged once and kept in
  // storage_problem() until a later append succeeds.
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
  // Whether `bytes` more fit under the bound once every evictable capture is gone: when not, a
  // severity >= 4 capture should be stored with less context.
  Result<bool> room_for(uint64_t bytes);
  Result<uint64_t> depth();
  Result<OutboxStats> stats();
  // Ids of captures evicted by the byte bound (the most recent kMaxEvictionRecords).
  Result<std::vector<std::string>> evicted_ids();
  // Evictions not yet acknowledged by the collector, oldest first, at most `max`.
  Result<std::vector<EvictionRecord>> unreported_evictions(size_t max);
  Result<bool> has_unreported_evictions();
  Result<void> mark_evictions_reported(const std::vector<std::string>& ids);
  // Why captures cannot be stored right now (e.g. disk full), or empty.
  std::string storage_problem() const;
  Result<uint64_t> quarantined();

  // Small persistent settings, e.g. the device id generated on first start.
  Result<std::optional<std::string>> meta(const std::string& key);
  Result<void> set_meta(const std::string& key, const std::string& value);

 private:
  Outbox(SqliteDb db, std::filesystem::path dir, uint64_t max_bytes, uint64_t disk_reserve_bytes)
      : db_(std::move(db)), dir_(std::move(dir)), max_bytes_(max_bytes), disk_reserve_bytes_(disk_reserve_bytes) {}
  Result<void> migrate();
  Result<void> check_space(uint64_t needed);
  Result<void> append_locked(const std::vector<OutboxEntry>& captures, const std::string& source,
                             const std::optional<std::string>& position);
  void note_storage(const Result<void>& outcome);
  Result<void> evict_for(uint64_t needed, const OutboxEntry* incoming, bool& evict_incoming);
  Result<uint64_t> scalar(const char* sql);

  // The statements of every capture's way through (store, read for sending, delete once
  // acknowledged), prepared once: parsing SQL per capture was most of the outbox's CPU.
  Statement& cached(std::unique_ptr<Statement>& slot, const char* sql);

  std::mutex mutex_;  // one connection, shared by the pipeline and the forwarder threads
  SqliteDb db_;
  std::filesystem::path dir_;
  std::unique_ptr<Statement> insert_, batch_, delete_;  // after db_: finalised before it closes
  uint64_t max_bytes_;
  uint64_t disk_reserve_bytes_;
  uint64_t page_size_ = 4096;
  mutable std::mutex problem_mutex_;
  std::string storage_problem_;
  uint64_t bytes_ = 0;  // sum of payload sizes in `outbox`, kept in step with every change
};

}  // namespace vigil::agent
