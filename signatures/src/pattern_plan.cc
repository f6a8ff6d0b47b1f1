#include "vigil/signatures/pattern_plan.h"

#include "common_words.h"
#include "vigil/signatures/normaliser.h"

#include <algorithm>
#include <functional>
#include <set>
#include <tuple>
#include <optional>

namespace vigil::signatures {
namespace {

using Kind = PatternElement::Kind;


// One literal an anchor run can stand for, with what the planner needs to know about it.
struct Expansion {
  std::string body;          // " w1 w2" (a space before each word)
  size_t score = 0;          // rarity: 1 per common word, the length of any other (see rarity_of)
  bool common_only = true;   // made of English's commonest words only
  bool ends_in_prefix = false;
};
using Expansions = std::vector<Expansion>;

Expansion single_word(const std::string& word, bool prefix) {
  const bool common = !prefix && is_common_word(word);
  return {" " + word, common ? 1 : word.size(), common, prefix};
}

// Every literal an element can stand for, if it is made of words (and prefixes ending an
// alternative) only and the count stays within `limit`; std::nullopt otherwise (numbers, gaps,
// prefixes followed by more words, or too many).
std::optional<Expansions> literal_expansions(const PatternElement& e, size_t limit) {
  if (e.kind == Kind::kWord) return Expansions{single_word(e.text, false)};
  if (e.kind == Kind::kPrefix) return Expansions{single_word(e.text, true)};
  if (e.kind != Kind::kGroup) return std::nullopt;
  Expansions out;
  for (const auto& alt : e.alternatives) {
    Expansions partial{Expansion{}};
    for (const auto& inner : alt) {
      auto expanded = literal_expansions(inner, limit);
      if (!expanded) return std::nullopt;
      Expansions next;
      for (const auto& p : partial) {
        if (p.ends_in_prefix) return std::nullopt;
        for (const auto& x : *expanded) {
          next.push_back({p.body + x.body, p.score + x.score, p.common_only && x.common_only, x.ends_in_prefix});
          if (next.size() > limit) return std::nullopt;
        }
      }
      partial = std::move(next);
    }
    out.insert(out.end(), partial.begin(), partial.end());
    if (out.size() > limit) return std::nullopt;
  }
  return out;
}

size_t match_word(std::string_view text, size_t pos, const std::string& word) {
  if (pos + word.size() >= text.size()) return std::string_view::npos;
  if (text.compare(pos, word.size(), word) != 0 || text[pos + word.size()] != ' ') return std::string_view::npos;
  return pos + word.size() + 1;
}

size_t word_end(std::string_view text, size_t pos) {
  const size_t space = text.find(' ', pos);
  return space == std::string_view::npos ? text.size() : space;
}

// Matches one word, prefix or number at word start `pos`; returns the next word start, or npos.
size_t match_single(const PatternElement& e, std::string_view text, size_t pos) {
  switch (e.kind) {
    case Kind::kWord:
      return match_word(text, pos, e.text);
    case Kind::kPrefix: {
      if (text.compare(pos, e.text.size(), e.text) != 0) return std::string_view::npos;
      const size_t end = word_end(text, pos);
      return end >= text.size() ? std::string_view::npos : end + 1;
    }
    case Kind::kNumber: {
      const size_t end = word_end(text, pos);
      if (end == pos || end >= text.size()) return std::string_view::npos;
      for (size_t k = pos; k < end; ++k) {
        if (text[k] < '0' || text[k] > '9') return std::string_view::npos;
      }
      return end + 1;
    }
    default:
      return std::string_view::npos;
  }
}

// Backward counterparts: `pos` is the index of the space that follows the word to match; they
// return the index of the space before it.
size_t word_start_before(std::string_view text, size_t pos) {
  if (pos == 0) return std::string_view::npos;
  const size_t space = text.rfind(' ', pos - 1);
  return space == std::string_view::npos ? std::string_view::npos : space + 1;
}

size_t match_single_back(const PatternElement& e, std::string_view text, size_t pos) {
  const size_t start = word_start_before(text, pos);
  if (start == std::string_view::npos || start == pos || start == 0) return std::string_view::npos;
  const std::string_view word = text.substr(start, pos - start);
  switch (e.kind) {
    case Kind::kWord:
      return word == e.text ? start - 1 : std::string_view::npos;
    case Kind::kPrefix:
      return word.substr(0, e.text.size()) == e.text && word.size() >= e.text.size() ? start - 1 : std::string_view::npos;
    case Kind::kNumber:
      return word.find_first_not_of("0123456789") == std::string_view::npos ? start - 1 : std::string_view::npos;
    default:
      return std::string_view::npos;
  }
}

using Continue = std::function<size_t(size_t)>;

// Matches seq[0..i) backwards so that it ends at the space `pos`, then hands the space before it
// to `next`; backtracks like match_seq.
size_t match_seq_back(const ParsedPattern& seq, size_t i, std::string_view text, size_t pos, const Continue& next) {
  if (i == 0) return next(pos);
  const PatternElement& e = seq[i - 1];
  switch (e.kind) {
    case Kind::kWord:
    case Kind::kPrefix:
    case Kind::kNumber: {
      const size_t before = match_single_back(e, text, pos);
      return before == std::string_view::npos ? before : match_seq_back(seq, i - 1, text, before, next);
    }
    case Kind::kGap: {
      size_t at = pos;
      for (int skipped = 0; skipped <= e.max_gap; ++skipped) {
        const size_t r = match_seq_back(seq, i - 1, text, at, next);
        if (r != std::string_view::npos) return r;
        const size_t start = word_start_before(text, at);
        if (start == std::string_view::npos || start == 0 || start == at) break;
        at = start - 1;
      }
      return std::string_view::npos;
    }
    case Kind::kGroup: {
      const Continue rest = [&](size_t before) { return match_seq_back(seq, i - 1, text, before, next); };
      for (const auto& alt : e.alternatives) {
        const size_t r = match_seq_back(alt, alt.size(), text, pos, rest);
        if (r != std::string_view::npos) return r;
      }
      return std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

// Matches seq[i..] at word start `pos`, then hands the position after it to `next`; backtracks
// through gaps and group alternatives until `next` succeeds. Returns npos or next's result.
size_t match_seq(const ParsedPattern& seq, size_t i, std::string_view text, size_t pos, const Continue& next) {
  // `pos` is the start of a word (just after a space); the text always ends with a space.
  if (i == seq.size()) return next(pos);
  const PatternElement& e = seq[i];
  switch (e.kind) {
    case Kind::kWord:
    case Kind::kPrefix:
    case Kind::kNumber: {
      const size_t after = match_single(e, text, pos);
      return after == std::string_view::npos ? after : match_seq(seq, i + 1, text, after, next);
    }
    case Kind::kGap: {
      // Shortest gap first: the hit stays as tight as the words allow.
      size_t at = pos;
      for (int skipped = 0; skipped <= e.max_gap; ++skipped) {
        const size_t r = match_seq(seq, i + 1, text, at, next);
        if (r != std::string_view::npos) return r;
        const size_t end = word_end(text, at);
        if (end == at || end + 1 >= text.size()) break;
        at = end + 1;
      }
      return std::string_view::npos;
    }
    case Kind::kGroup: {
      const Continue rest = [&](size_t after) { return match_seq(seq, i + 1, text, after, next); };
      for (const auto& alt : e.alternatives) {
        const size_t r = match_seq(alt, 0, text, pos, rest);
        if (r != std::string_view::npos) return r;
      }
      return std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

// How rare an anchor is, without a frequency list: each of English's commonest words counts 1,
// any other word its length; the sum is capped where an alternative gets rare enough that the
// verifier runs seldom ("kill myself", "sewerslid*", "i want to die" all reach it). The weakest
// alternative decides: the anchor fires whenever any of them occurs.
constexpr size_t kRareEnough = 6;
// Runs this weak ("of", "you", "end her") would verify nearly every unit: they may grow further.
constexpr size_t kVeryCommonRarity = 2;

// What the planner needs of one element's literals, without forming the products of a run: the
// rarity, length and commonness of a product follow from its elements' (the weakest product is
// the sum of each element's weakest, and so on).
struct ElementSummary {
  std::optional<Expansions> options;  // std::nullopt: the element can't be part of an anchor
  size_t count = 0;
  size_t weakest = 0;      // smallest score
  size_t shortest = 0;     // shortest body
  bool common_only = true;
  bool may_be_empty = false;
  bool has_prefix = false;
};

ElementSummary summarise(const PatternElement& e) {
  ElementSummary s;
  s.options = literal_expansions(e, kMaxFirstElementLiterals);
  if (!s.options) return s;
  s.count = s.options->size();
  s.weakest = SIZE_MAX;
  s.shortest = SIZE_MAX;
  for (const auto& x : *s.options) {
    s.weakest = std::min(s.weakest, x.score);
    s.shortest = std::min(s.shortest, x.body.size());
    s.common_only = s.common_only && x.common_only;
    s.may_be_empty = s.may_be_empty || x.body.empty();
    s.has_prefix = s.has_prefix || x.ends_in_prefix;
  }
  return s;
}

// A run of elements [first, rest) as an anchor candidate.
struct Candidate {
  size_t first = 0;
  size_t rest = 0;
  size_t count = 1;      // literals
  size_t weakest = 0;
  size_t shortest = 0;
  bool common_only = true;
  bool may_be_empty = true;

  size_t rarity() const { return std::min(weakest, kRareEnough); }
  void add(const ElementSummary& e) {
    count *= e.count;
    weakest += e.weakest;
    shortest += e.shortest;
    common_only = common_only && e.common_only;
    may_be_empty = may_be_empty && e.may_be_empty;
    ++rest;
  }
};

// The literal run starting at element `first`: words and word-only groups, optionally ending in one
// prefix, within the expansion bounds.
Candidate run_from(const std::vector<ElementSummary>& elements, size_t first) {
  Candidate c;
  c.first = c.rest = first;
  while (c.rest < elements.size()) {
    const ElementSummary& e = elements[c.rest];
    const bool started = c.rest > first;
    // A run of common words keeps growing past the usual bound: "i want" alone would send most
    // units to the verifier.
    const size_t cap = !started                                                  ? kMaxFirstElementLiterals
                       : c.common_only || c.rarity() <= kVeryCommonRarity ? kMaxWeakAnchorLiterals
                                                                              : kMaxAnchorLiterals;
    if (!e.options || c.count * e.count > cap) break;
    c.add(e);
    if (e.has_prefix) break;  // a literal ending in a prefix can't be followed by more words
    // Stop growing once the run is rare enough: longer runs only add literals.
    if (c.rarity() >= kRareEnough) break;
  }
  return c;
}

// Higher is better: rarer in ordinary text first; among anchors rare enough, fewer literals (each
// one costs the scanner), then the longest shortest literal.
std::tuple<size_t, long, size_t> rank(const Candidate& c) { return {c.rarity(), -static_cast<long>(c.count), c.shortest}; }

}  // namespace

PatternPlan plan_pattern(ParsedPattern pattern) {
  PatternPlan plan;
  plan.pattern = std::move(pattern);
  std::vector<ElementSummary> elements;
  elements.reserve(plan.pattern.size());
  for (const auto& e : plan.pattern) elements.push_back(summarise(e));
  std::optional<Candidate> best;
  for (size_t first = 0; first < elements.size(); ++first) {
    Candidate c = run_from(elements, first);
    // An anchor that may be empty anchors nothing.
    if (c.rest == c.first || c.may_be_empty) continue;
    if (!best || rank(c) > rank(*best)) best = c;
  }
  if (!best) {
    plan.use_regex = true;
    return plan;
  }
  Expansions literals{Expansion{}};
  for (size_t i = best->first; i < best->rest; ++i) {
    Expansions next;
    next.reserve(literals.size() * elements[i].count);
    for (const auto& p : literals) {
      for (const auto& x : *elements[i].options) next.push_back({p.body + x.body, 0, false, x.ends_in_prefix});
    }
    literals = std::move(next);
  }
  for (auto& x : literals) {
    // A literal ending in a prefix ends inside a word: verify() finds where that word ends.
    if (!x.ends_in_prefix) x.body.push_back(' ');
    plan.anchors.push_back(std::move(x.body));
  }
  plan.first = best->first;
  plan.rest = best->rest;
  return plan;
}

std::optional<Span> verify(const PatternPlan& plan, std::string_view text, size_t anchor_start, size_t anchor_end) {
  size_t pos = anchor_end;
  if (anchor_end > 0 && text[anchor_end - 1] != ' ') {  // the anchor ended in a prefix
    const size_t end = word_end(text, pos);
    if (end >= text.size()) return std::nullopt;
    pos = end + 1;
  }
  const size_t end = match_seq(plan.pattern, plan.rest, text, pos, [](size_t e) { return e; });
  if (end == std::string_view::npos) return std::nullopt;
  const size_t start = match_seq_back(plan.pattern, plan.first, text, anchor_start, [](size_t s) { return s; });
  if (start == std::string_view::npos) return std::nullopt;
  return Span{start + 1, end - 1};
}

}  // namespace vigil::signatures
