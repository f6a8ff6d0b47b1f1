// libFuzzer target: any bytes as a pupil CSV from the school MIS, and every cell it yields written
// back out through the export CSV writer and the HTML escaper. Invariants: no crash, no hang;
// every refusal and rejected row names the file; every accepted pupil has a usable login; an
// exported cell reads back as itself (formula-prefixed when needed); escaped HTML holds no markup.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "directory/csv_reader.h"
#include "directory/mis_import.h"
#include "export/csv_writer.h"
#include "export/text_safety.h"

namespace {

void check_cell_round_trip(const std::string& cell) {
  vigil::collector::CsvWriter writer;
  writer.row({cell, "x"});
  auto back = vigil::collector::read_csv(writer.str(), "round-trip.csv");
  if (!back || back->size() != 1 || (*back)[0].fields.size() != 2) abort();
  const std::string expected = vigil::collector::valid_utf8(cell);
  const std::string& got = (*back)[0].fields[0];
  const bool formula = !cell.empty() && std::string("=+-@\t\r").find(cell[0]) != std::string::npos;
  if (got != (formula ? "'" + expected : expected)) abort();
  const std::string html = vigil::collector::html_escape(cell);
  if (html.find_first_of("<>\"'") != std::string::npos) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = vigil::collector::parse_mis_csv(text, "fuzz.csv");
  if (!parsed) {
    if (parsed.error().message.rfind("fuzz.csv", 0) != 0) abort();
  } else {
    for (const auto& line : parsed->rejected) {
      if (line.rfind("fuzz.csv:", 0) != 0) abort();
    }
    for (const auto& p : parsed->pupils) {
      if (p.username.empty() || p.username.find_first_of(" \t\r\n,\"") != std::string::npos) abort();
      if (p.display_name.empty()) abort();
    }
  }
  auto records = vigil::collector::read_csv(text, "fuzz.csv");
  if (records) {
    for (const auto& r : *records) {
      for (const auto& f : r.fields) check_cell_round_trip(f);
    }
  }
  return 0;
}
