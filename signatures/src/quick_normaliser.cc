// normalise_text_quick: the scan path's first look at a unit. Most units are plain ASCII words and
// punctuation that match nothing; for them this produces the normalised text at a fraction of the
// cost of the full normaliser, and never builds the origin map. Anything it can't decide alone
// (non-ASCII, leetspeak, symbols read as letters, spaced-out letters) is left to normalise_into.
#include <array>
#include <cstring>

#include "normaliser_rules.h"
#include "quick_normaliser_avx512.h"
#include "vigil/signatures/normaliser.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define VIGIL_QUICK_SSSE3 1
#endif

namespace vigil::signatures {
namespace {

// Byte classes as bits, so one table lookup answers every question the loop asks.
enum QuickClass : uint8_t {
  kSeparator = 0,
  kLetter = 1,
  kDigit = 2,
  kSymbol = 4,      // @ $ !: a letter inside a word ("sh!t", "@home"), dropped elsewhere
  kApostrophe = 8,  // dropped: "don't" reads "dont"
  kNonAscii = 16,
};

// Same reading of ASCII as the full normaliser (normaliser.cc, classify and leet): the tests hold
// the two paths to each other.
struct QuickTable {
  std::array<char, 256> mapped{};
  std::array<uint8_t, 256> cls{};
  // (previous kept class, this class) pairs only the full normaliser can decide: a digit next to
  // a letter is leetspeak ("k1ll", "1t"), a symbol before a letter or digit may be one ("@home").
  std::array<std::array<uint8_t, 32>, 32> undecided{};

  QuickTable() {
    for (int b = 0; b < 256; ++b) {
      const bool upper = b >= 'A' && b <= 'Z';
      const bool lower = b >= 'a' && b <= 'z';
      if (b >= 0x80) {
        cls[b] = kNonAscii;
      } else if (upper || lower) {
        cls[b] = kLetter;
      } else if (b >= '0' && b <= '9') {
        cls[b] = kDigit;
      } else if (b == '@' || b == '$' || b == '!') {
        cls[b] = kSymbol;
      } else if (b == '\'' || b == '`') {
        cls[b] = kApostrophe;
      } else {
        cls[b] = kSeparator;
      }
      mapped[b] = upper ? static_cast<char>(b + ('a' - 'A')) : (cls[b] == kLetter || cls[b] == kDigit) ? static_cast<char>(b) : ' ';
    }
    for (int p = 0; p < 32; ++p) {
      for (int c = 0; c < 32; ++c) {
        const bool letter_digit = ((p & kLetter) && (c & kDigit)) || ((p & kDigit) && (c & kLetter));
        const bool symbol_then_alnum = (p & kSymbol) && (c & (kLetter | kDigit));
        undecided[p][c] = (letter_digit || symbol_then_alnum || (c & kNonAscii)) ? 1 : 0;
      }
    }
  }
};
const QuickTable kQuick;

// Room after the text for 16-byte stores past its end and the single-letter check's reads.
constexpr size_t kSlack = 32;

// The loop state carried from byte to byte, and from block to block.
struct QuickState {
  char* out;
  size_t n;
  char previous = ' ';
  uint8_t previous_class = kSeparator;
  uint8_t undecided = 0;
};

// Every kept byte is written, then the cursor moves on only if it differs from the previous kept
// byte (squeezing letter runs and collapsing separators into one space) or is a digit (numbers are
// never squeezed). No branch depends on the text.
void quick_bytes(const char* in, size_t size, QuickState& s) {
  for (size_t i = 0; i < size; ++i) {
    const auto b = static_cast<uint8_t>(in[i]);
    const uint8_t cls = kQuick.cls[b];
    const bool apostrophe = cls == kApostrophe;
    const char mapped = apostrophe ? s.previous : kQuick.mapped[b];
    s.undecided |= kQuick.undecided[s.previous_class][cls];
    s.out[s.n] = mapped;
    s.n += static_cast<size_t>((mapped != s.previous) | ((cls & kDigit) != 0));
    s.previous = mapped;
    s.previous_class = apostrophe ? s.previous_class : cls;
  }
}

#ifdef VIGIL_QUICK_SSSE3

// For each 8-bit mask of kept bytes, the shuffle that packs them to the front.
struct PackTable {
  alignas(16) std::array<std::array<uint8_t, 8>, 256> shuffle{};
  std::array<uint8_t, 256> count{};
  PackTable() {
    for (int m = 0; m < 256; ++m) {
      uint8_t k = 0;
      for (uint8_t bit = 0; bit < 8; ++bit) {
        if (m & (1 << bit)) shuffle[m][k++] = bit;
      }
      for (uint8_t j = k; j < 8; ++j) shuffle[m][j] = 0x80;  // pshufb writes zero
      count[m] = k;
    }
  }
};
const PackTable kPack;

// Sixteen bytes at a time while they are only letters and separators (the bulk of prose and
// chat); a block with anything else goes through quick_bytes. Needs 16 bytes of slack after
// the output's end.
__attribute__((target("ssse3"))) void quick_blocks(const char* in, size_t size, QuickState& s) {
  const __m128i spaces = _mm_set1_epi8(' ');
  const __m128i case_bit = _mm_set1_epi8(0x20);
  const __m128i before_a = _mm_set1_epi8('a' - 1);
  const __m128i after_z = _mm_set1_epi8('z' + 1);
  const __m128i before_0 = _mm_set1_epi8('0' - 1);
  const __m128i after_9 = _mm_set1_epi8('9' + 1);
  size_t i = 0;
  for (; i + 16 <= size; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    const __m128i lower = _mm_or_si128(v, case_bit);
    // Signed compares: bytes of 0x80 and above are negative, so never letters or digits.
    const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, before_a), _mm_cmplt_epi8(lower, after_z));
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, before_0), _mm_cmplt_epi8(v, after_9));
    __m128i special = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('!')), _mm_cmpeq_epi8(v, _mm_set1_epi8('@')));
    special = _mm_or_si128(special, _mm_cmpeq_epi8(v, _mm_set1_epi8('$')));
    special = _mm_or_si128(special, _mm_cmpeq_epi8(v, _mm_set1_epi8('\'')));
    special = _mm_or_si128(special, _mm_cmpeq_epi8(v, _mm_set1_epi8('`')));
    if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(digit, special), v)) != 0) {
      quick_bytes(in + i, 16, s);
      continue;
    }
    s.undecided |= kQuick.undecided[s.previous_class][kQuick.cls[static_cast<uint8_t>(in[i])]];
    const __m128i mapped = _mm_or_si128(_mm_and_si128(letter, lower), _mm_andnot_si128(letter, spaces));
    const __m128i before = _mm_alignr_epi8(mapped, _mm_set1_epi8(s.previous), 15);
    const auto keep = static_cast<unsigned>(~_mm_movemask_epi8(_mm_cmpeq_epi8(mapped, before))) & 0xffffu;
    const unsigned low = keep & 0xffu;
    const unsigned high = keep >> 8;
    const __m128i low_shuffle = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(kPack.shuffle[low].data()));
    const __m128i high_shuffle =
        _mm_add_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kPack.shuffle[high].data())), _mm_set1_epi8(8));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(s.out + s.n), _mm_shuffle_epi8(mapped, low_shuffle));
    s.n += kPack.count[low];
    // Unkept slots of the high half carry 0x88, which pshufb also reads as "write zero".
    _mm_storeu_si128(reinterpret_cast<__m128i*>(s.out + s.n), _mm_shuffle_epi8(mapped, high_shuffle));
    s.n += kPack.count[high];
    s.previous = static_cast<char>(_mm_extract_epi16(mapped, 7) >> 8);
    s.previous_class = s.previous == ' ' ? kSeparator : kLetter;
  }
  if (i < size) {
    // The tail goes through the block path too, padded with spaces: trailing separators only
    // merge into the closing space the output ends with anyway.
    alignas(16) char tail[16];
    std::memset(tail, ' ', sizeof tail);
    std::memcpy(tail, in + i, size - i);
    quick_blocks(tail, sizeof tail, s);
  }
}

