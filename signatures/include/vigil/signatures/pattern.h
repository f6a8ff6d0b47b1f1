#pragma once
// The rule pattern language (signatures/README.md), expanded into plain token sequences.

#include <string>
#include <string_view>
#include <vector>

#include "vigil/result.h"

namespace vigil::signatures {

struct PatternToken {
  enum class Kind { kWord, kPrefix, kGap };
  Kind kind = Kind::kWord;
  std::string text;  // normalised word (kWord, kPrefix)
  int max_gap = 0;   // kGap: up to this many other words
};

using TokenSequence = std::vector<PatternToken>;

inline constexpr int kDefaultGap = 3;
inline constexpr int kMaxGap = 5;
// Bounds the cartesian product of groups so one pattern cannot blow up the database.
inline constexpr size_t kMaxExpansions = 256;

// Expands "(kill|hang) ~2 (myself|my self)" into one token sequence per alternative.
Result<std::vector<TokenSequence>> expand_pattern(std::string_view pattern);

// The Hyperscan expression matching `sequence` on normalised text (words delimited by spaces).
std::string to_expression(const TokenSequence& sequence);

}  // namespace vigil::signatures
