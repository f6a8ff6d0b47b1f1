#include "vigil/signatures/pattern_plan.h"

#include "common_words.h"
#include "vigil/signatures/normaliser.h"

#include <algorithm>
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

// How rare an anchor is, without a frequency list: each of English's commonest words counts 1,
// a shorter word or a prefix its length, and any other word is rare enough alone; a run's
// rarity is the sum, capped where an alternative gets rare enough that the verifier runs seldom
// ("kill myself", "sewerslid*", "i want to die" all reach it). The weakest alternative decides:
// the anchor fires whenever any of them occurs.
constexpr size_t kRareEnough = 6;
// Runs this weak ("of", "you", "end her") would verify nearly every unit: they may grow further.
constexpr size_t kVeryCommonRarity = 2;
// Any word this long that is not among the commonest anchors alone. Measured on the shipped pack:
// scoring such words by their length instead made 26,000 of its 36,000 literals products of
// several groups ("(delete|wipe) (our|the) (chats|dms)"), for a rarity the word list can't judge
// anyway, and Hyperscan slows with every literal.
constexpr size_t kShortestRareWord = 3;

Expansion single_word(const std::string& word, bool prefix) {
  const bool common = !prefix && is_common_word(word);
  const size_t score = common ? 1 : (!prefix && word.size() >= kShortestRareWord) ? kRareEnough : word.size();
  return {" " + word, score, common, prefix};
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

// What the planner needs of one element's literals, without forming the products of a run: the
// rarity, length and commonness of a product follow from its elements' (the weakest product is
// the sum of each element's weakest, and so on).
struct ElementSummary {
  bool usable = false;     // false: the element can't be part of an anchor
  size_t count = 0;
  size_t weakest = 0;      // smallest score
  size_t shortest = 0;     // shortest body
  bool common_only = true;
  bool may_be_empty = false;
  bool has_prefix = false;
};

// The summary of literal_expansions(e, limit), computed without forming a single literal: counts
// multiply along an alternative and add across a group, scores and lengths add along and take the
// least across. Planning every pattern at each start costs a third of what expanding did.
ElementSummary summarise(const PatternElement& e) {
  constexpr size_t limit = kMaxFirstElementLiterals;
  ElementSummary s;
  if (e.kind == Kind::kWord || e.kind == Kind::kPrefix) {
    const Expansion x = single_word(e.text, e.kind == Kind::kPrefix);
    return {true, 1, x.score, x.body.size(), x.common_only, false, x.ends_in_prefix};
  }
  if (e.kind != Kind::kGroup) return s;
  s = {true, 0, SIZE_MAX, SIZE_MAX, true, false, false};
  for (const auto& alternative : e.alternatives) {
    ElementSummary along{true, 1, 0, 0, true, true, false};
    for (size_t i = 0; i < alternative.size(); ++i) {
      const ElementSummary inner = summarise(alternative[i]);
      if (!inner.usable) return {};
      if (i > 0 && along.has_prefix) return {};  // a literal ending in a prefix can't go on
      along.count *= inner.count;
      if (along.count > limit) return {};
      along.weakest += inner.weakest;
      along.shortest += inner.shortest;
      along.common_only = along.common_only && inner.common_only;
      along.may_be_empty = along.may_be_empty && inner.may_be_empty;
      along.has_prefix = inner.has_prefix;
    }
    s.count += along.count;
    if (s.count > limit) return {};
    s.weakest = std::min(s.weakest, along.weakest);
    s.shortest = std::min(s.shortest, along.shortest);
    s.common_only = s.common_only && along.common_only;
    s.may_be_empty = s.may_be_empty || along.may_be_empty;
    s.has_prefix = s.has_prefix || along.has_prefix;
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
using Summaries = std::vector<const ElementSummary*>;

Candidate run_from(const Summaries& elements, size_t first) {
  Candidate c;
  c.first = c.rest = first;
  while (c.rest < elements.size()) {
    const ElementSummary& e = *elements[c.rest];
    const bool started = c.rest > first;
    // A run still weak ("i want" alone would send most units to the verifier) has its own bound,
    // today the same as the usual one: measured, a larger one only added literals.
    const size_t cap = !started                                                  ? kMaxFirstElementLiterals
                       : c.common_only || c.rarity() <= kVeryCommonRarity ? kMaxWeakAnchorLiterals
                                                                              : kMaxAnchorLiterals;
    if (!e.usable || c.count * e.count > cap) break;
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

std::optional<Candidate> best_anchor(const Summaries& elements) {
  std::optional<Candidate> best;
  for (size_t first = 0; first < elements.size(); ++first) {
    Candidate c = run_from(elements, first);
    // An anchor that may be empty anchors nothing.
    if (c.rest == c.first || c.may_be_empty) continue;
    if (!best || rank(c) > rank(*best)) best = c;
  }
  return best;
}

std::vector<ElementSummary> summarise_all(const ParsedPattern& pattern) {
  std::vector<ElementSummary> out;
  out.reserve(pattern.size());
  for (const auto& e : pattern) out.push_back(summarise(e));
  return out;
}

Summaries pointers_to(const std::vector<ElementSummary>& summaries) {
  Summaries out;
  for (const auto& s : summaries) out.push_back(&s);
  return out;
}

// The plan for `pattern` whose elements' summaries are `summaries` (plan_parts keeps them to judge
// splits without summarising the pattern again).
PatternPlan plan_from(ParsedPattern pattern, const std::vector<ElementSummary>& summaries) {
  PatternPlan plan;
  plan.pattern = std::move(pattern);
  const Summaries elements = pointers_to(summaries);
  const std::optional<Candidate> best = best_anchor(elements);
  if (!best) {
    plan.use_regex = true;
    return plan;
  }
  // Only the anchor's elements are expanded into literals; the summaries agree with them.
  Expansions literals{Expansion{}};
  for (size_t i = best->first; i < best->rest; ++i) {
    const std::optional<Expansions> options = literal_expansions(plan.pattern[i], kMaxFirstElementLiterals);
    if (!options || options->size() != elements[i]->count) {
      plan.use_regex = true;  // never expected: the summary said these expand
      return plan;
    }
    Expansions next;
    next.reserve(literals.size() * options->size());
    for (const auto& p : literals) {
      for (const auto& x : *options) next.push_back({p.body + x.body, 0, false, x.ends_in_prefix});
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
  plan.rarity = best->rarity();
  return plan;
}

}  // namespace

PatternPlan plan_pattern(ParsedPattern pattern) {
  const std::vector<ElementSummary> summaries = summarise_all(pattern);
  return plan_from(std::move(pattern), summaries);
}

namespace {

// A split never goes deeper than this, nor makes more parts than kMaxPatternParts, nor adds more
// than kMaxSplitExtraLiterals literals to the pattern's.
constexpr size_t kMaxSplitDepth = 2;
constexpr size_t kMaxSplitExtraLiterals = 128;

ParsedPattern with_alternative(const ParsedPattern& pattern, size_t group, const ParsedPattern& alternative) {
  ParsedPattern out(pattern.begin(), pattern.begin() + static_cast<long>(group));
  out.insert(out.end(), alternative.begin(), alternative.end());
  out.insert(out.end(), pattern.begin() + static_cast<long>(group) + 1, pattern.end());
  return out;
}

// What splitting on one group would give, judged from element summaries alone (planning every
// part in full for every group tried made start-up from the cache twice as slow).
struct SplitOutcome {
  size_t weakest = kRareEnough;  // the weakest part's rarity; 0 when a part has no anchor
  size_t literals = 0;
};

SplitOutcome judge_split(const std::vector<ElementSummary>& summaries, size_t group, const PatternElement& e) {
  SplitOutcome out;
  for (const auto& alternative : e.alternatives) {
    const std::vector<ElementSummary> inner = summarise_all(alternative);
    Summaries part;
    for (size_t i = 0; i < group; ++i) part.push_back(&summaries[i]);
    for (const auto& x : inner) part.push_back(&x);
    for (size_t i = group + 1; i < summaries.size(); ++i) part.push_back(&summaries[i]);
    const std::optional<Candidate> best = best_anchor(part);
    out.weakest = std::min(out.weakest, best ? best->rarity() : 0);
    out.literals += best ? best->count : 0;
  }
  return out;
}

void plan_parts(ParsedPattern whole_pattern, size_t depth, size_t budget, std::vector<PatternPlan>& out) {
  const std::vector<ElementSummary> summaries = summarise_all(whole_pattern);
  PatternPlan whole = plan_from(std::move(whole_pattern), summaries);
  if (whole.use_regex || whole.rarity > kVeryCommonRarity || depth >= kMaxSplitDepth) {
    out.push_back(std::move(whole));
    return;
  }
  const ParsedPattern& pattern = whole.pattern;
  // Try each group (with no empty alternative, so no part loses a word between two gaps) and keep
  // the split whose weakest part is rarest, then the one with fewest literals.
  std::optional<std::pair<size_t, SplitOutcome>> best;
  for (size_t g = 0; g < pattern.size(); ++g) {
    const PatternElement& e = pattern[g];
    if (e.kind != Kind::kGroup || e.alternatives.size() < 2 || e.alternatives.size() > budget) continue;
    if (std::any_of(e.alternatives.begin(), e.alternatives.end(), [](const ParsedPattern& a) { return a.empty(); })) continue;
    const SplitOutcome outcome = judge_split(summaries, g, e);
    if (!best || std::make_pair(outcome.weakest, -static_cast<long>(outcome.literals)) >
                     std::make_pair(best->second.weakest, -static_cast<long>(best->second.literals))) {
      best = {g, outcome};
    }
  }
  // Worth it only while the parts' literals stay few: every literal slows every scan a little.
  if (!best || best->second.weakest <= whole.rarity || best->second.literals > whole.anchors.size() + kMaxSplitExtraLiterals) {
    out.push_back(std::move(whole));
    return;
  }
  // Parts that are still weak may split again on another group, within what is left of the budget.
  const PatternElement& group = pattern[best->first];
  const size_t share = std::max<size_t>(1, budget / group.alternatives.size());
  for (const auto& alternative : group.alternatives) {
    ParsedPattern part = with_alternative(pattern, best->first, alternative);
    if (share < 2) {
      out.push_back(plan_pattern(std::move(part)));
    } else {
      plan_parts(std::move(part), depth + 1, share, out);
    }
  }
}

}  // namespace

std::vector<PatternPlan> plan_pattern_parts(ParsedPattern pattern) {
  std::vector<PatternPlan> out;
  plan_parts(std::move(pattern), 0, kMaxPatternParts, out);
  return out;
}

}  // namespace vigil::signatures
