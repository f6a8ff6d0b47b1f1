#include "browser/page_text.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "vigil/percent_encoding.h"

namespace vigil::agent {
namespace {

// Length of the valid UTF-8 sequence starting at `i`, or 0.
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  static constexpr std::array<uint32_t, 5> kMin{0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Letters and digits (and any non-ASCII character) are kept; everything else separates words.
void append_words(std::string& out, std::string_view decoded) {
  for (size_t i = 0; i < decoded.size();) {
    const size_t n = utf8_sequence(decoded, i);
    const bool word_char = n > 1 || (n == 1 && std::isalnum(static_cast<unsigned char>(decoded[i])));
    if (word_char) {
      out.append(decoded.substr(i, n));
      i += n;
    } else {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      i += n == 0 ? 1 : n;
    }
  }
  if (!out.empty() && out.back() != ' ') out.push_back(' ');
}

}  // namespace

std::string url_words(std::string_view url, bool with_query) {
  // scheme://userinfo@host:port/path?query#fragment; the scheme, credentials and port are not words.
  if (auto scheme = url.find("://"); scheme != std::string_view::npos && scheme < 32) url.remove_prefix(scheme + 3);
  const size_t authority_end = std::min(url.find_first_of("/?#"), url.size());
  std::string_view authority = url.substr(0, authority_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (auto colon = authority.rfind(':'); colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    authority = authority.substr(0, colon);
  }
  std::string_view rest = url.substr(authority_end);
  const size_t query_at = std::min(rest.find_first_of("?#"), rest.size());
  std::string out;
  append_words(out, percent_decode(authority, false));
  append_words(out, percent_decode(rest.substr(0, query_at), false));
  if (with_query) append_words(out, percent_decode(rest.substr(query_at), true));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string page_text(const PageVisit& page) {
  std::string out;
  for (const std::string& part : {page.query, page.title, url_words(page.url, page.query.empty())}) {
    if (part.empty()) continue;
    if (!out.empty()) out += '\n';
    out += part;
  }
  return out;
}

bool is_browser_app(const std::string& app, const std::string& app_path) {
  static constexpr std::array<std::string_view, 20> kBrowsers{
      "chromium",        "chromium-browser", "chrome",         "google-chrome", "google-chrome-stable", "msedge",   "microsoft-edge",
      "microsoft-edge-stable", "firefox",    "firefox-esr",    "firefox-bin",   "brave",                "brave-browser", "vivaldi",
      "vivaldi-bin",     "opera",            "librewolf",      "waterfox",      "thorium",              "chrome-wrapper"};
  const auto matches = [&](std::string name) {
    if (auto slash = name.find_last_of("/\\"); slash != std::string::npos) name.erase(0, slash + 1);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name.size() > 4 && name.ends_with(".exe")) name.resize(name.size() - 4);
    return std::find(kBrowsers.begin(), kBrowsers.end(), name) != kBrowsers.end();
  };
  return (!app.empty() && matches(app)) || (!app_path.empty() && matches(app_path));
}

}  // namespace vigil::agent
