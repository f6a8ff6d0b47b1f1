#include "vigil/signatures/word_codes.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "vigil/signatures/matcher.h"
#include "vigil/signatures/normaliser.h"

using namespace vigil::signatures;

namespace {

uint32_t code_at(const WordCodes& codes, size_t i) {
  uint32_t code = 0;
  for (size_t b = 0; b < kWordCodeBytes; ++b) code |= static_cast<uint32_t>(static_cast<uint8_t>(codes.codes()[i * kWordCodeBytes + b])) << (8 * b);
  return code;
}

std::shared_ptr<const Matcher> matcher_of(const std::vector<std::string>& patterns) {
  RulePack pack;
  pack.name = "test";
  for (size_t i = 0; i < patterns.size(); ++i) {
    Rule rule;
    rule.id = "test.rule" + std::to_string(i);
    rule.category = "suicide";
    rule.severity = 5;
    rule.patterns = {patterns[i]};
    pack.rules.push_back(rule);
  }
  auto m = Matcher::compile(std::move(pack));
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message));
  return *m;
}

size_t hits_in(const Matcher& m, const std::string& text) {
  auto scratch = m.make_scratch();
  REQUIRE(scratch.ok());
  auto hits = m.scan(text, *scratch);
  REQUIRE(hits.ok());
  return hits->size();
}

}  // namespace

TEST_CASE("word codes: one code per word, where each starts, the same code as the word alone") {
  WordCodes codes;
  const std::vector<std::string> texts = {
      " ", " a ", " kill my self now ", " abcdefgh abcdefghi abcdefghijklmnopq x ",
      // more than 64 bytes, so words straddle the 64-byte blocks the boundaries are found in
      " the quick brown fox jumps over the lazy dog and then the very quick brown fox jumps again over it ",
  };
  for (const auto& text : texts) {
    INFO("text: [" << text << "]");
    codes.encode(text);
    std::vector<std::string> words;
    std::vector<uint32_t> starts;
    for (size_t i = 1; i < text.size();) {
      const size_t space = text.find(' ', i);
      words.push_back(text.substr(i, space - i));
      starts.push_back(static_cast<uint32_t>(i));
      i = space + 1;
    }
    REQUIRE(codes.words() == words.size());
    CHECK(codes.codes().size() == words.size() * kWordCodeBytes);
    for (size_t w = 0; w < words.size(); ++w) {
      CHECK(codes.start(w) == starts[w]);
      CHECK(code_at(codes, w) == word_code(words[w]));
    }
    CHECK(codes.start(words.size()) == text.size());
  }
  CHECK(word_code("abcdefgh") != word_code("abcdefghi"));
  CHECK(word_code("kill") != word_code("skill"));
}

TEST_CASE("a word whose code is an anchor's own is not taken for it: the anchor's text decides") {
  // Find, by brute force, a word with the same code as "kill" that normalises to itself.
  const uint32_t target = word_code("kill");
  std::string twin;
  std::string w = "aaaaa";
  for (uint64_t n = 0; twin.empty() && n < 400'000'000; ++n) {
    uint64_t x = n;
    for (auto& c : w) {
      c = static_cast<char>('a' + x % 26);
      x /= 26;
    }
    if (word_code(w) != target) continue;
    if (normalise(w).text == " " + w + " ") twin = w;
  }
  REQUIRE_FALSE(twin.empty());
  INFO("twin of kill: " << twin);
  const auto m = matcher_of({"kill", "i am (sad|tired)"});
  CHECK(hits_in(*m, "i will " + twin + " it") == 0);
  CHECK(hits_in(*m, twin) == 0);
  CHECK(hits_in(*m, "i will kill it") == 1);
  CHECK(hits_in(*m, "i am tired of " + twin) == 1);
}

TEST_CASE("anchors that are a lone prefix have no code and are found word by word") {
  const auto m = matcher_of({"suicid*", "(kill|hurt) my*"});
  CHECK(hits_in(*m, "feeling suicidal today") == 1);
  CHECK(hits_in(*m, "suicide") == 1);
  CHECK(hits_in(*m, "nonsuicidal") == 0);
  CHECK(hits_in(*m, "i could kill myself") == 1);
  CHECK(hits_in(*m, "i could kill") == 0);
}
