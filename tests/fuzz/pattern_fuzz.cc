// libFuzzer target: any bytes as a rule pattern. Invariants: no crash; an accepted pattern plans
// and renders an expression.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "vigil/signatures/pattern.h"
#include "vigil/signatures/pattern_plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = vigil::signatures::parse_pattern(input);
  if (!parsed) {
    if (parsed.error().message.empty()) abort();  // every refusal says why
    return 0;
  }
  if (vigil::signatures::to_expression(*parsed).empty()) abort();
  const auto plan = vigil::signatures::plan_pattern(std::move(*parsed));
  if (!plan.use_regex && plan.anchors.empty()) abort();
  return 0;
}
