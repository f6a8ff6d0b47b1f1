#pragma once
// The rule pattern language (signatures/README.md), compiled to one Hyperscan expression per
// pattern. Groups become alternations inside that expression, never a cartesian product of
// expressions, so a rule with several groups stays one pattern for the compiler.

#include <string>
#include <string_view>
#include <vector>

#include "vigil/result.h"

namespace vigil::signatures {

inline constexpr int kDefaultGap = 3;
inline constexpr int kMaxGap = 5;
inline constexpr size_t kMaxGroupAlternatives = 64;
inline constexpr size_t kMaxOptionalParts = 10;
inline constexpr size_t kMaxWordBytes = 255;  // one word of a pattern, before normalising

struct PatternElement {
  enum class Kind { kWord, kPrefix, kGap, kNumber, kGroup };
  Kind kind = Kind::kWord;
  std::string text;                                       // normalised word (kWord, kPrefix)
  int max_gap = 0;                                        // kGap: up to this many other words
  std::vector<std::vector<PatternElement>> alternatives;  // kGroup; an empty one makes it optional
};

using ParsedPattern = std::vector<PatternElement>;

// Parses and normalises "(kill|hang) ~2 (myself|my self)"; the error names what is wrong.
Result<ParsedPattern> parse_pattern(std::string_view pattern);

// The Hyperscan expression matching the pattern on normalised text (words delimited by spaces):
// it starts on the space before the first word and ends on the space after the last.
std::string to_expression(const ParsedPattern& pattern);

}  // namespace vigil::signatures
