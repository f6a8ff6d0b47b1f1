#pragma once
// The DSL's working objects: items (grouped captures), their status, notes, history, exception
// proposals, pupils and the audit log. Times are milliseconds since the Unix epoch (UTC).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/v1/capture.pb.h"

namespace vigil::collector::triage {

enum class Status { kNew, kInReview, kEscalated, kResolved, kFalsePositive };
inline constexpr Status kAllStatuses[] = {Status::kNew, Status::kInReview, Status::kEscalated, Status::kResolved, Status::kFalsePositive};

std::string_view status_name(Status s);   // "new", "in_review", "escalated", "resolved", "false_positive"
std::string_view status_label(Status s);  // "New", "In review", ...
std::optional<Status> parse_status(std::string_view name);
// new -> in review -> escalated / resolved / false positive; closed items can be reopened.
bool transition_allowed(Status from, Status to);
bool is_open(Status s);

// From the school's MIS (the pupil importer fills this); a capture from a user name nobody
// imported still shows, with the name as the only identity.
struct Pupil {
  std::string username;
  std::string name;
  std::string year_group;
  std::string form;
};

struct ItemSummary {
  int64_t id = 0;
  std::string user;
  Pupil pupil;  // name/year/form empty when unknown
  std::string category;
  int max_severity = 0;
  Status status = Status::kNew;
  std::string assignee;
  int64_t first_at = 0;
  int64_t last_at = 0;
  int64_t capture_count = 0;
  std::string device_id;
  std::string hostname;
  int64_t latest_capture_seq = 0;
  v1::Capture latest;  // the newest capture: what the inbox shows of the item
};

struct CaptureView {
  int64_t seq = 0;
  v1::Capture capture;
  int64_t received_at = 0;
  std::string hostname;
  int64_t item_id = 0;
};

struct Note {
  int64_t id = 0;
  std::string author;
  int64_t at = 0;
  std::string body;
};

struct ItemEvent {
  int64_t at = 0;
  std::string actor;
  std::string kind;    // "status", "assign", "note", "exception"
  std::string detail;  // e.g. "new -> in_review"
};

struct ExceptionProposal {
  int64_t id = 0;
  int64_t item_id = 0;
  std::string rule_id;
  std::string category;
  std::string reason;
  std::string proposed_by;
  int64_t proposed_at = 0;
  std::string state;  // "pending", "approved", "rejected"
  std::string decided_by;
  int64_t decided_at = 0;
};

struct ItemDetail {
  ItemSummary summary;
  std::vector<CaptureView> captures;  // newest first
  std::vector<Note> notes;
  std::vector<ItemEvent> history;
  std::vector<ExceptionProposal> proposals;
};

struct InboxFilter {
  std::optional<std::string> category;
  std::optional<int> min_severity;
  // Empty: open items only (new, in review, escalated). `all_statuses` shows every item.
  std::optional<Status> status;
  bool all_statuses = false;
  std::optional<int64_t> from;  // items with activity at or after
  std::optional<int64_t> to;    // items with activity at or before
  std::string year_group;
  std::string device_group;
  std::string user;
  std::string text;  // words in the captured text, window title, URL or application
  int limit = 50;
  int offset = 0;
};

struct InboxPage {
  std::vector<ItemSummary> items;
  int64_t total = 0;
  bool total_capped = false;  // more than `total` match; counting stopped there
};

struct AuditEntry {
  int64_t id = 0;
  int64_t at = 0;
  std::string actor;
  std::string role;
  std::string action;  // "view_inbox", "view_item", "view_timeline", "status", "export", ...
  std::string target;  // "item:12", "pupil:jo", a search
  std::string remote;  // client address
};

// An item that reached the alert severity for the first time (each item alerts once).
struct AlertCandidate {
  int64_t item_id = 0;
  int severity = 0;
  std::string category;
  std::string user;
  std::string pupil_name;
  int64_t at = 0;
};

struct CategoryCount {
  std::string category;
  int64_t items = 0;
  int64_t captures = 0;
};

}  // namespace vigil::collector::triage
