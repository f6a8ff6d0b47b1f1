#include "export/item_csv.h"

#include <ctime>

#include "export/csv_writer.h"

namespace vigil::collector {

std::string utc_iso8601(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const std::vector<std::string>& item_csv_columns() {
  static const std::vector<std::string> kColumns = {
      "item_id", "status", "category", "severity", "username", "pupil_name", "year_group", "form", "legal_hold",
      "capture_id", "observed_at", "device", "source", "application", "window_title", "url", "text", "matched_rules",
      "deleted", "unsubmitted", "notes"};
  return kColumns;
}

namespace {

std::string join_rules(const std::vector<ExportHit>& hits) {
  std::string out;
  for (const auto& h : hits) {
    if (!out.empty()) out += "; ";
    out += h.rule + " (" + h.category + ", severity " + std::to_string(h.severity) + ")";
  }
  return out;
}

std::string join_notes(const std::vector<ExportNote>& notes) {
  std::string out;
  for (const auto& n : notes) {
    if (!out.empty()) out += "\n";
    out += utc_iso8601(n.at) + " " + n.author + ": " + n.text;
  }
  return out;
}

}  // namespace

std::string items_to_csv(const std::vector<ExportItem>& items) {
  CsvWriter csv;
  csv.row(item_csv_columns());
  for (const auto& item : items) {
    const std::vector<std::string> item_cells = {item.id, item.status, item.category, std::to_string(item.severity),
                                                 item.username, item.pupil_name, item.year_group, item.form,
                                                 item.legal_hold ? "yes" : "no"};
    const std::string notes = join_notes(item.notes);
    const auto emit = [&](const ExportCapture* c) {
      std::vector<std::string> cells = item_cells;
      if (c != nullptr) {
        cells.insert(cells.end(), {c->id, utc_iso8601(c->observed_at), c->device, c->source, c->application, c->window_title,
                                   c->url, c->text, join_rules(c->hits), c->deleted ? "yes" : "no", c->unsubmitted ? "yes" : "no"});
      } else {
        cells.resize(cells.size() + 11);
      }
      cells.push_back(notes);
      csv.row(cells);
    };
    if (item.captures.empty()) emit(nullptr);  // an item whose captures were purged still appears
    for (const auto& c : item.captures) emit(&c);
  }
  return csv.str();
}

}  // namespace vigil::collector
