#pragma once
// The quick normaliser's widest path: 64 bytes at a time with AVX-512 (BW, VBMI, VBMI2), where
// the CPU has it. Same reading as quick_bytes in quick_normaliser.cc; the tests and the fuzzer
// hold every path to the general normaliser.

#include <cstddef>

namespace vigil::signatures {

// Bytes `out` needs after the normalised text's end: whole 64-byte stores run past it.
inline constexpr size_t kAvx512Slack = 64;

bool avx512_quick_available();

// Writes the normalised text of in[0, size) to `out` (room for size + 2 + kAvx512Slack bytes) and
// returns its length, or 0 when only the full normaliser can decide (non-ASCII, a digit next to
// a letter, a symbol before a letter or digit, three single letters in a row). Call only when
// avx512_quick_available().
size_t normalise_quick_avx512(const char* in, size_t size, char* out);

}  // namespace vigil::signatures
