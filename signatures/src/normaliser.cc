#include "vigil/signatures/normaliser.h"

#include "normaliser_rules.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include <algorithm>
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

// Folding is per code point, so one table answers for every ASCII byte.
struct AsciiTable {
  UChar32 cp[128];
  Class cls[128];
  AsciiTable() {
    for (int c = 0; c < 128; ++c) {
      const UChar32 lower = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
      cp[c] = lower;
      cls[c] = classify(lower);
    }
  }
};
const AsciiTable kAscii;

// Scratch buffers reused across calls on one thread: the scan path allocates nothing once warm.
struct Buffers {
  std::vector<Unit> units;
  std::vector<Unit> word_units;  // every word's units, back to back
  struct Span {
    uint32_t first;  // index into word_units
    uint32_t size;
  };
  std::vector<Span> spans;
  OneReadsAs one = OneReadsAs::kI;
  bool ambiguous_one = false;
};

void fold_units(std::string_view s, std::vector<Unit>& units) {
  units.clear();
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t length = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < length;) {
    const auto begin = static_cast<uint32_t>(i);
    if (bytes[i] < 0x80) {
      units.push_back({kAscii.cp[bytes[i]], kAscii.cls[bytes[i]], begin, begin + 1});
      ++i;
      continue;
    }
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    const auto end = static_cast<uint32_t>(i);
    if (c < 0) {  // invalid UTF-8: a word gap, never a crash
      units.push_back({' ', Class::kSeparator, begin, end});
      continue;
    }
    for (char32_t f : folder().fold(c)) {
      units.push_back({static_cast<UChar32>(f), classify(static_cast<UChar32>(f)), begin, end});
    }
  }
}

