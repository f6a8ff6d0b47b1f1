#pragma once
// How one pattern is matched: Hyperscan finds an anchor literal (the pattern's rarest run of
// words, groups expanded), and the verifier (pattern_program.h) confirms the rest (gaps, numbers,
// other groups) on the normalised words around it. Literals compile far faster than regular expressions and scan
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
// "you", or without that bound while it is made of common words only. Measured on the shipped
// pack: 2048 for every run meant 138,000 literals and an 11 s compile. 32 and 64 gave 25,209
// literals and a 2.5 MiB database; 8 and 8 give 16,650 and 1.6 MiB, compile in half the time and
// scan as fast (51.6 instructions a byte either way; more verifier work, fewer literals), with the
// same hits on the accuracy corpus. At 2 and 4 the verifier's share grows to 82 a byte.
inline constexpr size_t kMaxFirstElementLiterals = 4096;
inline constexpr size_t kMaxAnchorLiterals = 8;
inline constexpr size_t kMaxWeakAnchorLiterals = 8;

struct PatternPlan {
  ParsedPattern pattern;
  std::vector<std::string> anchors;  // " w1 w2 " (or " w1 pre" when an alternative ends in a prefix)
  size_t first = 0;                  // the anchor covers elements [first, rest)
  size_t rest = 0;
  bool use_regex = false;            // no literal run at all (only numbers or prefixes)
  size_t rarity = 0;                 // of the anchor's weakest literal, up to "rare enough"
};

// Picks the anchor: the literal run least likely to occur in ordinary text (judged by its words'
// length and whether they are among English's commonest), then the one with fewest literals,
// within the expansion bounds.
PatternPlan plan_pattern(ParsedPattern pattern);

// Bounds the parts one pattern may be split into (see plan_pattern_parts).
inline constexpr size_t kMaxPatternParts = 64;

// The plans that together match what `pattern` matches: one, unless its best anchor is weak
// (every run is made of common or short words: "(im gonna|ill) (batter|get) (you|them)" would
// anchor on " you "). Such a pattern is split on one of its groups into one part per
// alternative, each planned alone, so "batter" anchors its own part and only "get" keeps a weak
// anchor; a part still weak may split again. A hit of any part is a hit of the pattern.
std::vector<PatternPlan> plan_pattern_parts(ParsedPattern pattern);

struct Span {
  size_t start;  // normalised offset of the hit's first byte
  size_t end;    // one past its last byte
};


}  // namespace vigil::signatures
