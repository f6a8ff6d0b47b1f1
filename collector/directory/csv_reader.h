#pragma once
// RFC 4180 reader for files exported by school MIS systems: UTF-8 with or without a byte-order
// mark, CRLF or LF, quoted fields holding commas, quotes ("") and line breaks.

#include <string>
#include <string_view>
#include <vector>

#include "vigil/result.h"

namespace vigil::collector {

struct CsvRecord {
  size_t line = 0;  // physical line the record starts on, 1-based, for FILE:LINE messages
  std::vector<std::string> fields;
};

// Splits `text` into records. Blank lines are skipped. An unterminated quote or a character after
// a closing quote is an error naming `name`:LINE.
Result<std::vector<CsvRecord>> read_csv(std::string_view text, const std::string& name);

}  // namespace vigil::collector
