// normalise_quick_avx512: a whole 60-character unit in one step. Classes become 64-bit masks, so
// the rules that send a unit to the full normaliser are a few shifts and ANDs, and the bytes
// kept (a letter unlike the one before, every digit, one space per gap) are packed with a single
// compress instead of a per-byte loop.
#include "quick_normaliser_avx512.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

#define VIGIL_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vbmi2,popcnt")))

namespace vigil::signatures {
namespace {

// Lane i of the result reads lane i - 1 of its input (lane 0 takes the carry instead).
struct BackOneIndex {
  alignas(64) std::array<uint8_t, 64> lanes{};
  BackOneIndex() {
    for (size_t i = 1; i < lanes.size(); ++i) lanes[i] = static_cast<uint8_t>(i - 1);
  }
};
const BackOneIndex kBackOne;

VIGIL_TARGET_AVX512 uint64_t equal_mask(__m512i v, char c) { return _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c)); }

VIGIL_TARGET_AVX512 uint64_t in_range_mask(__m512i v, char first, uint8_t count) {
  return _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8(first)), _mm512_set1_epi8(static_cast<char>(count)));
}

// What the single-letter check needs of the output so far: for its last 128 bytes, which are
// spaces and which letters (the only bytes above '9' in normalised text), oldest in bit 0. Kept
// in registers as the output is written: reading the output back right after the packing stores
// would stall on them.
__extension__ using Bits128 = unsigned __int128;

struct OutputClasses {
  Bits128 spaces = static_cast<Bits128>(1) << 127;  // the opening space
  Bits128 letters = 0;

  void append(uint64_t block_spaces, uint64_t block_letters, size_t count) {
    if (count == 0) return;
    spaces = (spaces >> count) | (static_cast<Bits128>(block_spaces) << (128 - count));
    letters = (letters >> count) | (static_cast<Bits128>(block_letters) << (128 - count));
  }
  bool ends_in_space() const { return (spaces >> 127) != 0; }
  // " x y z ": three single-letter words in a row, starting two bytes apart.
  bool single_letter_run() const {
    const Bits128 single = spaces & (letters >> 1) & (spaces >> 2);
    return (single & (single >> 2) & (single >> 4)) != 0;
  }
};

}  // namespace

bool avx512_quick_available() {
  static const bool yes = __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi") &&
                          __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("popcnt");
  return yes;
}

VIGIL_TARGET_AVX512 size_t normalise_quick_avx512(const char* in, size_t size, char* out) {
  const __m512i spaces = _mm512_set1_epi8(' ');
  const __m512i back_one = _mm512_load_si512(kBackOne.lanes.data());
  const __m512i nine = _mm512_set1_epi8('9');
  __m512i previous = spaces;  // the last byte written, in every lane
  OutputClasses classes;
  out[0] = ' ';
  size_t n = 1;
  // The class of the last byte before this block (apostrophes aside), as bit 0 of each mask.
  uint64_t letter_carry = 0;
  uint64_t digit_carry = 0;
  uint64_t symbol_carry = 0;
  for (size_t at = 0; at < size; at += 64) {
    const size_t loaded = std::min<size_t>(64, size - at);
    const uint64_t valid = loaded == 64 ? ~uint64_t{0} : (uint64_t{1} << loaded) - 1;
    __m512i v = _mm512_maskz_loadu_epi8(valid, in + at);
    if (_mm512_movepi8_mask(v) != 0) return 0;  // non-ASCII
    // Apostrophes vanish ("don't" reads "dont"), as if never typed: squeeze them out first.
    const uint64_t apostrophes = (equal_mask(v, '\'') | equal_mask(v, '`')) & valid;
    size_t length = loaded;
    if (apostrophes != 0) {
      v = _mm512_maskz_compress_epi8(valid & ~apostrophes, v);
      length -= static_cast<size_t>(std::popcount(apostrophes));
      if (length == 0) continue;
    }
    const uint64_t live = length == 64 ? ~uint64_t{0} : (uint64_t{1} << length) - 1;
    const __m512i lower = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
    const uint64_t letter = in_range_mask(lower, 'a', 26) & live;
    const uint64_t digit = in_range_mask(v, '0', 10) & live;
    const uint64_t symbol = (equal_mask(v, '@') | equal_mask(v, '$') | equal_mask(v, '!')) & live;
    // Leetspeak ("k1ll", "1t") and symbols read as letters ("@home", "sh!t") need the full
    // normaliser: a digit beside a letter, or a symbol before a letter or digit.
    const uint64_t letter_before = (letter << 1) | letter_carry;
    const uint64_t digit_before = (digit << 1) | digit_carry;
    const uint64_t symbol_before = (symbol << 1) | symbol_carry;
    if (((letter_before & digit) | (digit_before & letter) | (symbol_before & (letter | digit))) != 0) return 0;
    __m512i mapped = _mm512_mask_blend_epi8(letter, spaces, lower);
    mapped = _mm512_mask_blend_epi8(digit, mapped, v);
    // A byte is kept when it differs from the one before (squeezing "kmsss" and runs of
    // separators) or is a digit (numbers are never squeezed). The last byte written is also the
    // last byte read, kept or not.
    const __m512i before = _mm512_mask_permutexvar_epi8(previous, ~uint64_t{1}, back_one, mapped);
    const uint64_t keep = (_mm512_cmpneq_epi8_mask(mapped, before) | digit) & live;
    const __m512i packed = _mm512_maskz_compress_epi8(keep, mapped);
    const auto count = static_cast<size_t>(std::popcount(keep));
    _mm512_storeu_si512(out + n, packed);
    n += count;
    // Runs of three single letters go to the full normaliser, which joins them if the original
    // spacing says so.
    const uint64_t written = count == 64 ? ~uint64_t{0} : (uint64_t{1} << count) - 1;
    classes.append(_mm512_cmpeq_epi8_mask(packed, spaces) & written, _mm512_cmpgt_epi8_mask(packed, nine) & written, count);
    if (classes.single_letter_run()) return 0;
    if (count != 0) {
      previous = _mm512_mask_permutexvar_epi8(previous, ~uint64_t{0}, _mm512_set1_epi8(static_cast<char>(count - 1)), packed);  // its last byte, everywhere
    }
    letter_carry = (letter >> (length - 1)) & 1;
    digit_carry = (digit >> (length - 1)) & 1;
    symbol_carry = (symbol >> (length - 1)) & 1;
  }
  if (!classes.ends_in_space()) {
    out[n++] = ' ';
    classes.append(1, 0, 1);
  }
  return classes.single_letter_run() ? 0 : n;
}

}  // namespace vigil::signatures

#else

namespace vigil::signatures {
bool avx512_quick_available() { return false; }
size_t normalise_quick_avx512(const char*, size_t, char*) { return 0; }
}  // namespace vigil::signatures

#endif
