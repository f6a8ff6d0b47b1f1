#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "directory/csv_reader.h"
#include "reports/governor_report.h"

using namespace vigil::collector;
using std::chrono::system_clock;

namespace {

system_clock::time_point day(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d)) + std::chrono::hours(10);
}

void add(std::vector<ReportItem>& items, int n, system_clock::time_point at, const std::string& category, const std::string& year) {
  for (int i = 0; i < n; ++i) items.push_back({at, category, year});
}

// The check a reader with the table could do: in every line, if exactly one member is hidden,
// it can be recovered. The report must never leave such a line.
void check_no_line_reveals_a_cell(const MonthTable& t) {
  const auto hidden = [](const ReportCell& c) { return c.state != CellState::kShown; };
  for (size_t r = 0; r < t.categories.size(); ++r) {
    int n = hidden(t.category_totals[r]);
    for (const auto& c : t.cells[r]) n += hidden(c);
    CHECK_MESSAGE(n != 1, "row " << t.categories[r]);
  }
  for (size_t c = 0; c < t.year_groups.size(); ++c) {
    int n = hidden(t.year_group_totals[c]);
    for (size_t r = 0; r < t.categories.size(); ++r) n += hidden(t.cells[r][c]);
    CHECK_MESSAGE(n != 1, "column " << t.year_groups[c]);
  }
  int n = hidden(t.total);
  for (const auto& c : t.year_group_totals) n += hidden(c);
  CHECK(n != 1);
  n = hidden(t.total);
  for (const auto& c : t.category_totals) n += hidden(c);
  CHECK(n != 1);
}

}  // namespace

TEST_CASE("counts by category and year group, small numbers shown as <5") {
  std::vector<ReportItem> items;
  add(items, 12, day(2026, 11, 3), "bullying", "Year 9");
  add(items, 7, day(2026, 11, 4), "bullying", "Year 10");
  add(items, 6, day(2026, 11, 5), "self-harm", "Year 9");
  add(items, 9, day(2026, 11, 6), "self-harm", "Year 10");
  add(items, 2, day(2026, 11, 7), "suicide", "Year 9");
  add(items, 8, day(2026, 11, 8), "suicide", "Year 10");
  add(items, 3, day(2026, 12, 1), "suicide", "Year 9");   // next month: ignored
  add(items, 30, day(2026, 10, 15), "bullying", "Year 9"); // previous month: trend
  auto report = build_governor_report(items, "2026-11");
  REQUIRE(report.ok());
  const MonthTable& t = report->current;
  CHECK(t.categories == std::vector<std::string>{"bullying", "self-harm", "suicide"});
  CHECK(t.year_groups == std::vector<std::string>{"Year 9", "Year 10"});
  CHECK(t.cells[0][0].display() == "12");
  CHECK(t.cells[2][0].display() == "<5");
  // The 2 in the suicide row would follow from its total (10) and the 8: one of them is hidden too.
  CHECK((t.cells[2][1].display() == "*" || t.category_totals[2].display() == "*"));
  check_no_line_reveals_a_cell(t);
  check_no_line_reveals_a_cell(report->previous);
  CHECK(report->category_trends[0] == Trend::kDown);  // 19 vs 30
  CHECK(report->previous.category_totals[0].display() == "30");
}

TEST_CASE("a lone small cell drags its complements and totals into hiding") {
  std::vector<ReportItem> items;
  add(items, 3, day(2026, 5, 2), "grooming", "Year 7");
  auto report = build_governor_report(items, "2026-05");
  REQUIRE(report.ok());
  const MonthTable& t = report->current;
  CHECK(t.cells[0][0].display() == "<5");
  CHECK(t.total.display() == "<5");
  CHECK(t.category_totals[0].display() == "<5");
  check_no_line_reveals_a_cell(t);
  CHECK(report->category_trends[0] == Trend::kNotShown);
  const auto json = nlohmann::json::parse(governor_report_json(*report));
  CHECK(json["current"]["rows"][0]["cells"][0]["value"].is_null());
  CHECK(json["current"]["rows"][0]["cells"][0]["display"] == "<5");
  CHECK(json["current"]["total"]["value"].is_null());
  CHECK(governor_report_json(*report).find("\"3\"") == std::string::npos);
}

TEST_CASE("suppression holds on random tables (no line with exactly one hidden member)") {
  uint64_t state = 42;
  const auto next = [&] { return (state = state * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
  const std::vector<std::string> cats = {"a", "b", "c", "d", "e"};
  const std::vector<std::string> years = {"Year 7", "Year 8", "Year 9", "Year 10", ""};
  for (int round = 0; round < 200; ++round) {
    std::vector<ReportItem> items;
    for (const auto& c : cats) {
      for (const auto& y : years) {
        const int n = static_cast<int>(next() % 9);  // many small numbers and zeros
        add(items, n, day(2026, 3, 10), c, y);
      }
    }
    auto report = build_governor_report(items, "2026-03");
    REQUIRE(report.ok());
    check_no_line_reveals_a_cell(report->current);
    for (size_t r = 0; r < report->current.categories.size(); ++r) {
      for (const auto& cell : report->current.cells[r]) {
        if (cell.count > 0 && cell.count < kSuppressBelow) CHECK(cell.display() == "<5");
      }
    }
  }
}

TEST_CASE("pupils not in the directory are counted in their own column") {
  std::vector<ReportItem> items;
  add(items, 6, day(2026, 1, 9), "bullying", "");
  add(items, 6, day(2026, 1, 9), "bullying", "Reception");
  auto report = build_governor_report(items, "2026-01");
  REQUIRE(report.ok());
  CHECK(report->current.year_groups == std::vector<std::string>{"Reception", "Not in directory"});
  CHECK(report->previous.month == "2025-12");
}

TEST_CASE("report CSV shows displayed values only") {
  std::vector<ReportItem> items;
  add(items, 3, day(2026, 5, 2), "=HYPERLINK(\"x\")", "Year 7");
  add(items, 20, day(2026, 5, 2), "bullying", "Year 7");
  auto report = build_governor_report(items, "2026-05");
  REQUIRE(report.ok());
  const std::string csv = governor_report_csv(*report);
  auto rows = read_csv(csv, "report.csv");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 4);
  CHECK((*rows)[0].fields == std::vector<std::string>{"month", "category", "Year 7", "total", "previous_month_total", "trend"});
  CHECK((*rows)[1].fields[1] == "'=HYPERLINK(\"x\")");
  CHECK((*rows)[1].fields[2] == "<5");
  CHECK(csv.find("\"3\"") == std::string::npos);
  // The column total (23) is shown, so the 20 beside the 3 is hidden too ("*"): 3 stays a range.
  CHECK((*rows)[2].fields[2] == "*");
}

TEST_CASE("a bad month is refused with the value named") {
  auto r = build_governor_report({}, "2026-13");
  REQUIRE(!r.ok());
  CHECK(r.error().message.find("2026-13") != std::string::npos);
  CHECK(!build_governor_report({}, "26-01").ok());
  CHECK(month_of(day(2026, 2, 28)) == "2026-02");
}
