#include "vigil/signatures/pattern.h"

#include <fstream>
#include <string>

#include "vigil/signatures/normaliser.h"

#include <doctest/doctest.h>

using namespace vigil::signatures;

namespace {
std::string expression(std::string_view pattern) {
  auto r = parse_pattern(pattern);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return to_expression(*r);
}
std::string error_of(std::string_view pattern) {
  auto r = parse_pattern(pattern);
  return r.ok() ? std::string("parsed") : r.error().message;
}
}  // namespace

TEST_CASE("words are normalised like text, and groups become alternations in one expression") {
  CHECK(expression("kill myself") == " kil myself ");
  CHECK(expression("(kill|hang) (myself|my self)") == "(?: kil| hang)(?: myself| my self) ");
  CHECK(expression("Don't") == " dont ");
}

TEST_CASE("prefixes, numbers and gaps become bounded expressions") {
  CHECK(expression("suicid*") == " suicid[^ ]* ");
  CHECK(expression("send ~2 pic*") == " send(?: [^ ]+){0,2} pic[^ ]* ");
  CHECK(expression("no one would ~ care") == " no one would(?: [^ ]+){0,3} care ");
  CHECK(expression("# kms") == " [0-9]+ kms ");
}

TEST_CASE("an empty alternative makes a group optional") {
  CHECK(expression("(really |) want to die") == "(?: realy|) want to die ");
  CHECK(expression("(really)? want to die") == "(?: realy|) want to die ");
  CHECK(expression("get (the )?(blade|blades) out") == " get(?: the|)(?: blade| blades) out ");
}

TEST_CASE("groups nest") {
  CHECK(expression("(high score|beat (his|the) score) in") == "(?: high score| beat(?: his| the) score) in ");
}

TEST_CASE("many groups stay one expression") {
  const std::string e = expression("(a1|b1|c1) (a2|b2|c2) (a3|b3|c3) (a4|b4|c4) (a5|b5|c5) (a6|b6|c6) (a7|b7|c7)");
  CHECK(e.size() < 200);
}

TEST_CASE("malformed patterns are refused with a reason") {
  CHECK(error_of("(kill|hang myself").find("')'") != std::string::npos);
  CHECK(error_of("kill) myself").find("'('") != std::string::npos);
  CHECK(error_of("kms|kys").find("outside a group") != std::string::npos);
  CHECK(error_of("(a|(b|(c|(d|(e|f)))))").find("4 deep") != std::string::npos);
  CHECK(error_of("~ kill").find("between two words") != std::string::npos);
  CHECK(error_of("kill ~").find("between two words") != std::string::npos);
  CHECK(error_of("kill ~9 me").find("~1..~5") != std::string::npos);
  CHECK(error_of("ki*ll").find("end of a word") != std::string::npos);
  CHECK(error_of("!!!").find("no words") != std::string::npos);
  CHECK(expression("(my) self") == "(?: my) self ");
  CHECK(expression("(molotov)-ribbentrop") == "(?: molotov) ribentrop ");
  CHECK(error_of("un(alive|done)").find("stand apart") != std::string::npos);
  CHECK(error_of("(a ~ b|c)").find("inside a group") != std::string::npos);
  CHECK(error_of("(a)?b").find("stand apart") != std::string::npos);
  CHECK(error_of("kill " + std::string(300, 'x')).find("longer than 255 bytes") != std::string::npos);
  CHECK(error_of("(|)").find("at least one word") != std::string::npos);
}

TEST_CASE("a group's repeated alternatives count once") {
  CHECK(expression("(kill|kill|) me") == "(?: kil|) me ");
  CHECK(expression("(a||||b|) c") == "(?: a|| b) c ");
}

TEST_CASE("a pattern of many optional parts is refused: the verifier would retry each from the same place") {
  CHECK(expression("(a|) (b|) (c|) (d|) (e|) ~ (f|) (g|) (h|) (i|) zz").size() > 0);  // ten is the limit
  CHECK(error_of("(a|) (b|) (c|) (d|) (e|) ~ (f|) (g|) (h|) (i|) (j|) zz").find("11 optional groups and gaps; at most 10") != std::string::npos);
}

TEST_CASE("plain words are read exactly as the normaliser reads them") {
  // Pattern words of letters only skip the normaliser; every such English word must come out the same.
  std::ifstream dictionary("/usr/share/dict/words");
  REQUIRE_MESSAGE(dictionary.good(), "no /usr/share/dict/words (Debian's wamerican)");
  std::string word;
  size_t checked = 0;
  while (std::getline(dictionary, word)) {
    if (word.empty() || word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) continue;
    auto parsed = parse_pattern(word);
    REQUIRE(parsed.ok());
    REQUIRE_MESSAGE(to_expression(*parsed) == normalise(word).text, word);
    ++checked;
  }
  CHECK(checked > 50000);
}
