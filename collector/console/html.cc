#include "console/html.h"

#include <algorithm>
#include <ctime>
#include <utility>
#include <vector>

namespace vigil::collector::console {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence starting at `i`, or 0 if it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = 0;
  uint32_t min = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) n = 2, min = 0x80;
  else if ((c & 0xF0) == 0xE0) n = 3, min = 0x800;
  else if ((c & 0xF8) == 0xF0) n = 4, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool continuation(std::string_view s, size_t i) { return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80; }

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '&': out += "&amp;"; ++i; continue;
      case '<': out += "&lt;"; ++i; continue;
      case '>': out += "&gt;"; ++i; continue;
      case '"': out += "&quot;"; ++i; continue;
      case '\'': out += "&#39;"; ++i; continue;
      default: break;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\n' && c != '\t') {
      out += kReplacement;
      ++i;
      continue;
    }
    const size_t n = utf8_length(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string highlight(const v1::Capture& capture) {
  const std::string_view text = capture.text();
  std::vector<std::pair<size_t, size_t>> spans;
  for (const auto& h : capture.hits()) {
    size_t start = std::min<size_t>(h.start(), text.size());
    size_t end = std::min<size_t>(h.end(), text.size());
    while (start > 0 && continuation(text, start)) --start;
    while (end < text.size() && continuation(text, end)) ++end;
    if (start < end) spans.emplace_back(start, end);
  }
  std::sort(spans.begin(), spans.end());
  std::string out;
  size_t at = 0;
  for (size_t k = 0; k < spans.size(); ++k) {
    size_t start = std::max(spans[k].first, at);
    size_t end = spans[k].second;
    while (k + 1 < spans.size() && spans[k + 1].first <= end) end = std::max(end, spans[++k].second);  // merge overlaps
    if (end <= start) continue;
    out += escape(text.substr(at, start - at));
    out += "<mark>";
    out += escape(text.substr(start, end - start));
    out += "</mark>";
    at = end;
  }
  out += escape(text.substr(at));
  return out;
}

std::string format_time(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

bool parse_date(std::string_view text, int64_t& start_ms) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  std::tm tm{};
  int y = 0, m = 0, d = 0;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  y = std::stoi(std::string(text.substr(0, 4)));
  m = std::stoi(std::string(text.substr(5, 2)));
  d = std::stoi(std::string(text.substr(8, 2)));
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1970) return false;
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  start_ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  return true;
}

}  // namespace vigil::collector::console
