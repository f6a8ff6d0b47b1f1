#pragma once
// A printable record of one or more items (HTML with print CSS) to attach to the pupil's file in
// CPOMS / MyConcern. Every piece of pupil text is escaped; the page holds no script.

#include <string>
#include <vector>

#include "export/export_item.h"

namespace vigil::collector {

struct PrintableRecordContext {
  std::string school;        // shown in the heading; may be empty
  std::string exported_by;   // the console user, for the record's provenance line
  std::chrono::system_clock::time_point exported_at;
};

std::string printable_record_html(const std::vector<ExportItem>& items, const PrintableRecordContext& context);

// The Content-Security-Policy the page must be served with: no script at all, and only its own
// embedded style block (allowed by hash, so the console's strict CSP needs no 'unsafe-inline').
std::string printable_record_csp();

}  // namespace vigil::collector