// has_single_letter_run, sixteen output bytes at a time. The text must be followed by 18 bytes
// that are not spaces.
__attribute__((target("ssse3"))) bool has_single_letter_run_blocks(const char* text, size_t size) {
  const __m128i spaces = _mm_set1_epi8(' ');
  const __m128i after_9 = _mm_set1_epi8('9');
  unsigned previous = 0;
  for (size_t i = 0; i < size; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text + i + 1));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text + i + 2));
    // " x " with x a letter (the only bytes above '9' in normalised text) starts at each set bit.
    const __m128i single = _mm_and_si128(_mm_and_si128(_mm_cmpeq_epi8(a, spaces), _mm_cmpeq_epi8(c, spaces)), _mm_cmpgt_epi8(b, after_9));
    const auto bits = static_cast<unsigned>(_mm_movemask_epi8(single));
    // Consecutive single-letter words start two bytes apart; the previous block's last four
    // positions come along for runs that straddle the boundary.
    const unsigned window = (bits << 4) | (previous >> 12);
    if (window & (window >> 2) & (window >> 4)) return true;
    previous = bits;
  }
  return false;
}

bool has_ssse3() {
  static const bool yes = __builtin_cpu_supports("ssse3");
  return yes;
}

#endif


// True when the text has three single-letter words in a row (" s u i "): the full normaliser
// decides, from the original spacing, whether they join into one word.
bool has_single_letter_run(const char* text, size_t size) {
  size_t run = 0;
  for (size_t i = 0; i + 2 < size; ++i) {
    if (text[i] != ' ') continue;
    if (text[i + 2] == ' ' && text[i + 1] >= 'a' && text[i + 1] <= 'z') {
      if (++run == kMinSpacedLetters) return true;
      ++i;  // the closing space opens the next word
    } else {
      run = 0;
    }
  }
  return false;
}

}  // namespace

bool normalise_text_quick(std::string_view original, std::string& text, QuickPath path) {
  if (path == QuickPath::kBest && avx512_quick_available()) {
    text.resize(original.size() + 2 + kAvx512Slack);
    const size_t n = normalise_quick_avx512(original.data(), original.size(), text.data());
    text.resize(n);
    return n != 0;
  }
  text.resize(original.size() + 2 + kSlack);
  QuickState s{text.data(), 1};
  s.out[0] = ' ';
#ifdef VIGIL_QUICK_SSSE3
  const bool blocks = path != QuickPath::kPortable && has_ssse3();
  if (blocks) {
    quick_blocks(original.data(), original.size(), s);
  } else {
    quick_bytes(original.data(), original.size(), s);
  }
#else
  const bool blocks = false;
  quick_bytes(original.data(), original.size(), s);
#endif
  if (s.undecided) return false;
  if (s.out[s.n - 1] != ' ') s.out[s.n++] = ' ';
  const size_t n = s.n;
#ifdef VIGIL_QUICK_SSSE3
  if (blocks) {
    std::memset(s.out + n, 0, kSlack);
    const bool run = has_single_letter_run_blocks(s.out, n);
    text.resize(n);
    return !run;
  }
#endif
  text.resize(n);
  return !has_single_letter_run(text.data(), n);
}

}  // namespace vigil::signatures
