#include "reports/governor_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <set>

#include "export/csv_writer.h"

namespace vigil::collector {
namespace {

constexpr std::string_view kUnknownYear = "Not in directory";

struct ParsedMonth {
  int year = 0;
  int month = 0;
};

std::optional<ParsedMonth> parse_month(const std::string& text) {
  int y = 0;
  int m = 0;
  char tail = 0;
  if (text.size() != 7 || text[4] != '-' || std::sscanf(text.c_str(), "%4d-%2d%c", &y, &m, &tail) != 2) return std::nullopt;
  if (y < 2000 || y > 9999 || m < 1 || m > 12) return std::nullopt;
  return ParsedMonth{y, m};
}

std::string format_month(ParsedMonth m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d", m.year, m.month);
  return buf;
}

// Year groups in school order, then anything else alphabetically, then the unknown column.
int year_rank(const std::string& label) {
  if (label == "Nursery") return -2;
  if (label == "Reception") return -1;
  if (label.rfind("Year ", 0) == 0) {
    try {
      return std::stoi(label.substr(5));
    } catch (...) {
    }
  }
  if (label == kUnknownYear) return 1000;
  return 999;
}

// Suppression (see README.md). A table is a set of "lines": each row with its row total, each
// column with its column total, the row of column totals with the grand total, and the column of
// row totals with the grand total. Every line satisfies sum(members) = total, so if exactly one
// member of a line is hidden it can be recomputed from the others. Primary suppression hides every
// count from 1 to 4; complementary suppression then hides, in each line with exactly one hidden
// member, one more member (preferring one that also fixes a second such line, then the smallest
// non-zero count), until no line has exactly one hidden member. Hiding only grows, so this ends.
void suppress(MonthTable& t) {
  std::vector<std::vector<ReportCell*>> lines;
  const size_t rows = t.categories.size();
  const size_t cols = t.year_groups.size();
  for (size_t r = 0; r < rows; ++r) {
    std::vector<ReportCell*> line;
    for (size_t c = 0; c < cols; ++c) line.push_back(&t.cells[r][c]);
    line.push_back(&t.category_totals[r]);
    lines.push_back(line);
  }
  for (size_t c = 0; c < cols; ++c) {
    std::vector<ReportCell*> line;
    for (size_t r = 0; r < rows; ++r) line.push_back(&t.cells[r][c]);
    line.push_back(&t.year_group_totals[c]);
    lines.push_back(line);
  }
  std::vector<ReportCell*> totals_row;
  for (auto& cell : t.year_group_totals) totals_row.push_back(&cell);
  totals_row.push_back(&t.total);
  lines.push_back(totals_row);
  std::vector<ReportCell*> totals_col;
  for (auto& cell : t.category_totals) totals_col.push_back(&cell);
  totals_col.push_back(&t.total);
  lines.push_back(totals_col);

  for (auto& line : lines) {
    for (ReportCell* cell : line) {
      if (cell->count > 0 && cell->count < kSuppressBelow) cell->state = CellState::kSuppressed;
    }
  }
  std::map<const ReportCell*, std::vector<size_t>> lines_of;
  for (size_t i = 0; i < lines.size(); ++i) {
    for (const ReportCell* cell : lines[i]) lines_of[cell].push_back(i);
  }
  const auto hidden_in = [&](size_t i) {
    return std::count_if(lines[i].begin(), lines[i].end(), [](const ReportCell* c) { return c->state != CellState::kShown; });
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (hidden_in(i) != 1) continue;
      // Prefer a member that also completes another line with one hidden member (one extra
      // hidden cell instead of two), then the smallest non-zero count, so little is lost.
      const auto fixes_another = [&](const ReportCell* cell) {
        for (const size_t j : lines_of[cell]) {
          if (j != i && hidden_in(j) == 1) return true;
        }
        return false;
      };
      ReportCell* pick = nullptr;
      bool pick_fixes = false;
      for (ReportCell* cell : lines[i]) {
        if (cell->state != CellState::kShown) continue;
        const bool fixes = fixes_another(cell);
        bool better = pick == nullptr;
        if (!better && fixes != pick_fixes) better = fixes;
        if (!better && fixes == pick_fixes) better = (pick->count == 0 && cell->count > 0) || (cell->count > 0 && cell->count < pick->count);
        if (better) {
          pick = cell;
          pick_fixes = fixes;
        }
      }
      if (pick == nullptr) continue;  // cannot happen: a line with one hidden member has shown ones
      pick->state = CellState::kComplementary;
      changed = true;
    }
  }
}

MonthTable tabulate(const std::vector<const ReportItem*>& items, const std::string& month, const std::vector<std::string>& categories,
                    const std::vector<std::string>& year_groups) {
  MonthTable t;
  t.month = month;
  t.categories = categories;
  t.year_groups = year_groups;
  t.cells.assign(categories.size(), std::vector<ReportCell>(year_groups.size()));
  t.category_totals.assign(categories.size(), ReportCell{});
  t.year_group_totals.assign(year_groups.size(), ReportCell{});
  for (const ReportItem* item : items) {
    const auto r = std::find(categories.begin(), categories.end(), item->category) - categories.begin();
    const std::string year = item->year_group.empty() ? std::string(kUnknownYear) : item->year_group;
    const auto c = std::find(year_groups.begin(), year_groups.end(), year) - year_groups.begin();
    ++t.cells[r][c].count;
    ++t.category_totals[r].count;
    ++t.year_group_totals[c].count;
    ++t.total.count;
  }
  suppress(t);
  return t;
}

Trend trend(const ReportCell& now, const ReportCell& before) {
  if (now.state != CellState::kShown || before.state != CellState::kShown) return Trend::kNotShown;
  if (now.count > before.count) return Trend::kUp;
  if (now.count < before.count) return Trend::kDown;
  return Trend::kSame;
}

nlohmann::json cell_json(const ReportCell& c) {
  const auto n = c.shown();
  return nlohmann::json{{"value", n ? nlohmann::json(*n) : nlohmann::json(nullptr)}, {"display", c.display()}};
}

nlohmann::json table_json(const MonthTable& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (size_t r = 0; r < t.categories.size(); ++r) {
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& c : t.cells[r]) cells.push_back(cell_json(c));
    rows.push_back({{"category", t.categories[r]}, {"cells", cells}, {"total", cell_json(t.category_totals[r])}});
  }
  nlohmann::json totals = nlohmann::json::array();
  for (const auto& c : t.year_group_totals) totals.push_back(cell_json(c));
  return {{"month", t.month}, {"year_groups", t.year_groups}, {"rows", rows}, {"year_group_totals", totals}, {"total", cell_json(t.total)}};
}

}  // namespace

