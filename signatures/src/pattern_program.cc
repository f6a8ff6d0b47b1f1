#include "vigil/signatures/pattern_program.h"

#include <unordered_map>

#include "plan_bytes.h"

namespace vigil::signatures {
namespace {

using Kind = PatternElement::Kind;
constexpr size_t npos = std::string_view::npos;

// Groups are tried alternative by alternative, and most fail on the first byte of the word they
// face; so each group knows which first bytes can succeed: one bit per letter, one for digits,
// one for anything else.
constexpr uint32_t kAnyByte = ~uint32_t{0};
constexpr uint32_t kDigitBit = uint32_t{1} << 26;

// Distinct words of a large pack (the shipped one has about 9,000): reserved up front, since
// rehashing while adding was a tenth of an agent's start from the cache.
constexpr size_t kExpectedDistinctWords = 16384;

uint32_t first_byte_bit(char c) {
  if (c >= 'a' && c <= 'z') return uint32_t{1} << (c - 'a');
  if (c >= '0' && c <= '9') return kDigitBit;
  return uint32_t{1} << 27;
}

// The continuation of a match: a non-owning callable, because every one lives on the stack of the
// call that passes it down, and std::function would allocate for each (the captures exceed its
// small buffer) on the verifier's hot path.
class Continue {
 public:
  template <typename F>
  Continue(const F& f) : object_(&f), call_([](const void* o, size_t pos) { return (*static_cast<const F*>(o))(pos); }) {}  // NOLINT: implicit by design
  size_t operator()(size_t pos) const { return call_(object_, pos); }

 private:
  const void* object_;
  size_t (*call_)(const void*, size_t);
};

size_t word_end(std::string_view text, size_t pos) {
  const size_t space = text.find(' ', pos);
  return space == npos ? text.size() : space;
}

// The start of the word that ends at the space `pos`.
size_t word_start_before(std::string_view text, size_t pos) {
  if (pos == 0) return npos;
  const size_t space = text.rfind(' ', pos - 1);
  return space == npos ? npos : space + 1;
}

bool all_digits(std::string_view word) { return !word.empty() && word.find_first_not_of("0123456789") == npos; }

// Whether the word at `pos` starts with a byte `starts` allows (kAnyByte: anything, or no word).
bool may_start_at(uint32_t starts, std::string_view text, size_t pos) {
  return starts == kAnyByte || (pos < text.size() && (starts & first_byte_bit(text[pos])) != 0);
}

// Whether the word that ends at the space `pos` starts with a byte `starts` allows.
bool may_end_at(uint32_t starts, std::string_view text, size_t pos) {
  if (starts == kAnyByte) return true;
  const size_t start = word_start_before(text, pos);
  return start != npos && start < pos && (starts & first_byte_bit(text[start])) != 0;
}

}  // namespace

// Matching over the packed nodes: a sequence is matched element by element, backtracking through
// gaps and group alternatives until the continuation succeeds.
class PatternProgram::Walker {
 public:
  Walker(const PatternProgram& program, std::string_view text) : p_(program), text_(text) {}

  // Matches seq[i..] at word start `pos`, then hands the position after it to `next`.
  size_t forward(Sequence seq, uint32_t i, size_t pos, const Continue& next) const {
    if (seq.begin + i == seq.end) return next(pos);
    const Node& e = p_.nodes_[seq.begin + i];
    switch (static_cast<Kind>(e.kind)) {
      case Kind::kWord:
      case Kind::kPrefix:
      case Kind::kNumber: {
        const size_t after = single(e, pos);
        return after == npos ? after : forward(seq, i + 1, after, next);
      }
      case Kind::kGap: {
        // Shortest gap first: the hit stays as tight as the words allow.
        size_t at = pos;
        for (int skipped = 0; skipped <= e.max_gap; ++skipped) {
          const size_t r = forward(seq, i + 1, at, next);
          if (r != npos) return r;
          const size_t end = word_end(text_, at);
          if (end == at || end + 1 >= text_.size()) break;
          at = end + 1;
        }
        return npos;
      }
      case Kind::kGroup: {
        const Group& g = p_.groups_[e.first];
        if (!may_start_at(g.starts, text_, pos)) return npos;
        const auto rest_fn = [&](size_t after) { return forward(seq, i + 1, after, next); };
        const Continue rest(rest_fn);
        for (uint32_t a = g.first; a < g.first + g.count; ++a) {
          const size_t r = forward(p_.alternatives_[a], 0, pos, rest);
          if (r != npos) return r;
        }
        return npos;
      }
    }
    return npos;
  }

