#include "vigil/signatures/pattern.h"

#include <charconv>

#include "vigil/signatures/normaliser.h"

namespace vigil::signatures {
namespace {

using Kind = PatternElement::Kind;

Error bad(std::string reason) { return make_error(ErrorCode::kInvalidArgument, std::move(reason)); }

std::vector<std::string> normalised_words(std::string_view raw) {
  const std::string normalised = normalise(raw).text;  // " w1 w2 "
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
  const auto words = normalised_words(raw);
  if (words.empty()) return prefix ? bad("'*' needs a word before it") : Result<void>();
  for (size_t w = 0; w < words.size(); ++w) {
    const bool last = w + 1 == words.size();
    out.push_back({prefix && last ? Kind::kPrefix : Kind::kWord, words[w], 0, {}});
  }
  return {};
}

Result<void> add_words(std::string_view text, bool in_group, ParsedPattern& out) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= text.size()) break;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (auto r = add_token(text.substr(i, j - i), in_group, out); !r) return r;
    i = j;
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

Result<ParsedPattern> parse_pattern(std::string_view pattern) {
  ParsedPattern out;
  size_t i = 0;
  while (i < pattern.size()) {
    const size_t open = pattern.find_first_of("()|", i);
    if (auto r = add_words(pattern.substr(i, open == std::string_view::npos ? std::string_view::npos : open - i), false, out); !r) {
      return r.error();
    }
    if (open == std::string_view::npos) break;
    if (pattern[open] == ')') return bad("')' without '('");
    if (pattern[open] == '|') return bad("'|' outside a group: use (a|b), or an array for whole alternatives");
    // Groups hold whole words: one may touch another group, never a word ("un(alive|done)").
    if (open > 0 && pattern[open - 1] != ' ' && pattern[open - 1] != ')' && pattern[open - 1] != '?') {
      return bad("a group must stand apart from words");
    }
    const size_t close = pattern.find(')', open + 1);
    if (close == std::string_view::npos) return bad("'(' without ')'");
    const std::string_view body = pattern.substr(open + 1, close - open - 1);
    if (body.find('(') != std::string_view::npos) return bad("groups cannot be nested");
    // "(the )?" is the familiar spelling of an optional group: the same as "(the |)".
    const bool optional = close + 1 < pattern.size() && pattern[close + 1] == '?';
    const size_t after = close + (optional ? 2 : 1);
    if (after < pattern.size() && pattern[after] != ' ' && pattern[after] != '(') return bad("a group must stand apart from words");
    PatternElement group{Kind::kGroup, "", 0, {}};
    size_t start = 0;
    while (true) {
      const size_t bar = body.find('|', start);
      ParsedPattern alternative;
      if (auto r = add_words(body.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start), true, alternative); !r) {
        return r.error();
      }
      group.alternatives.push_back(std::move(alternative));
      if (bar == std::string_view::npos) break;
      start = bar + 1;
    }
    if (optional) group.alternatives.emplace_back();
    if (group.alternatives.size() > kMaxGroupAlternatives) return bad("a group may hold at most 64 alternatives");
    if (!has_word({group})) return bad("a group needs at least one word");
    out.push_back(std::move(group));
    i = after;
  }
  if (!has_word(out)) return bad("no words");
  if (out.front().kind == Kind::kGap || out.back().kind == Kind::kGap) return bad("a gap must sit between two words");
  return out;
}

std::string to_expression(const ParsedPattern& pattern) {
  std::string out;
  emit(pattern, out);
  out.push_back(' ');
  return out;
}

}  // namespace vigil::signatures
