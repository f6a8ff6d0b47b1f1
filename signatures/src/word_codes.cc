#include "vigil/signatures/word_codes.h"

#include <algorithm>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vigil::signatures {
namespace {

// A word is hashed 8 bytes at a time, then whatever is left of it (0 to 7 bytes, zero-padded),
// each step one multiply; the code is the top bits of the last product, which every input bit
// reaches. word_code and WordCodes::encode walk a word identically.
constexpr uint64_t kSeed = 0x243f6a8885a308d3ULL;
constexpr uint64_t kMultiplier = 0x9e3779b97f4a7c15ULL;

uint64_t load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;  // codes differ between byte orders; a compiled database is only ever used where it was built
}

// The low `bytes` bytes of v (bytes < 8).
uint64_t low_bytes(uint64_t v, size_t bytes) { return v & ((uint64_t{1} << (8 * bytes)) - 1); }

// The 8 bytes at p, reading nothing outside [begin, end): near the end, the last 8 bytes of the
// text shifted down (the bytes past `end` come out zero).
uint64_t load_within(const char* p, const char* begin, const char* end) {
  if (end - p >= 8) return load8(p);
  if (end == p) return 0;
  if (end - begin >= 8) return load8(end - 8) >> (8 * (8 - (end - p)));
  uint64_t v = 0;
  std::memcpy(&v, p, static_cast<size_t>(end - p));
  return v;
}

// Bit i set where text[at + i] is a space, for the (up to) 64 bytes from `at`; reads nothing
// past the text.
uint64_t space_mask(std::string_view text, size_t at) {
  uint64_t mask = 0;
  for (size_t k = 0; k < 4 && at + 16 * k < text.size(); ++k) {
    const size_t from = at + 16 * k;
    const size_t left = text.size() - from;
    uint64_t bits = 0;
#if defined(__SSE2__)
    auto spaces16 = [](const char* p) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      return static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')))));
    };
    if (left >= 16) {
      bits = spaces16(text.data() + from);
    } else if (text.size() >= 16) {
      bits = spaces16(text.data() + text.size() - 16) >> (16 - left);  // the text's last 16 bytes, shifted down
    } else {
      for (size_t i = 0; i < left; ++i) bits |= static_cast<uint64_t>(text[from + i] == ' ') << i;
    }
#else
    for (size_t i = 0; i < std::min<size_t>(left, 16); ++i) bits |= static_cast<uint64_t>(text[from + i] == ' ') << i;
#endif
    mask |= bits << (16 * k);
  }
  return mask;
}

// Hashes the word [p, p + length), reading nothing outside [begin, end).
inline __attribute__((always_inline)) uint32_t code_of(const char* p, size_t length, const char* begin, const char* end) {
  uint64_t h = kSeed ^ length;
  size_t i = 0;
  for (; i + 8 <= length; i += 8) h = (h ^ load8(p + i)) * kMultiplier;
  h = (h ^ low_bytes(load_within(p + i, begin, end), length - i)) * kMultiplier;
  return static_cast<uint32_t>(h >> (64 - 8 * kWordCodeBytes));
}

}  // namespace

uint32_t word_code(std::string_view word) { return code_of(word.data(), word.size(), word.data(), word.data() + word.size()); }

void WordCodes::encode(std::string_view text) {
  // At most one word per two bytes, plus room for a 4-byte store of each 3-byte code.
  const size_t most = text.size() / 2 + 1;
  if (codes_.size() < most * kWordCodeBytes + 4) codes_.resize(most * kWordCodeBytes + 4);
  if (starts_.size() < most + 1) starts_.resize(most + 1);
  // Locals, not members: stores through char* could alias *this, which would reload every member.
  char* const codes = codes_.data();
  uint32_t* const starts = starts_.data();
  const char* p = text.data();
  const char* const end = p + text.size();
  size_t words = 0;
  size_t previous_space = 0;  // the opening space
  // Word boundaries come from a bitmask of spaces, 64 bytes at a time.
  for (size_t block = 0; block < text.size(); block += 64) {
    uint64_t spaces = space_mask(text, block);
    if (block == 0) spaces &= ~uint64_t{1};
    while (spaces != 0) {
      const size_t space = block + static_cast<size_t>(std::countr_zero(spaces));
      spaces &= spaces - 1;
      const size_t start = previous_space + 1;
      previous_space = space;
      if (space == start) continue;  // no word between two spaces
      const uint32_t code = code_of(p + start, space - start, p, end);
      char* out = codes + words * kWordCodeBytes;
      if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(out, &code, sizeof code);  // its low three bytes first; the fourth is overwritten next
      } else {
        for (size_t b = 0; b < kWordCodeBytes; ++b) out[b] = static_cast<char>(code >> (8 * b));
      }
      starts[words++] = static_cast<uint32_t>(start);
    }
  }
  starts[words] = static_cast<uint32_t>(text.size());
  words_ = words;
}

}  // namespace vigil::signatures