UChar32 leet(UChar32 c, OneReadsAs one) {
  switch (c) {
    case '0': return 'o';
    case '1': return one == OneReadsAs::kI ? 'i' : 'l';
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

// Appends `u` to the current word, squeezing a repeated letter into one: "kmsss" and "kms" read
// the same, and so do "kill" and "kil" (patterns are squeezed too, so real double letters match).
void push_squeezed(std::vector<Unit>& out, size_t word_first, const Unit& u) {
  if (out.size() > word_first && out.back().cp == u.cp && u.cls == Class::kLetter) {
    out.back().end = u.end;
    return;
  }
  out.push_back(u);
}

// Splits into words and undoes leetspeak inside words that contain at least one letter, so "k1ll"
// reads "kill" while "2024" and "999" stay numbers.
void split_words(const std::vector<Unit>& units, Buffers& b) {
  b.word_units.clear();
  b.spans.clear();
  size_t i = 0;
  while (i < units.size()) {
    if (units[i].cls == Class::kSeparator) {
      ++i;
      continue;
    }
    size_t j = i;
    bool has_letter = false;
    while (j < units.size() && units[j].cls != Class::kSeparator) {
      has_letter |= units[j].cls == Class::kLetter;
      ++j;
    }
    const size_t first = b.word_units.size();
    for (size_t k = i; k < j; ++k) {
      Unit u = units[k];
      if (u.cls == Class::kApostrophe) continue;  // "don't" reads "dont"
      if (u.cls == Class::kLeetSymbol) {
        // A symbol counts as a letter only between letters or digits: "sh!t" and "$hit" yes,
        // "hello!!!" no.
        const bool before = k > i && (units[k - 1].cls == Class::kLetter || units[k - 1].cls == Class::kDigit);
        const bool after = k + 1 < j && (units[k + 1].cls == Class::kLetter || units[k + 1].cls == Class::kDigit);
        if (!has_letter || (u.cp == '!' ? !(before && after) : !after)) continue;
        u.cp = leet(u.cp, b.one);
        u.cls = Class::kLetter;
      } else if (u.cls == Class::kDigit && has_letter) {
        b.ambiguous_one |= u.cp == '1';
        u.cp = leet(u.cp, b.one);
        if (u.cp >= 'a') u.cls = Class::kLetter;
      }
      push_squeezed(b.word_units, first, u);
    }
    if (b.word_units.size() > first) {
      b.spans.push_back({static_cast<uint32_t>(first), static_cast<uint32_t>(b.word_units.size() - first)});
    }
    i = j;
  }
}


void append(NormalisedText& out, UChar32 cp, uint32_t begin, uint32_t end) {
  if (cp < 0x80) {
    out.text.push_back(static_cast<char>(cp));
    out.origin_begin.push_back(begin);
    out.origin_end.push_back(end);
    return;
  }
  char buffer[4];
  int32_t n = 0;
  U8_APPEND_UNSAFE(buffer, n, cp);
  for (int32_t k = 0; k < n; ++k) {
    out.text.push_back(buffer[k]);
    out.origin_begin.push_back(begin);
    out.origin_end.push_back(end);
  }
}

// Writes words [first_span, last_span) as one word, squeezing across the joins.
void emit_word(const Buffers& b, size_t first_span, size_t last_span, NormalisedText& out) {
  UChar32 previous = -1;
  for (size_t s = first_span; s < last_span; ++s) {
    const auto& span = b.spans[s];
    for (uint32_t k = span.first; k < span.first + span.size; ++k) {
      const Unit& u = b.word_units[k];
      if (u.cp == previous && u.cls == Class::kLetter) {
        // Extend the squeezed letter's origin over the repeat (it may be several bytes).
        const size_t width = U8_LENGTH(u.cp);
        for (size_t w = 0; w < width; ++w) out.origin_end[out.origin_end.size() - 1 - w] = u.end;
        continue;
      }
      append(out, u.cp, u.begin, u.end);
      previous = u.cp;
    }
  }
}

}  // namespace

void normalise_general(std::string_view original, NormalisedText& out, OneReadsAs one) {
  thread_local Buffers b;
  b.one = one;
  b.ambiguous_one = false;
  fold_units(original, b.units);
  split_words(b.units, b);

  out.text.clear();
  out.origin_begin.clear();
  out.origin_end.clear();
  uint32_t previous_end = 0;
  auto single = [&](size_t k) { return b.spans[k].size == 1 && b.word_units[b.spans[k].first].cls == Class::kLetter; };
  size_t i = 0;
  while (i < b.spans.size()) {
    size_t j = i + 1;
    if (single(i)) {
      while (j < b.spans.size() && single(j) &&
             b.word_units[b.spans[j].first].begin - b.word_units[b.spans[j - 1].first].end <= kMaxSpacedLetterGap) {
        ++j;
      }
      if (j - i < kMinSpacedLetters) j = i + 1;
    }
    const Unit& first = b.word_units[b.spans[i].first];
    // One code point can fold into several words ("¼" reads "1⁄4"): the gap then has no bytes of
    // its own, and must not start after it ends.
    append(out, ' ', std::min(previous_end, first.begin), first.begin);
    emit_word(b, i, j, out);
    const auto& last = b.spans[j - 1];
    previous_end = b.word_units[last.first + last.size - 1].end;
    i = j;
  }
  append(out, ' ', previous_end, static_cast<uint32_t>(original.size()));
  out.ambiguous_one = b.ambiguous_one;
}

namespace {

// Single pass over pure-ASCII text, the common case: the same rules as normalise_general without
// its per-code-point buffers. tests/signatures/normaliser_test.cc checks both agree.
class AsciiNormaliser {
 public:
  // ASCII output is never longer than the input plus the two delimiting spaces, so the buffers are
  // sized once and written through a cursor.
  AsciiNormaliser(std::string_view in, NormalisedText& out, OneReadsAs one) : in_(in), out_(out), one_(one) {
    out_.ambiguous_one = false;
    out_.text.resize(in.size() + 2);
    out_.origin_begin.resize(in.size() + 2);
    out_.origin_end.resize(in.size() + 2);
    text_ = out_.text.data();
    begin_ = out_.origin_begin.data();
    end_ = out_.origin_end.data();
  }

  void run() {
    const size_t n = in_.size();
    size_t i = 0;
    while (true) {
      while (i < n && kAscii.cls[static_cast<uint8_t>(in_[i])] == Class::kSeparator) ++i;
      if (i >= n) break;
      size_t j = i;
      bool has_letter = false;
      while (j < n && kAscii.cls[static_cast<uint8_t>(in_[j])] != Class::kSeparator) {
        has_letter |= kAscii.cls[static_cast<uint8_t>(in_[j])] == Class::kLetter;
        ++j;
      }
      emit_word(i, j, has_letter);
      i = j;
    }
    close_single_run(size_);
    push(' ', previous_end_, static_cast<uint32_t>(n));
    out_.text.resize(size_);
    out_.origin_begin.resize(size_);
    out_.origin_end.resize(size_);
  }

 private:
  void push(char c, uint32_t begin, uint32_t end) {
    text_[size_] = c;
    begin_[size_] = begin;
    end_[size_] = end;
    ++size_;
  }

  // One word: apostrophes dropped, leetspeak undone when the word has a letter, letters squeezed.
  void emit_word(size_t i, size_t j, bool has_letter) {
    const size_t word_start = size_ + 1;  // after the space pushed below
    push(' ', previous_end_, static_cast<uint32_t>(i));
    for (size_t k = i; k < j; ++k) {
      const auto byte = static_cast<uint8_t>(in_[k]);
      Class cls = kAscii.cls[byte];
      UChar32 cp = kAscii.cp[byte];
      if (cls == Class::kApostrophe) continue;
      if (cls == Class::kLeetSymbol) {
        const bool before = k > i && is_alnum(in_[k - 1]);
        const bool after = k + 1 < j && is_alnum(in_[k + 1]);
        if (!has_letter || (cp == '!' ? !(before && after) : !after)) continue;
        cp = leet(cp, one_);
        cls = Class::kLetter;
      } else if (cls == Class::kDigit && has_letter) {
        out_.ambiguous_one |= cp == '1';
        cp = leet(cp, one_);
        if (cp >= 'a') cls = Class::kLetter;
      }
      if (cls == Class::kLetter && size_ > word_start && text_[size_ - 1] == static_cast<char>(cp)) {
        end_[size_ - 1] = static_cast<uint32_t>(k + 1);
        continue;
      }
      push(static_cast<char>(cp), static_cast<uint32_t>(k), static_cast<uint32_t>(k + 1));
      last_letter_ = cls == Class::kLetter;
    }
    if (size_ == word_start) {  // nothing left of the word ("!!!")
      --size_;
      return;
    }
    // The gap before the word runs to its first kept character (a leading "!" is dropped).
    end_[word_start - 1] = begin_[word_start];
    const bool single = size_ == word_start + 1 && last_letter_;
    const auto begin = begin_[word_start];
    if (single && run_count_ > 0 && begin - previous_end_ <= kMaxSpacedLetterGap) {
      ++run_count_;
    } else {
      close_single_run(word_start - 1);
      if (single) {
        run_start_ = size_ - 2;  // the word may have moved left as the run closed
        run_count_ = 1;
      }
    }
    previous_end_ = end_[size_ - 1];
  }

  // Three or more single letters in a row become one word: " s u i c i d e" -> " suicide",
  // squeezed across the joins. The run ends at `end` (the space before the word just written, or
  // the end of the output); what follows it slides left after the run is compacted.
  void close_single_run(size_t end) {
    if (run_count_ >= kMinSpacedLetters) {
      size_t write = run_start_ + 1;
      for (size_t read = run_start_ + 1; read < end; ++read) {
        if (text_[read] == ' ') continue;
        if (write > run_start_ + 1 && text_[write - 1] == text_[read]) {
          end_[write - 1] = end_[read];
          continue;
        }
        move(read, write++);
      }
      for (size_t read = end; read < size_; ++read) move(read, write++);
      size_ = write;
    }
    run_count_ = 0;
  }

  void move(size_t from, size_t to) {
    text_[to] = text_[from];
    begin_[to] = begin_[from];
    end_[to] = end_[from];
  }

  static bool is_alnum(char c) {
    const Class cls = kAscii.cls[static_cast<uint8_t>(c)];
    return cls == Class::kLetter || cls == Class::kDigit;
  }

  std::string_view in_;
  NormalisedText& out_;
  OneReadsAs one_;
  char* text_;
  uint32_t* begin_;
  uint32_t* end_;
  size_t size_ = 0;
  uint32_t previous_end_ = 0;
  size_t run_start_ = 0;  // index of the space before the first single letter of the run
  size_t run_count_ = 0;
  bool last_letter_ = false;
};

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<uint8_t>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace

void normalise_into(std::string_view original, NormalisedText& out, OneReadsAs one) {
  if (!is_ascii(original)) {
    normalise_general(original, out, one);
    return;
  }
  AsciiNormaliser(original, out, one).run();
}

NormalisedText normalise(std::string_view original) {
  NormalisedText out;
  out.text.reserve(original.size() + 2);
  out.origin_begin.reserve(original.size() + 2);
  out.origin_end.reserve(original.size() + 2);
  normalise_into(original, out);
  return out;
}

}  // namespace vigil::signatures
