// The literal-plus-verifier path must find exactly what the pattern's expression finds, whatever
// the planner chose as anchors and however it split the pattern. std::regex runs the expression
// (to_expression) as the reference.
#include "vigil/signatures/pattern_program.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "vigil/signatures/pattern.h"
#include "vigil/signatures/pattern_plan.h"

using namespace vigil::signatures;

namespace {

ParsedPattern parsed(std::string_view pattern) {
  auto r = parse_pattern(pattern);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::move(*r);
}

// Whether any part of the pattern, anchored wherever one of its literals occurs, verifies.
bool found_by_parts(const std::vector<PatternPlan>& parts, const PatternProgram& program, const std::vector<PatternProgram::Id>& ids,
                    const std::string& text) {
  for (size_t p = 0; p < parts.size(); ++p) {
    for (const auto& literal : parts[p].anchors) {
      for (size_t at = text.find(literal); at != std::string::npos; at = text.find(literal, at + 1)) {
        if (program.verify(ids[p], text, at, at + literal.size())) return true;
      }
    }
  }
  return false;
}

// One random instance of the pattern's words: an alternative per group, some words per gap, a
// number, and a suffix or none after a prefix.
void instance(const ParsedPattern& pattern, std::mt19937& rng, const std::vector<std::string>& fillers, std::vector<std::string>& out) {
  for (const auto& e : pattern) {
    switch (e.kind) {
      case PatternElement::Kind::kWord:
        out.push_back(e.text);
        break;
      case PatternElement::Kind::kPrefix:
        out.push_back(e.text + (rng() % 2 ? "" : "ed"));
        break;
      case PatternElement::Kind::kNumber:
        out.push_back(std::to_string(rng() % 30));
        break;
      case PatternElement::Kind::kGap:
        for (int n = static_cast<int>(rng() % static_cast<unsigned>(e.max_gap + 2)); n > 0; --n) out.push_back(fillers[rng() % fillers.size()]);
        break;
      case PatternElement::Kind::kGroup:
        instance(e.alternatives[rng() % e.alternatives.size()], rng, fillers, out);
        break;
    }
  }
}

// Normalised text (" w1 w2 ... ") around an instance of the pattern, often spoilt by one replaced,
// dropped or repeated word, so that matches and near misses both occur.
std::string random_text(std::mt19937& rng, const ParsedPattern& pattern, const std::vector<std::string>& words) {
  std::vector<std::string> sequence;
  for (int n = static_cast<int>(rng() % 3); n > 0; --n) sequence.push_back(words[rng() % words.size()]);
  instance(pattern, rng, words, sequence);
  for (int n = static_cast<int>(rng() % 3); n > 0; --n) sequence.push_back(words[rng() % words.size()]);
  const size_t at = rng() % sequence.size();
  switch (rng() % 4) {
    case 0:
      sequence[at] = words[rng() % words.size()];
      break;
    case 1:
      if (sequence.size() > 1) sequence.erase(sequence.begin() + static_cast<long>(at));
      break;
    case 2:
      sequence.insert(sequence.begin() + static_cast<long>(at), sequence[at]);
      break;
    default:
      break;
  }
  std::string text = " ";
  for (const auto& w : sequence) text += w + " ";
  return text;
}

void collect_words(const ParsedPattern& pattern, std::set<std::string>& out) {
  for (const auto& e : pattern) {
    if (e.kind == PatternElement::Kind::kWord) out.insert(e.text);
    if (e.kind == PatternElement::Kind::kPrefix) {
      out.insert(e.text);
      out.insert(e.text + "ed");
    }
    for (const auto& alternative : e.alternatives) collect_words(alternative, out);
  }
}

}  // namespace

TEST_CASE("the verifier finds what the pattern's expression finds, split or not") {
  const std::vector<std::string> patterns = {
      "(im gonna|im going to|ima|imma|i will|ill|were gonna|gonna|going to) (batter|beat up|beat|smash|jump|punch|get) (you|u|ya|him|her|them)",
      "(hide|cover) ~2 (being drunk|red eyes)",
      "sewerslid*",
      "day # of (my|the) fast",
      "(the)? bando",
      "(a|the) ((big|small) dog|cat) ~1 (bit|scratched) (me|him)",
      "(i|we) (want|wanna) to (go|be) (home|gone|out)",
      "(nobody|no one) (would|will) (miss|care about) (me|you) (if|when) (i|you) (die|died|left)",
      "(im|i am) (12|13|14) (and|n)? (alone|home alone)",
      "kill ~1 (myself|my self)",
      "(really want to|going to|gonna|(want|need) to) kill myself (with a knife|by jumping off|(to|tonight) (then|lol))",
      "(my mum|our dad|the (head|class) teacher) ~2 sewerslid* (at|in) (the park|school)",
      "(you|u) (are|r) (so|really)? (ugly|fat|dumb)",
  };
  const std::vector<std::string> fillers = {"the", "a", "and", "to", "of", "you", "me", "school", "12", "420", "it"};
  std::mt19937 rng(20261126);
  for (const auto& text : patterns) {
    CAPTURE(text);
    const ParsedPattern pattern = parsed(text);
    const std::regex expression(to_expression(pattern));
    const auto parts = plan_pattern_parts(pattern);
    PatternProgram program;
    std::vector<PatternProgram::Id> ids;
    for (const auto& part : parts) {
      REQUIRE_FALSE(part.use_regex);
      ids.push_back(program.add(part));
    }
    std::set<std::string> vocabulary(fillers.begin(), fillers.end());
    collect_words(pattern, vocabulary);
    const std::vector<std::string> words(vocabulary.begin(), vocabulary.end());
    size_t found = 0;
    for (int i = 0; i < 3000; ++i) {
      const std::string sample = random_text(rng, pattern, words);
      CAPTURE(sample);
      const bool expected = std::regex_search(sample, expression);
      REQUIRE(found_by_parts(parts, program, ids, sample) == expected);
      found += expected;
    }
    CHECK(found > 300);  // the sampling reached matches and near misses alike
    CHECK(found < 2700);
  }
}

TEST_CASE("a pattern anchored only on common words is split into parts with rarer anchors") {
  const std::string text =
      "(im gonna|im going to|ima|imma|i will|ill|were gonna|were going to|we will|gonna|going to) "
      "(batter|beat up|beat|smash|jump|bang|deck|punch|slap|kick|lamp|knock out|sort out|get) (you|u|ya|him|her|them)";
  const auto whole = plan_pattern(parsed(text));
  const auto parts = plan_pattern_parts(parsed(text));
  REQUIRE(parts.size() > 1);
  size_t weakest = SIZE_MAX;
  for (const auto& part : parts) weakest = std::min(weakest, part.rarity);
  CHECK(weakest > whole.rarity);
  CHECK(std::none_of(parts.begin(), parts.end(), [](const PatternPlan& p) {
    return std::find(p.anchors.begin(), p.anchors.end(), " you ") != p.anchors.end();
  }));
}

TEST_CASE("a pattern with a rare word keeps one plan") {
  const auto parts = plan_pattern_parts(parsed("(want|going) to kill myself"));
  REQUIRE(parts.size() == 1);
  CHECK_FALSE(parts[0].anchors.empty());
}
