#include "vigil/signatures/pattern.h"

#include <charconv>

#include "vigil/signatures/normaliser.h"

namespace vigil::signatures {
namespace {

Error bad(std::string reason) { return make_error(ErrorCode::kInvalidArgument, std::move(reason)); }

// Splits "(a|b c) d" into a cartesian product of plain strings: groups are textual alternatives.
Result<std::vector<std::string>> expand_groups(std::string_view pattern) {
  std::vector<std::string> partial{""};
  size_t i = 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == ')') return bad("')' without '('");
    if (c == '|') return bad("'|' outside a group: use (a|b), or an array for whole alternatives");
    if (c != '(') {
      for (auto& p : partial) p.push_back(c);
      ++i;
      continue;
    }
    const size_t close = pattern.find(')', i + 1);
    if (close == std::string_view::npos) return bad("'(' without ')'");
    const std::string_view body = pattern.substr(i + 1, close - i - 1);
    if (body.find('(') != std::string_view::npos) return bad("groups cannot be nested");
    std::vector<std::string> alternatives;
    size_t start = 0;
    while (true) {
      const size_t bar = body.find('|', start);
      alternatives.emplace_back(body.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
      if (bar == std::string_view::npos) break;
      start = bar + 1;
    }
    if (alternatives.size() < 2) return bad("a group needs at least two alternatives: (a|b)");
    std::vector<std::string> next;
    for (const auto& p : partial) {
      for (const auto& a : alternatives) next.push_back(p + a);
    }
    if (next.size() > kMaxExpansions) return bad("expands to more than " + std::to_string(kMaxExpansions) + " alternatives");
    partial = std::move(next);
    i = close + 1;
  }
  return partial;
}

Result<TokenSequence> tokenise(const std::string& text) {
  TokenSequence out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size()) break;
    size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    std::string_view raw(text.data() + i, j - i);
    i = j;
    if (raw[0] == '~') {
      int gap = kDefaultGap;
      if (raw.size() > 1) {
        auto [ptr, ec] = std::from_chars(raw.data() + 1, raw.data() + raw.size(), gap);
        if (ec != std::errc() || ptr != raw.data() + raw.size() || gap < 1 || gap > kMaxGap) {
          return bad("gap \"" + std::string(raw) + "\" must be ~ or ~1..~5");
        }
      }
      if (out.empty() || out.back().kind == PatternToken::Kind::kGap) return bad("a gap must sit between two words");
      out.push_back({PatternToken::Kind::kGap, "", gap});
      continue;
    }
    const bool prefix = raw.back() == '*';
    if (prefix) raw.remove_suffix(1);
    if (raw.find('*') != std::string_view::npos) return bad("'*' only at the end of a word");
    const std::string normalised = normalise(raw).text;  // " w1 w2 "
    std::vector<std::string> words;
    size_t k = 1;
    while (k < normalised.size()) {
      const size_t e = normalised.find(' ', k);
      if (e > k) words.emplace_back(normalised.substr(k, e - k));
      k = e + 1;
    }
    if (words.empty()) {
      if (prefix) return bad("'*' needs a word before it");
      continue;  // punctuation only: no word to match
    }
    for (size_t w = 0; w < words.size(); ++w) {
      const bool last = w + 1 == words.size();
      out.push_back({prefix && last ? PatternToken::Kind::kPrefix : PatternToken::Kind::kWord, words[w], 0});
    }
  }
  if (out.empty()) return bad("no words");
  if (out.back().kind == PatternToken::Kind::kGap) return bad("a gap must sit between two words");
  return out;
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

}  // namespace

Result<std::vector<TokenSequence>> expand_pattern(std::string_view pattern) {
  auto texts = expand_groups(pattern);
  if (!texts) return texts.error();
  std::vector<TokenSequence> out;
  for (const auto& text : *texts) {
    auto tokens = tokenise(text);
    if (!tokens) return tokens.error();
    out.push_back(std::move(*tokens));
  }
  return out;
}

std::string to_expression(const TokenSequence& sequence) {
  std::string out = " ";
  bool first = true;
  for (const PatternToken& t : sequence) {
    if (t.kind == PatternToken::Kind::kGap) {
      out += "(?: [^ ]+){0," + std::to_string(t.max_gap) + "}";
      continue;
    }
    if (!first) out.push_back(' ');
    first = false;
    append_escaped(out, t.text);
    if (t.kind == PatternToken::Kind::kPrefix) out += "[^ ]*";
  }
  out.push_back(' ');
  return out;
}

}  // namespace vigil::signatures
