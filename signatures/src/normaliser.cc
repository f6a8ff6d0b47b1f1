#include "vigil/signatures/normaliser.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include <memory>
#include <unordered_map>

namespace vigil::signatures {
namespace {

enum class Class { kLetter, kDigit, kLeetSymbol, kApostrophe, kSeparator };

// One code point of the folded text with the original bytes it came from.
struct Unit {
  UChar32 cp;
  Class cls;
  uint32_t begin;
  uint32_t end;
};

struct Word {
  std::vector<Unit> units;
};

Class classify(UChar32 c) {
  if (c >= 'a' && c <= 'z') return Class::kLetter;
  if (c >= '0' && c <= '9') return Class::kDigit;
  if (c == '@' || c == '$' || c == '!') return Class::kLeetSymbol;
  if (c == '\'' || c == 0x2019 || c == 0x2018 || c == '`') return Class::kApostrophe;
  if (c >= 0x80 && u_isalpha(c)) return Class::kLetter;
  return Class::kSeparator;
}

bool is_mark(UChar32 c) {
  const int8_t t = u_charType(c);
  return t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK || t == U_ENCLOSING_MARK;
}

// Folds one non-ASCII code point: NFKC + case folding (which also drops default-ignorable
// characters such as zero-width spaces), diacritics removed, and look-alike letters from other
// scripts replaced by their Latin prototype (UTS #39 skeleton) so "kіll" with a Cyrillic і is "kill".
class NonAsciiFolder {
 public:
  NonAsciiFolder() {
    UErrorCode status = U_ZERO_ERROR;
    nfkc_cf_ = unorm2_getNFKCCasefoldInstance(&status);
    nfd_ = unorm2_getNFDInstance(&status);
    spoof_.reset(uspoof_open(&status));
    if (U_FAILURE(status)) {
      nfkc_cf_ = nullptr;
      nfd_ = nullptr;
      spoof_.reset();
    }
  }

  const std::u32string& fold(UChar32 c) {
    auto it = cache_.find(c);
    if (it != cache_.end()) return it->second;
    return cache_.emplace(c, compute(c)).first->second;
  }

 private:
  struct SpoofCloser {
    void operator()(USpoofChecker* s) const { uspoof_close(s); }
  };

  std::u32string compute(UChar32 c) const {
    std::u32string out;
    if (!nfkc_cf_) return std::u32string(1, static_cast<char32_t>(c));
    UChar in[2];
    int32_t in_len = 0;
    U16_APPEND_UNSAFE(in, in_len, c);
    UChar folded[32];
    UErrorCode status = U_ZERO_ERROR;
    const int32_t n = unorm2_normalize(nfkc_cf_, in, in_len, folded, 32, &status);
    if (U_FAILURE(status)) return std::u32string(1, static_cast<char32_t>(c));
    for (int32_t i = 0; i < n;) {
      UChar32 f;
      U16_NEXT(folded, i, n, f);
      if (f < 0x80) {
        out.push_back(static_cast<char32_t>(f));
        continue;
      }
      UChar decomposed[32];
      UErrorCode s2 = U_ZERO_ERROR;
      const int32_t d = unorm2_getDecomposition(nfd_, f, decomposed, 32, &s2);
      if (U_SUCCESS(s2) && d > 0) {
        for (int32_t j = 0; j < d;) {
          UChar32 base;
          U16_NEXT(decomposed, j, d, base);
          if (!is_mark(base)) out.push_back(static_cast<char32_t>(latin_prototype(base)));
        }
      } else if (!is_mark(f)) {
        out.push_back(static_cast<char32_t>(latin_prototype(f)));
      }
    }
    return out;
  }

  // The skeleton of a single letter, kept only when it is one lowercase ASCII letter: we want
  // Cyrillic/Greek look-alikes folded to Latin, not Latin letters rewritten.
  UChar32 latin_prototype(UChar32 c) const {
    if (c < 0x80 || !spoof_ || !u_isalpha(c)) return c;
    UChar in[2];
    int32_t in_len = 0;
    U16_APPEND_UNSAFE(in, in_len, c);
    UChar skeleton[16];
    UErrorCode status = U_ZERO_ERROR;
    const int32_t n = uspoof_getSkeleton(spoof_.get(), 0, in, in_len, skeleton, 16, &status);
    if (U_FAILURE(status) || n != 1) return c;
    const UChar32 s = u_tolower(skeleton[0]);
    return (s >= 'a' && s <= 'z') ? s : c;
  }

