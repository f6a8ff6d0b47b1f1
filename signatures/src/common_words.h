#pragma once
// English's commonest words, in normalised form. The planner never anchors a pattern on these
// alone: they occur in almost every text unit and would send each one to the verifier.

#include <string_view>

namespace vigil::signatures {

bool is_common_word(std::string_view normalised_word);

}  // namespace vigil::signatures
