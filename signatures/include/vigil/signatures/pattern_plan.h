#pragma once
// How one pattern is matched: Hyperscan finds an anchor literal (the pattern's leading words,
// groups expanded), and a small verifier confirms the rest (gaps, numbers, later groups) on the
// normalised words after it. Literals compile far faster than regular expressions and scan
// without start-of-match tracking; the verifier only runs where an anchor matched.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/signatures/pattern.h"

namespace vigil::signatures {

// Bounds the cartesian product of groups inside an anchor: the first element always anchors (up
// to kMaxFirstElementLiterals), later ones only while the product stays within kMaxAnchorLiterals.
// Measured on the shipped pack: a cap of 16-32 keeps compile well under a second with few
// verifications, where 2048 meant 138,000 literals and an 11 s compile.
inline constexpr size_t kMaxFirstElementLiterals = 4096;
inline constexpr size_t kMaxAnchorLiterals = 32;

struct PatternPlan {
  ParsedPattern pattern;
  std::vector<std::string> anchors;  // " w1 w2 " (or " w1 pre" when the run ends in a prefix)
  bool anchor_ends_in_prefix = false;
  size_t first = 0;                  // the anchor covers elements [first, rest)
  size_t rest = 0;
  bool use_regex = false;            // no literal run at all (only numbers or prefixes)
};

// Picks the anchor: the literal run least likely to occur in ordinary text (not only common words,
// longest shortest literal, fewest alternatives), within the expansion bounds.
PatternPlan plan_pattern(ParsedPattern pattern);

struct Span {
  size_t start;  // normalised offset of the hit's first byte
  size_t end;    // one past its last byte
};

// Verifies the rest of the pattern around an anchor found at [anchor_start, anchor_end) of the
// normalised `text`: elements before the anchor backwards, elements after it forwards.
std::optional<Span> verify(const PatternPlan& plan, std::string_view text, size_t anchor_start, size_t anchor_end);

}  // namespace vigil::signatures
