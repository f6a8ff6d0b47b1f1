#pragma once
// Items as CSV for the school's incident log (CPOMS, MyConcern): one row per capture, with the
// item's fields repeated so each row stands alone after sorting or filtering in a spreadsheet.

#include <string>
#include <vector>

#include "export/export_item.h"

namespace vigil::collector {

// The header row, in order. A contract: incident-log import mappings are built against it.
const std::vector<std::string>& item_csv_columns();

std::string items_to_csv(const std::vector<ExportItem>& items);

}  // namespace vigil::collector
