#pragma once
// JSON shapes of the console API (documented in collector/console/README.md).

#include <nlohmann/json.hpp>

#include "triage/triage_types.h"

namespace vigil::collector::console {

nlohmann::json item_summary_json(const triage::ItemSummary& s);
nlohmann::json capture_view_json(const triage::CaptureView& v);

}  // namespace vigil::collector::console
