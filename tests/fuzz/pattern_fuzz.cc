// libFuzzer target: any bytes as a rule pattern. Invariants: no crash; an accepted pattern plans
// and renders an expression, and its parts pack and verify.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "vigil/signatures/pattern.h"
#include "vigil/signatures/pattern_plan.h"
#include "vigil/signatures/pattern_program.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = vigil::signatures::parse_pattern(input);
  if (!parsed) {
    if (parsed.error().message.empty()) abort();  // every refusal says why
    return 0;
  }
  if (vigil::signatures::to_expression(*parsed).empty()) abort();
  // Every part plans, packs, and verifies against its own first anchor without fault.
  vigil::signatures::PatternProgram program;
  for (const auto& part : vigil::signatures::plan_pattern_parts(std::move(*parsed))) {
    if (!part.use_regex && part.anchors.empty()) abort();
    const auto id = program.add(part);
    if (part.use_regex) continue;
    const std::string text = part.anchors.front() + (part.anchors.front().back() == ' ' ? "" : "x ");
    (void)program.verify(id, text, 0, part.anchors.front().size());
  }
  return 0;
}