  const UNormalizer2* nfkc_cf_ = nullptr;
  const UNormalizer2* nfd_ = nullptr;
  std::unique_ptr<USpoofChecker, SpoofCloser> spoof_;
  std::unordered_map<UChar32, std::u32string> cache_;
};

NonAsciiFolder& folder() {
  // One per thread: the cache is mutable and scanning threads never share it.
  thread_local NonAsciiFolder instance;
  return instance;
}

std::vector<Unit> fold_units(std::string_view s) {
  std::vector<Unit> units;
  units.reserve(s.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t length = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < length;) {
    const auto begin = static_cast<uint32_t>(i);
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    const auto end = static_cast<uint32_t>(i);
    if (c < 0) {  // invalid UTF-8: a word gap, never a crash
      units.push_back({' ', Class::kSeparator, begin, end});
    } else if (c < 0x80) {
      const UChar32 lower = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
      units.push_back({lower, classify(lower), begin, end});
    } else {
      for (char32_t f : folder().fold(c)) {
        units.push_back({static_cast<UChar32>(f), classify(static_cast<UChar32>(f)), begin, end});
      }
    }
  }
  return units;
}

UChar32 leet(UChar32 c) {
  switch (c) {
    case '0': return 'o';
    case '1': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '@': return 'a';
    case '$': return 's';
    case '!': return 'i';
    default: return c;
  }
}

// Splits into words and undoes leetspeak inside words that contain at least one letter, so "k1ll"
// reads "kill" while "2024" and "999" stay numbers.
std::vector<Word> split_words(const std::vector<Unit>& units) {
  std::vector<Word> words;
  size_t i = 0;
  while (i < units.size()) {
    if (units[i].cls == Class::kSeparator) { ++i; continue; }
    size_t j = i;
    bool has_letter = false;
    while (j < units.size() && units[j].cls != Class::kSeparator) {
      has_letter |= units[j].cls == Class::kLetter;
      ++j;
    }
    Word word;
    for (size_t k = i; k < j; ++k) {
      Unit u = units[k];
      if (u.cls == Class::kApostrophe) continue;  // "don't" reads "dont"
      if (u.cls == Class::kLeetSymbol) {
        // A symbol counts as a letter only between letters or digits: "sh!t" and "$hit" yes,
        // "hello!!!" no.
        const bool before = k > i && (units[k - 1].cls == Class::kLetter || units[k - 1].cls == Class::kDigit);
        const bool after = k + 1 < j && (units[k + 1].cls == Class::kLetter || units[k + 1].cls == Class::kDigit);
        if (!has_letter || (u.cp == '!' ? !(before && after) : !after)) continue;
        u.cp = leet(u.cp);
        u.cls = Class::kLetter;
      } else if (u.cls == Class::kDigit && has_letter) {
        u.cp = leet(u.cp);
        if (u.cp >= 'a') u.cls = Class::kLetter;
      }
      word.units.push_back(u);
    }
    if (!word.units.empty()) words.push_back(std::move(word));
    i = j;
  }
  return words;
}

// "kmsss" and "kms" read the same, and so do "kill" and "kil": patterns are squeezed too, so real
// double letters still match.
void squeeze(Word& word) {
  std::vector<Unit> out;
  out.reserve(word.units.size());
  for (const Unit& u : word.units) {
    if (!out.empty() && out.back().cp == u.cp && u.cls == Class::kLetter) {
      out.back().end = u.end;
      continue;
    }
    out.push_back(u);
  }
  word.units = std::move(out);
}

// Joins runs of three or more single letters ("s u i c i d e", "s.u.i.c.i.d.e") into one word.
constexpr uint32_t kMaxSpacedLetterGap = 3;  // bytes between letters: ". " or " - " still count
constexpr size_t kMinSpacedLetters = 3;

std::vector<Word> join_spaced_letters(std::vector<Word> words) {
  std::vector<Word> out;
  size_t i = 0;
  auto single = [&](size_t k) { return words[k].units.size() == 1 && words[k].units[0].cls == Class::kLetter; };
  while (i < words.size()) {
    size_t j = i;
    while (j < words.size() && single(j) &&
           (j == i || words[j].units[0].begin - words[j - 1].units[0].end <= kMaxSpacedLetterGap)) {
      ++j;
    }
    if (j - i >= kMinSpacedLetters) {
      Word joined;
      for (size_t k = i; k < j; ++k) joined.units.push_back(words[k].units[0]);
      squeeze(joined);
      out.push_back(std::move(joined));
      i = j;
    } else {
      out.push_back(std::move(words[i]));
      ++i;
    }
  }
  return out;
}

void append(NormalisedText& out, UChar32 cp, uint32_t begin, uint32_t end) {
  char buffer[4];
  int32_t n = 0;
  U8_APPEND_UNSAFE(buffer, n, cp);
  for (int32_t k = 0; k < n; ++k) {
    out.text.push_back(buffer[k]);
    out.origin_begin.push_back(begin);
    out.origin_end.push_back(end);
  }
}

}  // namespace

NormalisedText normalise(std::string_view original) {
  std::vector<Word> words = split_words(fold_units(original));
  for (Word& w : words) squeeze(w);
  words = join_spaced_letters(std::move(words));

  NormalisedText out;
  out.text.reserve(original.size() + 2);
  uint32_t previous_end = 0;
  for (const Word& w : words) {
    append(out, ' ', previous_end, w.units.front().begin);
    for (const Unit& u : w.units) append(out, u.cp, u.begin, u.end);
    previous_end = w.units.back().end;
  }
  append(out, ' ', previous_end, static_cast<uint32_t>(original.size()));
  return out;
}

}  // namespace vigil::signatures
