#pragma once
// The verifier's form of every planned pattern of a matcher, packed into flat arrays (nodes, groups,
// group alternatives, word bytes). Parsed patterns are trees of vectors and strings, 88 bytes and
// an allocation or more per word; a pack's 100,000 words held that way were most of a scanning
// agent's memory. Packed, a word is 8 bytes plus its letters, and the verifier walks memory in
// order.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vigil/signatures/pattern_plan.h"

namespace vigil::signatures {

class PatternProgram {
 public:
  using Id = uint32_t;

  // Packs the plan's pattern; the plan itself is no longer needed for verifying.
  Id add(const PatternPlan& plan);
  void shrink_to_fit();

  // Verifies the rest of pattern `id` around an anchor found at [anchor_start, anchor_end) of the
  // normalised `text` (words between single spaces, a space at each end): elements before the
  // anchor backwards, elements after it forwards. Returns the hit's normalised span.
  std::optional<Span> verify(Id id, std::string_view text, size_t anchor_start, size_t anchor_end) const;

  size_t memory_bytes() const;
  size_t size() const { return entries_.size(); }  // patterns added

  // The packed program as bytes (appended to `out`) and back, for the plan cache. restore()
  // returns false, leaving the program unusable, on input that is short or inconsistent.
  void save(std::string& out) const;
  bool restore(std::string_view& in);

 private:
  // Nine nodes in ten are words: what only groups need is kept apart, in groups_.
  struct Node {
    uint8_t kind;           // PatternElement::Kind
    uint8_t max_gap;        // kGap
    uint16_t text_length;   // kWord, kPrefix
    uint32_t first;         // kWord, kPrefix: offset in bytes_; kGroup: index in groups_
  };
  struct Group {
    uint32_t first;         // first alternative in alternatives_
    uint32_t count;         // alternatives
    uint32_t starts;        // first bytes a match can start with (first_byte_bit)
    uint32_t last_starts;   // first bytes the last word of a match can start with
  };
  struct Sequence {
    uint32_t begin;  // nodes_[begin, end)
    uint32_t end;
  };
  struct Entry {
    Sequence pattern;
    uint32_t first;  // the anchor covers elements [first, rest) of the pattern
    uint32_t rest;
    // First bytes the word right after the anchor, and the word right before it, can start with
    // (first_byte_bit): most anchors found fail on one of those two words, decided here without
    // walking.
    uint32_t after_starts;
    uint32_t before_starts;
  };
  class Walker;

  Sequence pack(const ParsedPattern& sequence);
  // The first bytes (first_byte_bit) a match of `e` can start with; with of_last_word, those
  // of the last word of a group's matches, as the verifier meets them walking backwards.
  uint32_t first_bytes(const Node& e, bool of_last_word) const;

  std::vector<Node> nodes_;
  std::vector<Group> groups_;
  std::vector<Sequence> alternatives_;
  std::string bytes_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, uint32_t> word_offsets_;  // only while adding
};

}  // namespace vigil::signatures
