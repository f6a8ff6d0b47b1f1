#include "triage/triage_types.h"

namespace vigil::collector::triage {

std::string_view status_name(Status s) {
  switch (s) {
    case Status::kNew: return "new";
    case Status::kInReview: return "in_review";
    case Status::kEscalated: return "escalated";
    case Status::kResolved: return "resolved";
    case Status::kFalsePositive: return "false_positive";
  }
  return "new";
}

std::string_view status_label(Status s) {
  switch (s) {
    case Status::kNew: return "New";
    case Status::kInReview: return "In review";
    case Status::kEscalated: return "Escalated";
    case Status::kResolved: return "Resolved";
    case Status::kFalsePositive: return "False positive";
  }
  return "New";
}

std::optional<Status> parse_status(std::string_view name) {
  for (Status s : kAllStatuses) {
    if (status_name(s) == name) return s;
  }
  return std::nullopt;
}

bool is_open(Status s) { return s == Status::kNew || s == Status::kInReview || s == Status::kEscalated; }

bool transition_allowed(Status from, Status to) {
  if (from == to) return false;
  switch (from) {
    // A busy DSL may judge straight from the inbox without a separate "in review" click.
    case Status::kNew: return true;
    case Status::kInReview: return to != Status::kNew;
    case Status::kEscalated: return to == Status::kInReview || to == Status::kResolved;
    // Closed items are reopened into review, never back to "new" (that would hide that someone looked).
    case Status::kResolved:
    case Status::kFalsePositive: return to == Status::kInReview;
  }
  return false;
}

}  // namespace vigil::collector::triage
