#include "vigil/signatures/normaliser.h"

#include <doctest/doctest.h>

#include <random>

using vigil::signatures::normalise;

namespace {
std::string norm(std::string_view s) { return normalise(s).text; }
}  // namespace

TEST_CASE("a 1 inside a word can read as i or as l; plain numbers are not ambiguous") {
  vigil::signatures::NormalisedText as_i;
  vigil::signatures::NormalisedText as_l;
  vigil::signatures::normalise_into("ki11 me", as_i);
  vigil::signatures::normalise_into("ki11 me", as_l, vigil::signatures::OneReadsAs::kL);
  CHECK(as_i.text == " ki me ");
  CHECK(as_l.text == " kil me ");
  CHECK(as_i.ambiguous_one);
  vigil::signatures::NormalisedText number;
  vigil::signatures::normalise_into("room 101 at 11", number);
  CHECK(!number.ambiguous_one);
}

TEST_CASE("case, punctuation and spacing fold to single-spaced lowercase words") {
  CHECK(norm("Hello,   WORLD!") == " helo world ");
  CHECK(norm("") == " ");
  CHECK(norm("   ") == " ");
}

TEST_CASE("leetspeak inside words is undone; plain numbers stay numbers") {
  CHECK(norm("k1ll mys3lf") == " kil myself ");
  CHECK(norm("$uicide") == " suicide ");
  CHECK(norm("sh!t") == " shit ");
  CHECK(norm("h3ll0 2024 999") == " helo 2024 999 ");
  CHECK(norm("wow!!!") == " wow ");
  CHECK(norm("h8 u") == " h8 u ");  // text-speak for hate, not leet
}

TEST_CASE("letter runs squeeze, so stretched words and real double letters read the same") {
  CHECK(norm("kmsss") == " kms ");
  CHECK(norm("KILLLLL") == norm("kill"));
  CHECK(norm("sooooo") == " so ");
}

TEST_CASE("apostrophes inside words disappear") {
  CHECK(norm("don't") == " dont ");
  CHECK(norm("I\xE2\x80\x99m fine") == " im fine ");
}

TEST_CASE("single letters spaced out or dotted are joined") {
  CHECK(norm("s u i c i d e") == " suicide ");
  CHECK(norm("s.u.i.c.i.d.e") == " suicide ");
  CHECK(norm("k y s now") == " kys now ");
  CHECK(norm("a b") == " a b ");  // two letters are not a spelled-out word
}

TEST_CASE("look-alike letters, zero-width characters, accents and full-width forms fold to Latin") {
  CHECK(norm("k\xD1\x96ll") == " kil ");                   // Cyrillic і
  CHECK(norm("ki\xE2\x80\x8Bll") == " kil ");              // zero-width space inside the word
  CHECK(norm("s\xC3\xBA\xC3\xAD""cide") == " suicide ");    // ú í
  CHECK(norm("\xEF\xBD\x8B\xEF\xBD\x8D\xEF\xBD\x93") == " kms ");  // full-width ｋｍｓ
  CHECK(norm("\xD0\xB0\xD0\xB5\xD0\xBE") == " aeo ");      // Cyrillic а е о
}

TEST_CASE("a code point that folds into several words keeps a well-formed offset map (fuzzer find)") {
  const std::string original = "i6\xC2\xBC";  // "i6¼": NFKC reads "i61⁄4"
  const auto n = normalise(original);
  CHECK(n.text == " i6i 4 ");
  for (size_t i = 0; i < n.text.size(); ++i) {
    CHECK(n.origin_begin[i] <= n.origin_end[i]);
    CHECK(n.origin_end[i] <= original.size());
  }
}

TEST_CASE("the offset map points every normalised byte back at the original") {
  const std::string original = "I want to K1LL  mys3lf!";
  const auto n = normalise(original);
  REQUIRE(n.origin_begin.size() == n.text.size());
  REQUIRE(n.origin_end.size() == n.text.size());
  const auto at = n.text.find("kil");
  REQUIRE(at != std::string::npos);
  CHECK(original.substr(n.origin_begin[at], n.origin_end[at + 2] - n.origin_begin[at]) == "K1LL");
  for (size_t i = 0; i < n.text.size(); ++i) {
    CHECK(n.origin_begin[i] <= n.origin_end[i]);
    CHECK(n.origin_end[i] <= original.size());
  }
}

