#pragma once
// Where the DSL's triage state lives. SQLite by default (collector.db, next to the captures);
// PostgreSQL implements the same interface for trusts running several collectors.

#include <functional>
#include <string>
#include <vector>

#include "triage/triage_types.h"
#include "vigil/result.h"

namespace vigil::collector::triage {

class TriageStore {
 public:
  virtual ~TriageStore() = default;

  // Groups every capture stored since the last call into items (same pupil and category within
  // kGroupWindow of an open item's activity join it) and indexes its text for search. Returns the
  // items that reached `alert_min_severity` for the first time. Safe to call from several
  // processes: the cursor moves in the same transaction as the grouping.
  virtual Result<std::vector<AlertCandidate>> sync(int alert_min_severity) = 0;

  virtual Result<InboxPage> inbox(const InboxFilter& filter) = 0;
  virtual Result<std::optional<ItemDetail>> item(int64_t id) = 0;
  // Every capture from one pupil, newest first.
  virtual Result<std::vector<CaptureView>> timeline(const std::string& user, int limit, int offset) = 0;
  virtual Result<Pupil> pupil(const std::string& username) = 0;  // name etc. empty when unknown
  virtual Result<std::vector<std::string>> categories() = 0;
  virtual Result<std::vector<std::string>> year_groups() = 0;
  virtual Result<std::vector<std::string>> device_groups() = 0;

  // kNotFound for an unknown item; kInvalidArgument naming both statuses for a refused transition.
  virtual Result<void> set_status(int64_t item, Status to, const std::string& actor) = 0;
  virtual Result<void> assign(int64_t item, const std::string& assignee, const std::string& actor) = 0;
  virtual Result<void> add_note(int64_t item, const std::string& body, const std::string& actor) = 0;
  // Only for a rule that fired in the item; the item must be marked false positive.
  virtual Result<int64_t> propose_exception(int64_t item, const std::string& rule_id, const std::string& reason,
                                            const std::string& actor) = 0;
  virtual Result<std::vector<ExceptionProposal>> exception_proposals() = 0;
  virtual Result<void> decide_exception(int64_t id, bool approve, const std::string& actor) = 0;

  // Append-only: the SQLite schema refuses UPDATE and DELETE on the audit table with triggers.
  virtual Result<void> append_audit(const AuditEntry& entry) = 0;
  virtual Result<std::vector<AuditEntry>> audit_entries(int limit, int offset) = 0;

  // Filled by the MIS importer; an existing pupil is updated.
  virtual Result<void> upsert_pupil(const Pupil& pupil) = 0;
  virtual Result<void> set_device_group(const std::string& device_id, const std::string& group) = 0;

  // Anonymous counts for governors: no names, no text.
  virtual Result<std::vector<CategoryCount>> counts_by_category(int64_t from, int64_t to) = 0;
};

// Hits from one pupil in one category this close together are one concern, not many alerts.
inline constexpr int64_t kGroupWindowMs = 30 * 60 * 1000;

}  // namespace vigil::collector::triage