  // Matches seq[0..i) backwards so that it ends at the space `pos`, then hands the space before
  // it to `next`.
  size_t backward(Sequence seq, uint32_t i, size_t pos, const Continue& next) const {
    if (i == 0) return next(pos);
    const Node& e = p_.nodes_[seq.begin + i - 1];
    switch (static_cast<Kind>(e.kind)) {
      case Kind::kWord:
      case Kind::kPrefix:
      case Kind::kNumber: {
        const size_t before = single_back(e, pos);
        return before == npos ? before : backward(seq, i - 1, before, next);
      }
      case Kind::kGap: {
        size_t at = pos;
        for (int skipped = 0; skipped <= e.max_gap; ++skipped) {
          const size_t r = backward(seq, i - 1, at, next);
          if (r != npos) return r;
          const size_t start = word_start_before(text_, at);
          if (start == npos || start == 0 || start == at) break;
          at = start - 1;
        }
        return npos;
      }
      case Kind::kGroup: {
        const Group& g = p_.groups_[e.first];
        if (!may_end_at(g.last_starts, text_, pos)) return npos;
        const auto rest_fn = [&](size_t before) { return backward(seq, i - 1, before, next); };
        const Continue rest(rest_fn);
        for (uint32_t a = g.first; a < g.first + g.count; ++a) {
          const Sequence alternative = p_.alternatives_[a];
          const size_t r = backward(alternative, alternative.end - alternative.begin, pos, rest);
          if (r != npos) return r;
        }
        return npos;
      }
    }
    return npos;
  }

 private:
  std::string_view word(const Node& e) const { return std::string_view(p_.bytes_).substr(e.first, e.text_length); }

  // One word, prefix or number at word start `pos`; returns the next word start, or npos.
  size_t single(const Node& e, size_t pos) const {
    switch (static_cast<Kind>(e.kind)) {
      case Kind::kWord: {
        const std::string_view w = word(e);
        // Most words tried differ from the text at once: the first byte decides without a call.
        if (pos + w.size() >= text_.size() || text_[pos] != w[0] || text_[pos + w.size()] != ' ' ||
            text_.compare(pos, w.size(), w) != 0) {
          return npos;
        }
        return pos + w.size() + 1;
      }
      case Kind::kPrefix: {
        if (pos >= text_.size() || text_[pos] != p_.bytes_[e.first] || text_.compare(pos, e.text_length, word(e)) != 0) return npos;
        const size_t end = word_end(text_, pos);
        return end >= text_.size() ? npos : end + 1;
      }
      case Kind::kNumber: {
        const size_t end = word_end(text_, pos);
        if (end >= text_.size() || !all_digits(text_.substr(pos, end - pos))) return npos;
        return end + 1;
      }
      default:
        return npos;
    }
  }

  // Backward counterpart: `pos` is the space after the word; returns the space before it.
  size_t single_back(const Node& e, size_t pos) const {
    const size_t start = word_start_before(text_, pos);
    if (start == npos || start == pos || start == 0) return npos;
    const std::string_view w = text_.substr(start, pos - start);
    switch (static_cast<Kind>(e.kind)) {
      case Kind::kWord:
        return w.size() == e.text_length && w[0] == p_.bytes_[e.first] && w == word(e) ? start - 1 : npos;
      case Kind::kPrefix:
        return w.size() >= e.text_length && w.substr(0, e.text_length) == word(e) ? start - 1 : npos;
      case Kind::kNumber:
        return all_digits(w) ? start - 1 : npos;
      default:
        return npos;
    }
  }