TEST_CASE("hostile input never crashes: invalid UTF-8, NULs, RTL overrides, emoji, a 1 MB line") {
  const std::string invalid = "\xFF\xFE\xC0\x80 kill \xED\xA0\x80 myself \xF4\x90\x80\x80";
  CHECK(norm(invalid) == " kil myself ");
  CHECK(norm(std::string("ki\0ll", 5)) == " ki l ");
  CHECK(norm("\xE2\x80\xAEkill\xE2\x80\xAC myself") == " kil myself ");
  CHECK(norm("\xF0\x9F\x94\xAA kill \xF0\x9F\x98\xAD") == " kil ");
  std::string huge(1 << 20, ' ');
  for (size_t i = 0; i < huge.size(); ++i) huge[i] = i % 7 == 0 ? ' ' : static_cast<char>('a' + i % 26);
  const auto n = normalise(huge);
  CHECK(n.text.size() > 1000);
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::string noise(static_cast<size_t>(rng() % 512), '\0');
    for (auto& c : noise) c = static_cast<char>(rng());
    const auto r = normalise(noise);
    REQUIRE(r.origin_begin.size() == r.text.size());
    for (size_t i = 0; i < r.text.size(); ++i) REQUIRE(r.origin_end[i] <= noise.size());
  }
}

TEST_CASE("the ASCII fast path and the general path agree byte for byte, offsets included") {
  std::mt19937 rng(7);
  const std::string alphabet = "abcdeiklmosuy KILLMS01345789@$!'.-_,  \t";
  std::vector<std::string> inputs = {"s u i c i d e", "s.u.i.c.i.d.e now", "a b c d", "k y s", "wow!!! k1ll", "sh!t $uicide don't",
                                     "kmsss killlll", "x  y  z", "i a m", "!!!", "''", "a", "a b", "ab c d e", "1 2 3 a b c"};
  for (int round = 0; round < 5000; ++round) {
    std::string s(static_cast<size_t>(rng() % 40), ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    inputs.push_back(s);
  }
  for (const auto& input : inputs) {
    INFO("input: [" << input << "]");
    vigil::signatures::NormalisedText fast;
    vigil::signatures::NormalisedText general;
    vigil::signatures::normalise_into(input, fast);
    vigil::signatures::normalise_general(input, general);
    REQUIRE(fast.text == general.text);
    REQUIRE(fast.origin_begin == general.origin_begin);
    REQUIRE(fast.origin_end == general.origin_end);
  }
}

TEST_CASE("the quick text-only path gives exactly the full text whenever it answers") {
  std::mt19937 rng(11);
  const std::string alphabet = "abcdeiklmosuy KILLMS01345789@$!'`.-_,  \t\xc3\xa9";
  std::vector<std::string> inputs = {"s u i c i d e", "i am a cat", "a b", "x  y  z", "kmsss killlll", "don't", "it's 2024 now",
                                     "100 apples", "5'", "a'b", "hello!", "hel!o", "!hello", "$5", "me@", "@home", "k1ll",
                                     "", "!!!", "the  end.", "aa bb", "aa bb cc", "A B", "I'm fine, really."};
  size_t answered = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s(static_cast<size_t>(rng() % 40), ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    inputs.push_back(s);
  }
  // Long runs of letters and separators only: the 16-byte block path.
  const std::string plain = "aabeillmosstKLLS   ..,-\t";
  for (int round = 0; round < 20000; ++round) {
    std::string s(static_cast<size_t>(rng() % 120), ' ');
    for (auto& c : s) c = plain[rng() % plain.size()];
    if (round % 7 == 0 && !s.empty()) s[rng() % s.size()] = alphabet[rng() % alphabet.size()];
    inputs.push_back(s);
  }
  // Long units that cross 64-byte blocks, with apostrophes, digits and symbols at the seams.
  const std::string chat = "abcdeklmosy  ..,-\t''`0123456789@$!";
  for (int round = 0; round < 20000; ++round) {
    std::string s(static_cast<size_t>(rng() % 300), ' ');
    for (auto& c : s) c = rng() % 4 == 0 ? chat[rng() % chat.size()] : plain[rng() % plain.size()];
    inputs.push_back(s);
  }
  using vigil::signatures::QuickPath;
  for (const auto& input : inputs) {
    INFO("input: [" << input << "]");
    const std::string general = vigil::signatures::normalise(input).text;
    std::string quick;
    const bool best = vigil::signatures::normalise_text_quick(input, quick);
    if (best) REQUIRE(quick == general);
    // Every narrower path answers exactly when the widest does, with the same text.
    for (QuickPath path : {QuickPath::kSsse3, QuickPath::kPortable}) {
      std::string narrower;
      REQUIRE(vigil::signatures::normalise_text_quick(input, narrower, path) == best);
      if (best) REQUIRE(narrower == general);
    }
    answered += best ? 1 : 0;
  }
  // The quick path must actually take most plain text, or it saves nothing.
  CHECK(answered > inputs.size() / 10);
  std::string quick;
  CHECK(vigil::signatures::normalise_text_quick("I would like to go home now, please.", quick));
  CHECK(quick == " i would like to go home now please ");
  CHECK_FALSE(vigil::signatures::normalise_text_quick("k1ll myself", quick));
  CHECK_FALSE(vigil::signatures::normalise_text_quick("s u i c i d e", quick));
  CHECK_FALSE(vigil::signatures::normalise_text_quick("caf\xc3\xa9", quick));
}
