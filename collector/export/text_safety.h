#pragma once
// Pupil text is attacker-controlled. These turn it into something safe to put in HTML, a CSV cell
// or a one-line header, whatever bytes it holds.

#include <string>
#include <string_view>

namespace vigil::collector {

// Valid UTF-8 kept as is; each invalid byte becomes U+FFFD, so no renderer sees a broken sequence.
std::string valid_utf8(std::string_view text);

// Escapes & < > " ' for HTML text and attribute values (after valid_utf8).
std::string html_escape(std::string_view text);

// One line, printable: CR, LF and other control characters become spaces (email headers, logs).
std::string single_line(std::string_view text);

}  // namespace vigil::collector
