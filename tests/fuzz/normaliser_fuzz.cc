// libFuzzer target: any bytes through the normaliser. Invariants: no crash, every output byte maps
// back inside the input, the ASCII fast path agrees with the general path, and the quick text-only
// path, when it answers, gives the same text.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "vigil/signatures/normaliser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  vigil::signatures::NormalisedText fast;
  vigil::signatures::NormalisedText general;
  vigil::signatures::normalise_into(input, fast);
  vigil::signatures::normalise_general(input, general);
  if (fast.text != general.text || fast.origin_begin != general.origin_begin || fast.origin_end != general.origin_end) abort();
  if (fast.text.size() != fast.origin_begin.size() || fast.text.size() != fast.origin_end.size()) abort();
  if (fast.text.empty() || fast.text.front() != ' ' || fast.text.back() != ' ') abort();
  // Every quick path answers alike and, when it answers, gives the general path's text.
  std::string quick;
  const bool answered = vigil::signatures::normalise_text_quick(input, quick);
  if (answered && quick != general.text) abort();
  for (auto path : {vigil::signatures::QuickPath::kSsse3, vigil::signatures::QuickPath::kPortable}) {
    std::string narrower;
    if (vigil::signatures::normalise_text_quick(input, narrower, path) != answered) abort();
    if (answered && narrower != general.text) abort();
  }
  for (size_t i = 0; i < fast.text.size(); ++i) {
    if (fast.origin_begin[i] > fast.origin_end[i] || fast.origin_end[i] > size) abort();
  }
  return 0;
}
