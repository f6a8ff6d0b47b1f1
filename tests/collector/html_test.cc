#include <doctest/doctest.h>

#include "console/html.h"

using vigil::collector::console::escape;
using vigil::collector::console::highlight;

namespace {

vigil::v1::Capture with_hits(const std::string& text, std::vector<std::pair<uint32_t, uint32_t>> spans) {
  vigil::v1::Capture c;
  c.set_text(text);
  for (auto [s, e] : spans) {
    auto* h = c.add_hits();
    h->set_start(s);
    h->set_end(e);
  }
  return c;
}

}  // namespace

TEST_CASE("escape makes markup, quotes and broken UTF-8 inert") {
  CHECK(escape("<script>alert('x')</script>") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  CHECK(escape("a\"b&c") == "a&quot;b&amp;c");
  CHECK(escape("caf\xC3\xA9") == "caf\xC3\xA9");                   // valid UTF-8 kept
  CHECK(escape("bad\xC3") == "bad\xEF\xBF\xBD");                     // truncated sequence
  CHECK(escape("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");           // overlong '/' never becomes a character
  CHECK(escape(std::string("nul\0x", 5)) == "nul\xEF\xBF\xBDx");     // control characters
  CHECK(escape("line\nnext\t") == "line\nnext\t");
}

TEST_CASE("highlight escapes first, then marks the hit spans") {
  CHECK(highlight(with_hits("i want to kill myself", {{10, 21}})) == "i want to <mark>kill myself</mark>");
  CHECK(highlight(with_hits("<b>kys</b>", {{3, 6}})) == "&lt;b&gt;<mark>kys</mark>&lt;/b&gt;");
  // Overlapping and touching spans merge into one mark.
  CHECK(highlight(with_hits("abcdefgh", {{1, 4}, {2, 6}})) == "a<mark>bcdef</mark>gh");
  // Spans past the end are clamped; empty ones ignored.
  CHECK(highlight(with_hits("abc", {{1, 99}, {2, 2}})) == "a<mark>bc</mark>");
  // A span starting inside a UTF-8 sequence widens to the whole character instead of splitting it.
  CHECK(highlight(with_hits("x\xC3\xA9y", {{2, 3}})) == "x<mark>\xC3\xA9</mark>y");
  CHECK(highlight(with_hits("", {{0, 5}})) == "");
}
