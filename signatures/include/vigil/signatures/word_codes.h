#pragma once
// Word codes: what the rule database scans in place of the normalised text. Every word becomes a
// fixed-width code (a hash of its bytes), and every anchor literal the same, so " kill myself "
// is two codes, six bytes. Hyperscan's literal matcher filters on a few bytes at a time; in
// English those bytes are skewed letters and the spaces every anchor starts and ends with, so
// its filters passed on most positions and it confirmed candidates all the time. Codes are half
// as many bytes, close to random, and word boundaries are implied: measured on the shipped pack
// and licence prose, Hyperscan's share of a 60-character unit fell from about 240 to 75 ns.
// A code can collide with another word's: the matcher checks the anchor's text before trusting
// a match.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::signatures {

inline constexpr size_t kWordCodeBytes = 3;

// The code of one word, kWordCodeBytes bytes in its low bits.
uint32_t word_code(std::string_view word);

// The codes of every word of a normalised text, in order, and where each word starts. Buffers
// only grow, so a per-thread instance allocates nothing once warmed up.
class WordCodes {
 public:
  // `normalised`: words separated by single spaces, a space at each end (normaliser.h).
  void encode(std::string_view normalised);

  std::string_view codes() const { return std::string_view(codes_.data(), words_ * kWordCodeBytes); }
  size_t words() const { return words_; }
  // Offset of word i's first byte in the normalised text; start(words()) is the text's size, as
  // if a word followed the closing space, so word i ends at start(i + 1) - 1.
  uint32_t start(size_t i) const { return starts_[i]; }

 private:
  std::string codes_;
  std::vector<uint32_t> starts_;
  size_t words_ = 0;
};

}  // namespace vigil::signatures
