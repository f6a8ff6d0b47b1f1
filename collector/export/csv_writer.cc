#include "export/csv_writer.h"

#include "export/text_safety.h"

namespace vigil::collector {

std::string csv_cell(std::string_view text) {
  std::string out = "\"";
  // Spreadsheets (Excel, LibreOffice, Google Sheets) evaluate these leading characters as a
  // formula or DDE call (=cmd|' /C calc'!A0); a leading apostrophe makes the cell plain text.
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' || text[0] == '\r')) {
    out += '\'';
  }
  for (const char c : valid_utf8(text)) {
    if (c == '"') out += '"';  // RFC 4180: a quote inside a quoted field is doubled
    out += c;
  }
  out += '"';
  return out;
}

CsvWriter::CsvWriter() : out_("\xEF\xBB\xBF") {}

void CsvWriter::row(const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out_ += ',';
    out_ += csv_cell(cells[i]);
  }
  out_ += "\r\n";  // RFC 4180 line ending
}

}  // namespace vigil::collector
