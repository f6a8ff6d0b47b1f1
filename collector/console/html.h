#pragma once
// Everything pupils type is attacker-controlled: it reaches HTML only through these functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "vigil/v1/capture.pb.h"

namespace vigil::collector::console {

// Escapes & < > " ' and replaces invalid UTF-8 and control characters (except tab and newline)
// with U+FFFD, so text is safe in element content and quoted attribute values.
std::string escape(std::string_view text);
// The capture's context with each hit span wrapped in <mark>: escaped first, then marked, so a
// span can never split an entity or a tag. Spans outside the text or inside a UTF-8 sequence are
// widened to whole characters or ignored.
std::string highlight(const v1::Capture& capture);
// "2026-11-26 09:15:02 UTC"
std::string format_time(int64_t ms);
// An <input type="date"> value ("2026-11-26") to the first millisecond of that UTC day.
bool parse_date(std::string_view text, int64_t& start_ms);

}  // namespace vigil::collector::console