std::string ReportCell::display() const {
  switch (state) {
    case CellState::kShown: return std::to_string(count);
    case CellState::kSuppressed: return "<5";
    case CellState::kComplementary: return "*";
  }
  return "*";
}

std::string month_of(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return format_month({tm.tm_year + 1900, tm.tm_mon + 1});
}

std::string trend_label(Trend t) {
  switch (t) {
    case Trend::kUp: return "up";
    case Trend::kDown: return "down";
    case Trend::kSame: return "same";
    case Trend::kNotShown: return "";
  }
  return "";
}

Result<GovernorReport> build_governor_report(const std::vector<ReportItem>& items, const std::string& month) {
  const auto current = parse_month(month);
  if (!current) return make_error(ErrorCode::kInvalidArgument, "month must be YYYY-MM, not \"" + month + "\"");
  const ParsedMonth previous = current->month == 1 ? ParsedMonth{current->year - 1, 12} : ParsedMonth{current->year, current->month - 1};
  const std::string previous_name = format_month(previous);

  std::vector<const ReportItem*> now_items;
  std::vector<const ReportItem*> before_items;
  std::set<std::string> category_set;
  std::set<std::string> year_set;
  for (const auto& item : items) {
    const std::string m = month_of(item.opened_at);
    if (m != month && m != previous_name) continue;
    (m == month ? now_items : before_items).push_back(&item);
    category_set.insert(item.category);
    year_set.insert(item.year_group.empty() ? std::string(kUnknownYear) : item.year_group);
  }
  // Both months share rows and columns, so their tables line up for the trend.
  const std::vector<std::string> categories(category_set.begin(), category_set.end());
  std::vector<std::string> year_groups(year_set.begin(), year_set.end());
  std::stable_sort(year_groups.begin(), year_groups.end(), [](const std::string& a, const std::string& b) {
    const int ra = year_rank(a);
    const int rb = year_rank(b);
    return ra != rb ? ra < rb : a < b;
  });

  GovernorReport report;
  report.current = tabulate(now_items, month, categories, year_groups);
  report.previous = tabulate(before_items, previous_name, categories, year_groups);
  for (size_t r = 0; r < categories.size(); ++r) {
    report.category_trends.push_back(trend(report.current.category_totals[r], report.previous.category_totals[r]));
  }
  report.total_trend = trend(report.current.total, report.previous.total);
  return report;
}

std::string governor_report_json(const GovernorReport& report) {
  nlohmann::json trends = nlohmann::json::array();
  for (const Trend t : report.category_trends) trends.push_back(trend_label(t));
  const nlohmann::json j = {{"suppress_below", kSuppressBelow},
                            {"current", table_json(report.current)},
                            {"previous", table_json(report.previous)},
                            {"category_trends", trends},
                            {"total_trend", trend_label(report.total_trend)}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string governor_report_csv(const GovernorReport& report) {
  CsvWriter csv;
  const MonthTable& t = report.current;
  std::vector<std::string> header = {"month", "category"};
  header.insert(header.end(), t.year_groups.begin(), t.year_groups.end());
  header.insert(header.end(), {"total", "previous_month_total", "trend"});
  csv.row(header);
  for (size_t r = 0; r < t.categories.size(); ++r) {
    std::vector<std::string> cells = {t.month, t.categories[r]};
    for (const auto& c : t.cells[r]) cells.push_back(c.display());
    cells.insert(cells.end(), {t.category_totals[r].display(), report.previous.category_totals[r].display(), trend_label(report.category_trends[r])});
    csv.row(cells);
  }
  std::vector<std::string> totals = {t.month, "All categories"};
  for (const auto& c : t.year_group_totals) totals.push_back(c.display());
  totals.insert(totals.end(), {t.total.display(), report.previous.total.display(), trend_label(report.total_trend)});
  csv.row(totals);
  return csv.str();
}

}  // namespace vigil::collector
