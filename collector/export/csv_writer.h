#pragma once
// RFC 4180 CSV that is safe to open in a spreadsheet: every cell quoted, and a cell a spreadsheet
// would run as a formula (starting with = + - @ TAB or CR) prefixed with ' so it stays text.

#include <string>
#include <string_view>
#include <vector>

namespace vigil::collector {

// One cell, quoted, formula-neutralised, invalid UTF-8 replaced.
std::string csv_cell(std::string_view text);

class CsvWriter {
 public:
  // A UTF-8 byte-order mark first: Excel otherwise reads UTF-8 as the local code page and
  // mangles accented names.
  CsvWriter();
  void row(const std::vector<std::string>& cells);
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

}  // namespace vigil::collector
