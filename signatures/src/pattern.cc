#include "vigil/signatures/pattern.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <unordered_set>

#include "vigil/signatures/normaliser.h"

namespace vigil::signatures {
namespace {

using Kind = PatternElement::Kind;

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || static_cast<unsigned char>(c) >= 0x80;
}

Error bad(std::string reason) { return make_error(ErrorCode::kInvalidArgument, std::move(reason)); }

// Most pattern words are plain letters: their normal form is lower case with letter runs
// squeezed ("Kill" reads "kil"), as the quick normaliser would give, without running it.
std::optional<std::string> plain_word(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c < 'a' || c > 'z') return std::nullopt;
    if (out.empty() || out.back() != c) out.push_back(c);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::vector<std::string> normalised_words(std::string_view raw) {
  // " w1 w2 "; pattern words are nearly always plain ASCII, which the quick path reads alone.
  thread_local std::string normalised;
  if (!normalise_text_quick(raw, normalised)) normalised = normalise(raw).text;
  std::vector<std::string> words;
  size_t k = 1;
  while (k < normalised.size()) {
    const size_t e = normalised.find(' ', k);
    if (e > k) words.emplace_back(normalised.substr(k, e - k));
    k = e + 1;
  }
  return words;
}

// Appends the elements of one whitespace-free token: a gap, a number, a word or a prefix. A token
// may normalise into several words ("e-mail" reads "e mail").
Result<void> add_token(std::string_view raw, bool in_group, ParsedPattern& out) {
  if (raw[0] == '~') {
    if (in_group) return bad("a gap cannot be inside a group");
    int gap = kDefaultGap;
    if (raw.size() > 1) {
      auto [ptr, ec] = std::from_chars(raw.data() + 1, raw.data() + raw.size(), gap);
      if (ec != std::errc() || ptr != raw.data() + raw.size() || gap < 1 || gap > kMaxGap) {
        return bad("gap \"" + std::string(raw) + "\" must be ~ or ~1..~5");
      }
    }
    if (out.empty() || out.back().kind == Kind::kGap) return bad("a gap must sit between two words");
    out.push_back({Kind::kGap, "", gap, {}});
    return {};
  }
  if (raw == "#") {
    out.push_back({Kind::kNumber, "", 0, {}});
    return {};
  }
  const bool prefix = raw.back() == '*';
  if (prefix) raw.remove_suffix(1);
  if (raw.find('*') != std::string_view::npos) return bad("'*' only at the end of a word");
  if (raw.find_first_of("()|") != std::string_view::npos) return bad("a group must stand apart from words: \"" + std::string(raw) + "\"");
  if (raw.size() > kMaxWordBytes) return bad("a word longer than " + std::to_string(kMaxWordBytes) + " bytes");
  if (auto word = plain_word(raw)) {
    out.push_back({prefix ? Kind::kPrefix : Kind::kWord, std::move(*word), 0, {}});
    return {};
  }
  const auto words = normalised_words(raw);
  if (words.empty()) return prefix ? bad("'*' needs a word before it") : Result<void>();
  for (size_t w = 0; w < words.size(); ++w) {
    const bool last = w + 1 == words.size();
    out.push_back({prefix && last ? Kind::kPrefix : Kind::kWord, words[w], 0, {}});
  }
  return {};
}

bool has_word(const ParsedPattern& p) {
  for (const auto& e : p) {
    if (e.kind == Kind::kWord || e.kind == Kind::kPrefix || e.kind == Kind::kNumber) return true;
    if (e.kind == Kind::kGroup) {
      for (const auto& alt : e.alternatives) {
        if (has_word(alt)) return true;
      }
    }
  }
  return false;
}

void append_escaped(std::string& out, const std::string& word) {
  static const char* kHex = "0123456789abcdef";
  for (unsigned char c : word) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
}

// Every element writes its own leading space, so optional groups need no special spacing.
void emit(const ParsedPattern& elements, std::string& out) {
  for (const PatternElement& e : elements) {
    switch (e.kind) {
      case Kind::kGap:
        out += "(?: [^ ]+){0," + std::to_string(e.max_gap) + "}";
        break;
      case Kind::kNumber:
        out += " [0-9]+";
        break;
      case Kind::kWord:
      case Kind::kPrefix:
        out.push_back(' ');
        append_escaped(out, e.text);
        if (e.kind == Kind::kPrefix) out += "[^ ]*";
        break;
      case Kind::kGroup:
        out += "(?:";
        for (size_t a = 0; a < e.alternatives.size(); ++a) {
          if (a > 0) out.push_back('|');
          emit(e.alternatives[a], out);
        }
        out.push_back(')');
        break;
    }
  }
}

}  // namespace

