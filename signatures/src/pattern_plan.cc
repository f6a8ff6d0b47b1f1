#include "vigil/signatures/pattern_plan.h"

#include <functional>
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

using Continue = std::function<size_t(size_t)>;

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

PatternPlan plan_pattern(ParsedPattern pattern) {
  PatternPlan plan;
  plan.pattern = std::move(pattern);
  const auto& elements = plan.pattern;
  // The anchor run: leading words and word-only groups, optionally ending in one prefix.
  WordLists expansions{{}};
  size_t run = 0;
  bool prefix = false;
  while (run < elements.size()) {
    const PatternElement& e = elements[run];
    const size_t limit = run == 0 ? kMaxFirstElementLiterals : kMaxAnchorLiterals;
    std::optional<WordLists> options =
        e.kind == Kind::kPrefix ? std::optional<WordLists>(WordLists{{e.text}}) : literal_expansions(e, limit);
    if (!options || (run > 0 && expansions.size() * options->size() > kMaxAnchorLiterals)) break;
    WordLists next;
    for (const auto& p : expansions) {
      for (const auto& x : *options) {
        auto words = p;
        words.insert(words.end(), x.begin(), x.end());
        next.push_back(std::move(words));
      }
    }
    expansions = std::move(next);
    ++run;
    if (e.kind == Kind::kPrefix) {
      prefix = true;
      break;
    }
  }
  if (run == 0) {
    plan.use_regex = true;
    return plan;
  }
  for (const auto& words : expansions) {
    // An anchor that could be empty (every word optional) cannot anchor anything.
    if (words.empty()) {
      plan.use_regex = true;
      plan.anchors.clear();
      return plan;
    }
    std::string literal;
    for (const auto& w : words) literal += " " + w;
    if (!prefix) literal.push_back(' ');
    plan.anchors.push_back(std::move(literal));
  }
  plan.anchor_ends_in_prefix = prefix;
  plan.rest = run;
  return plan;
}

size_t verify_rest(const PatternPlan& plan, std::string_view text, size_t anchor_end) {
  size_t pos = anchor_end;
  if (plan.anchor_ends_in_prefix) {
    const size_t end = word_end(text, pos);
    if (end >= text.size()) return std::string_view::npos;
    pos = end + 1;
  }
  return match_seq(plan.pattern, plan.rest, text, pos, [](size_t end) { return end; });
}

}  // namespace vigil::signatures
