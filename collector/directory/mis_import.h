#pragma once
// Reads a pupil list exported from the school MIS (SIMS, Arbor, Bromcom, or a hand-made sheet)
// into pupil records. Columns are found by their header names, in any order; the names each
// system uses are listed in collector/directory/README.md.

#include <string>
#include <string_view>
#include <vector>

#include "vigil/result.h"

namespace vigil::collector {

struct PupilRecord {
  std::string username;      // the OS login captures carry, as written in the file
  std::string display_name;  // preferred names where given, else legal names, else the name column
  std::string year_group;    // normalised: "Nursery", "Reception", "Year 1" .. "Year 14"; empty if not given
  std::string form;          // registration / tutor group
};

struct MisImport {
  std::vector<PupilRecord> pupils;
  std::vector<std::string> rejected;  // one "FILE:LINE: reason" per row left out
};

// `name` is used in messages (FILE:LINE). An error means the file as a whole cannot be read
// (no username column, broken quoting, too large); a bad row is only rejected.
Result<MisImport> parse_mis_csv(std::string_view text, const std::string& name);

// "Year 9", "Y9", "Yr 9", "9", "NC Year 9", "Year 09", "R", "Reception", "N2" -> normalised label;
// empty input -> empty; anything else -> an error message.
Result<std::string> normalise_year_group(std::string_view text);

// Largest file accepted: a big secondary has ~2,000 pupils; this leaves room for a trust.
inline constexpr size_t kMaxMisFileBytes = 32 * 1024 * 1024;

}  // namespace vigil::collector
