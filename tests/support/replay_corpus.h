#pragma once
// Deterministic replay files for pipeline tests: N events, of which a known subset match the
// small test pack, each matching event carrying a unique token so the test can check that every
// expected capture arrived exactly once.

#include <filesystem>
#include <map>
#include <string>

namespace vigil::test {

struct ReplayCorpus {
  size_t events = 0;
  std::map<std::string, std::string> expected;  // token -> category
};

// Writes `events` lines; every `match_every`-th line matches one of the small pack's rules.
ReplayCorpus write_replay_corpus(const std::filesystem::path& path, size_t events, size_t match_every);

// The token ("evt-000123") in a capture's text, or "" if none.
std::string token_in(const std::string& text);

}  // namespace vigil::test
