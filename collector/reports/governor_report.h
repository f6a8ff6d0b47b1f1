#pragma once
// The governors' monthly report: how many safeguarding concerns (triage items) were opened, by
// category and by year group, with the trend against the previous month. Anonymous by
// construction: it is computed from counts only, and small numbers are suppressed (see
// collector/reports/README.md for the rule) so no pupil can be singled out.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "vigil/result.h"

namespace vigil::collector {

// One concern, as the report sees it: no name, no username, no text.
struct ReportItem {
  std::chrono::system_clock::time_point opened_at;
  std::string category;
  std::string year_group;  // "Year 9", "Reception"...; empty when the pupil is not in the directory
};

// Numbers from 1 to 4 are shown as "<5"; a 0 is shown as 0.
inline constexpr int kSuppressBelow = 5;

enum class CellState { kShown, kSuppressed, kComplementary };

struct ReportCell {
  int count = 0;  // the true count: never leaves this module except through display()
  CellState state = CellState::kShown;
  // "12", "0", "<5" (small number) or "*" (hidden so a "<5" cannot be worked out from totals).
  std::string display() const;
  // The number a chart may draw, or nothing when hidden.
  std::optional<int> shown() const { return state == CellState::kShown ? std::optional<int>(count) : std::nullopt; }
};

// One month's table after suppression. Rows are categories, columns year groups.
struct MonthTable {
  std::string month;  // "2026-11"
  std::vector<std::string> categories;
  std::vector<std::string> year_groups;
  std::vector<std::vector<ReportCell>> cells;  // [category][year group]
  std::vector<ReportCell> category_totals;
  std::vector<ReportCell> year_group_totals;
  ReportCell total;
};

enum class Trend { kUp, kDown, kSame, kNotShown };

struct GovernorReport {
  MonthTable current;
  MonthTable previous;
  // Per category of `current`: only said when both months' totals are shown, so a trend never
  // narrows a suppressed number.
  std::vector<Trend> category_trends;
  Trend total_trend = Trend::kNotShown;
};

// `month` is "YYYY-MM" (UTC). Items outside the month and the one before are ignored.
Result<GovernorReport> build_governor_report(const std::vector<ReportItem>& items, const std::string& month);

// The month containing `t` (UTC), "YYYY-MM".
std::string month_of(std::chrono::system_clock::time_point t);

std::string trend_label(Trend t);  // "up", "down", "same", "" (not shown)

// The report as the governors' page draws it (the page's script reads this; hidden cells are null).
std::string governor_report_json(const GovernorReport& report);
// The same table as CSV (formula-safe), with displayed values only.
std::string governor_report_csv(const GovernorReport& report);

}  // namespace vigil::collector
