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
// to kMaxFirstElementLiterals); later elements join while the product stays within
// kMaxAnchorLiterals, or kMaxWeakAnchorLiterals while the run is still about as common as "of" or
// "you", or without that bound while it is made of common words only. Measured on the shipped pack: 2048 for every run meant 138,000 literals and
// an 11 s compile; these bounds give well under a second.
inline constexpr size_t kMaxFirstElementLiterals = 4096;
inline constexpr size_t kMaxAnchorLiterals = 32;
inline constexpr size_t kMaxWeakAnchorLiterals = 64;

struct PatternPlan {
  ParsedPattern pattern;
  std::vector<std::string> anchors;  // " w1 w2 " (or " w1 pre" when an alternative ends in a prefix)
  size_t first = 0;                  // the anchor covers elements [first, rest)
  size_t rest = 0;
  bool use_regex = false;            // no literal run at all (only numbers or prefixes)
};

// Picks the anchor: the literal run least likely to occur in ordinary text (judged by its words'
// length and whether they are among English's commonest), then the one with fewest literals,
// within the expansion bounds.
PatternPlan plan_pattern(ParsedPattern pattern);

struct Span {
  size_t start;  // normalised offset of the hit's first byte
  size_t end;    // one past its last byte
};

// Verifies the rest of the pattern around an anchor found at [anchor_start, anchor_end) of the
// normalised `text`: elements before the anchor backwards, elements after it forwards.
std::optional<Span> verify(const PatternPlan& plan, std::string_view text, size_t anchor_start, size_t anchor_end);

}  // namespace vigil::signatures
