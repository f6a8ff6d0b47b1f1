#pragma once
// Constants both normaliser paths (normaliser.cc, quick_normaliser.cc) must agree on.

#include <cstddef>
#include <cstdint>

namespace vigil::signatures {

// Runs of three or more single letters ("s u i c i d e", "s.u.i.c.i.d.e") read as one word.
inline constexpr uint32_t kMaxSpacedLetterGap = 3;  // bytes between letters: ". " or " - " still count
inline constexpr size_t kMinSpacedLetters = 3;

}  // namespace vigil::signatures