namespace {

// Recursive descent over the pattern text. Groups nest; gaps only at the top level.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<ParsedPattern> parse() {
    auto seq = sequence(0);
    if (!seq) return seq.error();
    if (pos_ < text_.size()) return bad(text_[pos_] == ')' ? "')' without '('" : "'|' outside a group: use (a|b), or an array for whole alternatives");
    return seq;
  }

 private:
  static constexpr int kMaxDepth = 4;

  Result<ParsedPattern> sequence(int depth) {
    ParsedPattern out;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t') {
        ++pos_;
      } else if (c == ')' || c == '|') {
        break;
      } else if (c == '(') {
        if (pos_ > 0 && is_word_char(text_[pos_ - 1])) return bad("a group must stand apart from words");
        auto g = group(depth + 1);
        if (!g) return g.error();
        out.push_back(std::move(*g));
      } else {
        const size_t start = pos_;
        while (pos_ < text_.size() &&
               std::string_view(" \t()|").find(text_[pos_]) == std::string_view::npos) {
          ++pos_;
        }
        if (auto r = add_token(text_.substr(start, pos_ - start), depth > 0, out); !r) return r.error();
      }
    }
    return out;
  }

  Result<PatternElement> group(int depth) {
    if (depth > kMaxDepth) return bad("groups nest at most 4 deep");
    ++pos_;  // '('
    PatternElement g{Kind::kGroup, "", 0, {}};
    while (true) {
      auto alt = sequence(depth);
      if (!alt) return alt.error();
      g.alternatives.push_back(std::move(*alt));
      if (pos_ >= text_.size()) return bad("'(' without ')'");
      if (text_[pos_] == ')') break;
      ++pos_;  // '|'
    }
    ++pos_;  // ')'
    // "(the )?" is the familiar spelling of an optional group: the same as "(the |)".
    if (pos_ < text_.size() && text_[pos_] == '?') {
      ++pos_;
      g.alternatives.emplace_back();
    }
    if (pos_ < text_.size() && is_word_char(text_[pos_])) return bad("a group must stand apart from words");
    // The same alternative twice ("(a||)") adds nothing but another way for the verifier to try
    // the rest of the pattern from the same place.
    std::unordered_set<std::string> seen;
    std::erase_if(g.alternatives, [&](const ParsedPattern& alternative) {
      if (alternative.size() == 1 && alternative[0].kind == Kind::kWord) return !seen.insert(alternative[0].text).second;
      std::string rendered = "\x01";  // apart from any word
      emit(alternative, rendered);
      return !seen.insert(std::move(rendered)).second;
    });
    if (g.alternatives.size() > kMaxGroupAlternatives) return bad("a group may hold at most 64 alternatives");
    if (std::none_of(g.alternatives.begin(), g.alternatives.end(), [](const ParsedPattern& a) { return has_word(a); })) {
      return bad("a group needs at least one word");
    }
    return g;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

namespace {

bool may_match_nothing(const ParsedPattern& sequence);

bool may_match_nothing(const PatternElement& e) {
  if (e.kind == Kind::kGap) return true;
  if (e.kind != Kind::kGroup) return false;
  return std::any_of(e.alternatives.begin(), e.alternatives.end(), [](const ParsedPattern& a) { return may_match_nothing(a); });
}

bool may_match_nothing(const ParsedPattern& sequence) {
  return std::all_of(sequence.begin(), sequence.end(), [](const PatternElement& e) { return may_match_nothing(e); });
}

size_t optional_parts(const ParsedPattern& sequence) {
  size_t n = 0;
  for (const auto& e : sequence) {
    n += may_match_nothing(e) ? 1 : 0;
    for (const auto& alternative : e.alternatives) n += optional_parts(alternative);
  }
  return n;
}

}  // namespace

Result<ParsedPattern> parse_pattern(std::string_view pattern) {
  auto out = Parser(pattern).parse();
  if (!out) return out.error();
  if (!has_word(*out)) return bad("no words");
  // Each optional group or gap is one more choice the verifier may retry from the same place; a
  // pattern made of many could take it minutes on one line. The shipped pack needs at most 5.
  if (const size_t optional = optional_parts(*out); optional > kMaxOptionalParts) {
    return bad(std::to_string(optional) + " optional groups and gaps; at most " + std::to_string(kMaxOptionalParts) +
               " (split the pattern into several)");
  }
  if (out->front().kind == Kind::kGap || out->back().kind == Kind::kGap) return bad("a gap must sit between two words");
  return out;
}

std::string to_expression(const ParsedPattern& pattern) {
  std::string out;
  emit(pattern, out);
  out.push_back(' ');
  return out;
}

}  // namespace vigil::signatures
