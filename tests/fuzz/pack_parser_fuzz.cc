// libFuzzer target: any bytes as a category file of a rule pack. Invariants: no crash, no hang; a
// refusal names the file and says why; an accepted pack compiles and scans its own examples.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "vigil/signatures/matcher.h"
#include "vigil/signatures/rule_pack.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<vigil::signatures::PackFile> files{
      {"manifest.toml", "format = 1\nname = \"fuzz\"\nversion = \"1\"\n"},
      {"suicide.toml", std::string(reinterpret_cast<const char*>(data), size)},
  };
  auto pack = vigil::signatures::parse_rule_pack(std::move(files));
  if (!pack) {
    if (pack.error().message.find("suicide.toml") == std::string::npos && pack.error().message.find("rule") == std::string::npos &&
        pack.error().message.find("pack") == std::string::npos) {
      abort();
    }
    return 0;
  }
  auto matcher = vigil::signatures::Matcher::compile(std::move(*pack));
  if (!matcher) return 0;  // e.g. Hyperscan refusing a pathological pattern: reported, not fatal
  auto scratch = (*matcher)->make_scratch();
  if (!scratch) abort();
  for (const auto& rule : (*matcher)->pack().rules) {
    for (const auto& example : rule.matches) {
      if (!(*matcher)->scan(example, *scratch)) abort();
    }
  }
  return 0;
}
