#include <doctest/doctest.h>

#include <algorithm>

#include "directory/csv_reader.h"
#include "export/csv_writer.h"
#include "export/item_csv.h"
#include "export/printable_record.h"
#include "export/text_safety.h"

using namespace vigil::collector;

namespace {

ExportItem hostile_item() {
  ExportItem item;
  item.id = "item-1";
  item.status = "open";
  item.category = "suicide";
  item.severity = 5;
  item.username = "jo.bloggs";
  item.pupil_name = "Jo <b>Bloggs</b>";
  item.year_group = "Year 9";
  item.form = "9R";
  item.first_seen = std::chrono::system_clock::time_point(std::chrono::seconds(1790000000));
  item.last_seen = item.first_seen + std::chrono::minutes(5);
  ExportCapture c;
  c.id = "cap-1";
  c.observed_at = item.first_seen;
  c.device = "PC-07";
  c.source = "keyboard";
  c.application = "chrome";
  c.window_title = "<script>alert(1)</script>";
  c.url = "javascript:alert(1)";
  c.text = "=cmd|' /C calc'!A0 i want to kill myself \"now\"";
  c.hits.push_back({"suicide.kill-myself", "suicide", 5, 29, 40});
  item.captures.push_back(c);
  item.notes.push_back({"dsl@school", item.first_seen, "+spoke to Jo, @parents informed"});
  return item;
}

}  // namespace

TEST_CASE("CSV cells that a spreadsheet would run are neutralised, everything quoted") {
  CHECK(csv_cell("plain") == "\"plain\"");
  CHECK(csv_cell("=cmd|' /C calc'!A0") == "\"'=cmd|' /C calc'!A0\"");
  CHECK(csv_cell("+1+1") == "\"'+1+1\"");
  CHECK(csv_cell("-2+3") == "\"'-2+3\"");
  CHECK(csv_cell("@SUM(A1)") == "\"'@SUM(A1)\"");
  CHECK(csv_cell("\tx") == "\"'\tx\"");
  CHECK(csv_cell("\rx") == "\"'\rx\"");
  CHECK(csv_cell("a \"quote\"") == "\"a \"\"quote\"\"\"");
  CHECK(csv_cell("line\r\nbreak, comma") == "\"line\r\nbreak, comma\"");
  CHECK(csv_cell("x=1") == "\"x=1\"");  // only a leading character makes a formula
  CHECK(csv_cell("bad \xff byte") == "\"bad \xEF\xBF\xBD byte\"");
}

TEST_CASE("item CSV round-trips through an RFC 4180 reader with payloads neutralised") {
  const std::string csv = items_to_csv({hostile_item()});
  CHECK(csv.rfind("\xEF\xBB\xBF", 0) == 0);
  auto rows = read_csv(csv, "export.csv");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 2);
  const auto& header = (*rows)[0].fields;
  CHECK(header == item_csv_columns());
  const auto& row = (*rows)[1].fields;
  REQUIRE(row.size() == header.size());
  const auto col = [&](const std::string& name) { return row[static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin())]; };
  CHECK(col("text") == "'=cmd|' /C calc'!A0 i want to kill myself \"now\"");
  CHECK(col("pupil_name") == "Jo <b>Bloggs</b>");  // CSV is not HTML: kept as typed
  CHECK(col("notes").find("'+spoke") == std::string::npos);  // the note's cell starts with the date
  CHECK(col("notes").find("+spoke to Jo") != std::string::npos);
  CHECK(col("matched_rules") == "suicide.kill-myself (suicide, severity 5)");
  CHECK(col("observed_at") == "2026-09-21T14:13:20Z");
  CHECK(col("severity") == "5");
  // No cell, anywhere, begins with a formula character once the quotes are stripped.
  for (const auto& r : *rows) {
    for (const auto& f : r.fields) {
      if (!f.empty()) CHECK_MESSAGE(std::string("=+-@\t\r").find(f[0]) == std::string::npos, f);
    }
  }
}

TEST_CASE("an item without captures still gets a row") {
  ExportItem item = hostile_item();
  item.captures.clear();
  auto rows = read_csv(items_to_csv({item, hostile_item()}), "x");
  REQUIRE(rows.ok());
  CHECK(rows->size() == 3);
}

TEST_CASE("HTML escaping covers markup, quotes and broken UTF-8") {
  CHECK(html_escape("<img src=x onerror=\"a('1')\">&") == "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;");
  CHECK(html_escape("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(html_escape("\xC3") == "\xEF\xBF\xBD");
  CHECK(html_escape("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate is not UTF-8
  CHECK(single_line("a\r\nBcc: x\x01") == "a  Bcc: x ");
}

TEST_CASE("the printable record escapes every piece of pupil text and marks the hit") {
  const PrintableRecordContext ctx{"Hill <School>", "dsl<1>", std::chrono::system_clock::time_point(std::chrono::seconds(1790000000))};
  const std::string html = printable_record_html({hostile_item()}, ctx);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("Jo &lt;b&gt;Bloggs&lt;/b&gt;") != std::string::npos);
  CHECK(html.find("<b>Bloggs") == std::string::npos);
  CHECK(html.find("Hill &lt;School&gt;") != std::string::npos);
  CHECK(html.find("dsl&lt;1&gt;") != std::string::npos);
  CHECK(html.find("href") == std::string::npos);  // the URL is shown as text, never a link
  CHECK(html.find("<mark>kill myself</mark>") != std::string::npos);
  CHECK(html.find("&quot;now&quot;") != std::string::npos);
  CHECK(html.find("@media print") != std::string::npos);
  CHECK(html.find("+spoke to Jo, @parents informed") != std::string::npos);
}

TEST_CASE("hit offsets that are out of range or split a character are not marked, text still shown") {
  ExportItem item = hostile_item();
  item.captures[0].text = "caf\xC3\xA9 <x>";
  item.captures[0].hits = {{"r", "c", 3, 4, 5}, {"r", "c", 3, 2, 400}};
  const std::string html = printable_record_html({item}, {});
  CHECK(html.find("<mark>") == std::string::npos);
  CHECK(html.find("caf\xC3\xA9 &lt;x&gt;") != std::string::npos);
}

TEST_CASE("the printable record's CSP allows its own style block by hash and no script") {
  const std::string csp = printable_record_csp();
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src") == std::string::npos);
  const auto at = csp.find("'sha256-");
  REQUIRE(at != std::string::npos);
  CHECK(csp.find('\'', at + 8) - (at + 8) == 44);  // base64 of 32 bytes
}
