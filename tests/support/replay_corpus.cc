#include "support/replay_corpus.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <vector>

namespace vigil::test {
namespace {

struct Line {
  const char* text;
  const char* category;  // nullptr: must not match
};

// Matches are spread over the small pack's categories and evasions; the clean lines are near
// misses that naive keyword matching would flag.
const std::vector<Line> kMatching = {
    {"honestly i want to kill myself", "suicide"},
    {"gonna k1ll mys3lf tonight", "suicide"},
    {"no one would even miss me", "suicide"},
    {"everyone hates you loser", "bullying"},
    {"just kys", "bullying"},
    {"where can i buy weed round here", "drugs"},
};
const std::vector<Line> kClean = {
    {"kill the lights when you leave", nullptr},
    {"i nearly kill myself laughing at that", nullptr},
    {"everyone hates mondays", nullptr},
    {"buy weed killer for the garden", nullptr},
    {"homework is due on friday", nullptr},
    {"the 10 kms walk was long", nullptr},
};

}  // namespace

ReplayCorpus write_replay_corpus(const std::filesystem::path& path, size_t events, size_t match_every) {
  ReplayCorpus corpus;
  corpus.events = events;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (size_t i = 0; i < events; ++i) {
    char token[32];
    std::snprintf(token, sizeof token, "evt-%06zu", i);
    const bool match = match_every > 0 && i % match_every == 0;
    const Line& line = match ? kMatching[(i / match_every) % kMatching.size()] : kClean[i % kClean.size()];
    nlohmann::json j = {{"ts", "2026-11-26T09:15:02Z"},
                        {"source", "keyboard"},
                        {"user", "pupil" + std::to_string(i % 7)},
                        {"app", "firefox"},
                        {"title", "Search - Mozilla Firefox"},
                        {"url", "https://www.example.org/search"},
                        {"text", std::string(token) + " " + line.text}};
    out << j.dump() << "\n";
    if (match) corpus.expected[token] = line.category;
  }
  return corpus;
}

std::string token_in(const std::string& text) {
  constexpr size_t kDigits = 6;
  for (size_t at = text.find("evt-"); at != std::string::npos; at = text.find("evt-", at + 1)) {
    if (at + 4 + kDigits > text.size()) break;
    const std::string digits = text.substr(at + 4, kDigits);
    if (digits.find_first_not_of("0123456789") == std::string::npos) return text.substr(at, 4 + kDigits);
  }
  return {};
}

}  // namespace vigil::test
