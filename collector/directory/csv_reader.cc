#include "directory/csv_reader.h"

namespace vigil::collector {

Result<std::vector<CsvRecord>> read_csv(std::string_view text, const std::string& name) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  size_t line = 1;
  size_t i = 0;
  bool record_has_content = false;
  const auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
  };
  const auto end_record = [&] {
    end_field();
    if (record_has_content) records.push_back(std::move(record));
    record = CsvRecord{};
    record_has_content = false;
  };
  record.line = line;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' && field.empty()) {
      // A quoted field: runs to the closing quote, through commas and line breaks.
      const size_t start_line = line;
      ++i;
      record_has_content = true;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      if (!closed) return make_error(ErrorCode::kInvalidArgument, name + ":" + std::to_string(start_line) + ": a quoted field is never closed");
      if (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
        return make_error(ErrorCode::kInvalidArgument, name + ":" + std::to_string(line) + ": unexpected character after a closing quote");
      }
      continue;
    }
    if (c == ',') {
      end_field();
      record_has_content = true;
      ++i;
      continue;
    }
    if (c == '\r' || c == '\n') {
      end_record();
      i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
      ++line;
      record.line = line;
      continue;
    }
    field += c;
    if (c != ' ' && c != '\t') record_has_content = true;
    ++i;
  }
  if (record_has_content || !field.empty()) end_record();
  return records;
}

}  // namespace vigil::collector
