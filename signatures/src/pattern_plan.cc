#include "vigil/signatures/pattern_plan.h"

#include "vigil/signatures/normaliser.h"

#include <functional>
#include <set>
#include <tuple>
#include <optional>

namespace vigil::signatures {
namespace {

using Kind = PatternElement::Kind;

using WordLists = std::vector<std::vector<std::string>>;

// Every word sequence an element can stand for, if it is made of words only and the count stays
// within `limit`; std::nullopt otherwise (prefixes, numbers, gaps, or too many).
std::optional<WordLists> literal_expansions(const PatternElement& e, size_t limit) {
  if (e.kind == Kind::kWord) return WordLists{{e.text}};
  if (e.kind != Kind::kGroup) return std::nullopt;
  WordLists out;
  for (const auto& alt : e.alternatives) {
    WordLists partial{{}};
    for (const auto& inner : alt) {
      auto expanded = literal_expansions(inner, limit);
      if (!expanded) return std::nullopt;
      WordLists next;
      for (const auto& p : partial) {
        for (const auto& x : *expanded) {
          auto words = p;
          words.insert(words.end(), x.begin(), x.end());
          next.push_back(std::move(words));
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

}  // namespace

// Words so common in any text that an anchor made only of them would send most units to the
// verifier ("you", "my", "i want"): such anchors keep growing past kMaxAnchorLiterals.
bool only_common_words(const WordLists& expansions) {
  static const std::set<std::string> kCommon = [] {
    std::set<std::string> words;
    for (const char* w : {"i", "im", "u", "you", "ur", "your", "youre", "my", "me", "a", "an", "the", "to", "and", "or", "of", "it",
                          "its", "is", "in", "on", "for", "be", "he", "she", "his", "her", "him", "they", "them", "we", "us", "this",
                          "that", "so", "just", "do", "dont", "not", "no", "get", "go", "if", "at", "as", "with", "all", "can", "will",
                          "have", "got", "what", "how", "when", "are", "was", "want", "wanna", "gonna", "going", "some", "one", "like",
                          "make", "by", "from", "up", "out", "about", "who", "where", "would", "should", "could", "any", "there"}) {
      words.insert(normalise(w).text.substr(1, normalise(w).text.size() - 2));  // normalised form: "will" reads "wil"
    }
    return words;
  }();
  for (const auto& words : expansions) {
    for (const auto& w : words) {
      if (!kCommon.count(w)) return false;
    }
  }
  return true;
}

namespace {

struct Candidate {
  size_t first = 0;
  size_t rest = 0;
  bool prefix = false;
  WordLists expansions;
};

// The literal run starting at element `first`: words and word-only groups, optionally ending in one
// prefix, within the expansion bounds.
Candidate run_from(const ParsedPattern& elements, size_t first) {
  Candidate c;
  c.first = first;
  c.expansions = {{}};
  size_t i = first;
  while (i < elements.size()) {
    const PatternElement& e = elements[i];
    const bool started = i > first;
    const bool common = started && only_common_words(c.expansions);
    const size_t cap = !started || common ? kMaxFirstElementLiterals : kMaxAnchorLiterals;
    std::optional<WordLists> options =
        e.kind == Kind::kPrefix ? std::optional<WordLists>(WordLists{{e.text}}) : literal_expansions(e, kMaxFirstElementLiterals);
    if (!options || c.expansions.size() * options->size() > cap) break;
    WordLists next;
    for (const auto& p : c.expansions) {
      for (const auto& x : *options) {
        auto words = p;
        words.insert(words.end(), x.begin(), x.end());
        next.push_back(std::move(words));
      }
    }
    c.expansions = std::move(next);
    ++i;
    if (e.kind == Kind::kPrefix) {
      c.prefix = true;
      break;
    }
  }
  c.rest = i;
  return c;
}

bool usable(const Candidate& c) {
  if (c.rest == c.first) return false;
  for (const auto& words : c.expansions) {
    if (words.empty()) return false;  // an anchor that may be empty anchors nothing
  }
  return true;
}

// Higher is rarer in ordinary text: any uncommon word beats none; then the shortest literal's
// length; then fewer alternatives.
std::tuple<bool, size_t, long> rarity(const Candidate& c) {
  size_t shortest = SIZE_MAX;
  for (const auto& words : c.expansions) {
    size_t length = 0;
    for (const auto& w : words) length += w.size() + 1;
    shortest = std::min(shortest, length);
  }
  return {!only_common_words(c.expansions), shortest, -static_cast<long>(c.expansions.size())};
}

}  // namespace

PatternPlan plan_pattern(ParsedPattern pattern) {
  PatternPlan plan;
  plan.pattern = std::move(pattern);
  std::optional<Candidate> best;
  for (size_t first = 0; first < plan.pattern.size(); ++first) {
    Candidate c = run_from(plan.pattern, first);
    if (!usable(c)) continue;
    if (!best || rarity(c) > rarity(*best)) best = std::move(c);
  }
  if (!best) {
    plan.use_regex = true;
    return plan;
  }
  for (const auto& words : best->expansions) {
    std::string literal;
    for (const auto& w : words) literal += " " + w;
    if (!best->prefix) literal.push_back(' ');
    plan.anchors.push_back(std::move(literal));
  }
  plan.anchor_ends_in_prefix = best->prefix;
  plan.first = best->first;
  plan.rest = best->rest;
  return plan;
}

std::optional<Span> verify(const PatternPlan& plan, std::string_view text, size_t anchor_start, size_t anchor_end) {
  size_t pos = anchor_end;
  if (plan.anchor_ends_in_prefix) {
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