  const PatternProgram& p_;
  std::string_view text_;
};

uint32_t PatternProgram::first_bytes(const Node& e, bool of_last_word) const {
  switch (static_cast<Kind>(e.kind)) {
    case Kind::kWord:
    case Kind::kPrefix:
      return first_byte_bit(e.text_length ? bytes_[e.first] : ' ');
    case Kind::kNumber:
      return kDigitBit;
    case Kind::kGap:
      return kAnyByte;  // it may skip no word at all
    case Kind::kGroup:
      return of_last_word ? groups_[e.first].last_starts : groups_[e.first].starts;
  }
  return kAnyByte;
}

PatternProgram::Sequence PatternProgram::pack(const ParsedPattern& sequence) {
  if (word_offsets_.empty()) word_offsets_.reserve(kExpectedDistinctWords);
  const auto begin = static_cast<uint32_t>(nodes_.size());
  nodes_.resize(begin + sequence.size());
  for (size_t i = 0; i < sequence.size(); ++i) {
    const PatternElement& e = sequence[i];
    Node node{static_cast<uint8_t>(e.kind), static_cast<uint8_t>(e.max_gap), 0, 0};
    if (e.kind == Kind::kWord || e.kind == Kind::kPrefix) {
      // Words repeat across a pack ("my", "you", "kill"): each is stored once.
      auto it = word_offsets_.find(e.text);
      if (it == word_offsets_.end()) {
        it = word_offsets_.emplace(e.text, static_cast<uint32_t>(bytes_.size())).first;
        bytes_ += e.text;
      }
      node.first = it->second;
      node.text_length = static_cast<uint16_t>(e.text.size());
    } else if (e.kind == Kind::kGroup) {
      const auto group = static_cast<uint32_t>(groups_.size());
      const auto count = static_cast<uint32_t>(e.alternatives.size());
      const auto first = static_cast<uint32_t>(alternatives_.size());
      groups_.push_back({first, count, 0, 0});
      node.first = group;
      alternatives_.resize(alternatives_.size() + e.alternatives.size());
      uint32_t starts = 0;
      uint32_t last_starts = 0;
      for (uint32_t a = 0; a < count; ++a) {
        const Sequence packed = pack(e.alternatives[a]);
        alternatives_[first + a] = packed;
        if (packed.begin == packed.end) {
          starts = last_starts = kAnyByte;  // an empty alternative: the group may match nothing
          continue;
        }
        starts |= first_bytes(nodes_[packed.begin], false);
        last_starts |= first_bytes(nodes_[packed.end - 1], true);
      }
      groups_[group].starts = starts;  // by index: packing the alternatives may have moved groups_
      groups_[group].last_starts = last_starts;
    }
    nodes_[begin + i] = node;  // by index: packing the alternatives may have moved nodes_
  }
  return {begin, static_cast<uint32_t>(begin + sequence.size())};
}

PatternProgram::Id PatternProgram::add(const PatternPlan& plan) {
  const Sequence packed = pack(plan.pattern);
  const auto first = static_cast<uint32_t>(plan.first);
  const auto rest = static_cast<uint32_t>(plan.rest);
  const uint32_t after = packed.begin + rest < packed.end ? first_bytes(nodes_[packed.begin + rest], false) : kAnyByte;
  const uint32_t before = first > 0 ? first_bytes(nodes_[packed.begin + first - 1], true) : kAnyByte;
  entries_.push_back({packed, first, rest, after, before});
  return static_cast<Id>(entries_.size() - 1);
}

void PatternProgram::shrink_to_fit() {
  nodes_.shrink_to_fit();
  groups_.shrink_to_fit();
  alternatives_.shrink_to_fit();
  bytes_.shrink_to_fit();
  entries_.shrink_to_fit();
  std::unordered_map<std::string, uint32_t>().swap(word_offsets_);
}

void PatternProgram::save(std::string& out) const {
  PlanWriter w;
  w.values(nodes_);
  w.values(groups_);
  w.values(alternatives_);
  w.text(bytes_);
  w.values(entries_);
  out += w.bytes();
}

bool PatternProgram::restore(std::string_view& in) {
  PlanReader r(in);
  if (!r.values(nodes_) || !r.values(groups_) || !r.values(alternatives_) || !r.text(bytes_) || !r.values(entries_)) return false;
  // Indexes that point outside the program would walk off its arrays while scanning.
  for (const Node& n : nodes_) {
    const bool word = n.kind == static_cast<uint8_t>(Kind::kWord) || n.kind == static_cast<uint8_t>(Kind::kPrefix);
    if (word && size_t{n.first} + n.text_length > bytes_.size()) return false;
    if (n.kind == static_cast<uint8_t>(Kind::kGroup) && n.first >= groups_.size()) return false;
  }
  for (const Group& g : groups_) {
    if (size_t{g.first} + g.count > alternatives_.size()) return false;
  }
  auto fits = [&](Sequence s) { return s.begin <= s.end && s.end <= nodes_.size(); };
  for (const Sequence& a : alternatives_) {
    if (!fits(a)) return false;
  }
  for (const Entry& e : entries_) {
    if (!fits(e.pattern) || e.first > e.rest || e.rest > e.pattern.end - e.pattern.begin) return false;
  }
  in = in.substr(in.size() - r.remaining());
  return true;
}

size_t PatternProgram::memory_bytes() const {
  return nodes_.capacity() * sizeof(Node) + groups_.capacity() * sizeof(Group) + alternatives_.capacity() * sizeof(Sequence) + bytes_.capacity() +
         entries_.capacity() * sizeof(Entry);
}

std::optional<Span> PatternProgram::verify(Id id, std::string_view text, size_t anchor_start, size_t anchor_end) const {
  const Entry& entry = entries_[id];
  const Walker walk(*this, text);
  size_t pos = anchor_end;
  if (anchor_end > 0 && text[anchor_end - 1] != ' ') {  // the anchor ended in a prefix
    const size_t end = word_end(text, pos);
    if (end >= text.size()) return std::nullopt;
    pos = end + 1;
  }
  if (!may_start_at(entry.after_starts, text, pos) || !may_end_at(entry.before_starts, text, anchor_start)) return std::nullopt;
  const auto identity = [](size_t at) { return at; };
  const size_t end = walk.forward(entry.pattern, entry.rest, pos, Continue(identity));
  if (end == npos) return std::nullopt;
  const size_t start = walk.backward(entry.pattern, entry.first, anchor_start, Continue(identity));
  if (start == npos) return std::nullopt;
  return Span{start + 1, end - 1};
}

}  // namespace vigil::signatures
