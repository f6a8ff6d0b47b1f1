#pragma once
// Routes of the console features: exports (CSV and printable record), legal hold, the governors'
// report, the pupil directory upload. Besides ConsoleDeps they need the records store and the
// pupil directory, reached through ConsoleDeps::features.

#include <string>

#include "console/console_deps.h"
#include "directory/pupil_directory.h"
#include "records/sqlite_records.h"

namespace vigil::collector::console {

struct FeatureDeps {
  SqliteRecords& records;
  PupilDirectory& pupils;
  std::string school;  // shown on printable records; may be empty
};

void add_feature_routes(Router& router, ConsoleDeps& deps);  // all of the below
void add_export_routes(Router& router, ConsoleDeps& deps);
void add_report_routes(Router& router, ConsoleDeps& deps);
void add_directory_routes(Router& router, ConsoleDeps& deps);

// The item page's export links and legal-hold form (DSL roles only reach the item page).
std::string item_record_controls(FeatureDeps& features, const RequestContext& ctx, int64_t item);

// At most this many items per filtered export: a bigger set is refused with the count, so the
// DSL narrows the filter rather than receiving a silently cut file.
inline constexpr int kMaxExportItems = 500;

}  // namespace vigil::collector::console
