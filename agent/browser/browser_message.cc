#include "browser/browser_message.h"

#include <cstdlib>

namespace vigil::agent {
namespace {

using nlohmann::json;

Error field_error(const char* name, const char* what) {
  return make_error(ErrorCode::kInvalidArgument, std::string("field \"") + name + "\" must be " + what);
}

Result<std::string> text_field(const json& j, const char* name, size_t max_bytes, bool required) {
  auto it = j.find(name);
  if (it == j.end() && !required) return std::string();
  if (it == j.end() || !it->is_string()) return field_error(name, "a string");
  return cut_utf8(it->get<std::string>(), max_bytes);
}

Result<int64_t> tab_field(const json& j) {
  auto it = j.find("tab");
  if (it == j.end() || !it->is_number_integer()) return field_error("tab", "an integer");
  const auto tab = it->get<int64_t>();
  // Firefox and Chromium use -1 (TAB_ID_NONE) for pages outside a tab; anything else is a tab.
  if (tab < -1 || tab > kMaxTabId) return field_error("tab", "a browser tab id");
  return tab;
}

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

std::string cut_utf8(std::string s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  while (end > 0 && is_continuation(static_cast<unsigned char>(s[end]))) --end;
  s.resize(end);
  return s;
}

Result<BrowserMessage> parse_browser_message(const json& j, bool from_host, std::chrono::system_clock::time_point now) {
  if (!j.is_object()) return make_error(ErrorCode::kInvalidArgument, "message is not a JSON object");
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return field_error("type", "a string");
  const std::string kind = type->get<std::string>();
  if (kind == "hello") {
    auto version = j.find("version");
    if (version == j.end() || !version->is_number_integer() || version->get<int64_t>() < 0) return field_error("version", "a non-negative integer");
    if (version->get<int64_t>() != kBrowserProtocolVersion) {
      return make_error(ErrorCode::kInvalidArgument, "protocol version " + std::to_string(version->get<int64_t>()) + " is not supported (expected 1)");
    }
    BrowserHello h;
    auto browser = text_field(j, "browser", kMaxBrowserNameBytes, true);
    if (!browser) return browser.error();
    auto extension = text_field(j, "extension", kMaxBrowserNameBytes, false);
    if (!extension) return extension.error();
    h.browser = std::move(*browser);
    h.extension = std::move(*extension);
    return BrowserMessage(std::move(h));
  }
  if (kind == "page") {
    PageVisit p;
    auto tab = tab_field(j);
    if (!tab) return tab.error();
    p.tab = *tab;
    auto url = text_field(j, "url", kMaxBrowserFieldBytes, true);
    if (!url) return url.error();
    if (url->empty()) return field_error("url", "a non-empty string");
    p.url = std::move(*url);
    auto title = text_field(j, "title", kMaxBrowserFieldBytes, false);
    if (!title) return title.error();
    p.title = std::move(*title);
    auto query = text_field(j, "query", kMaxBrowserFieldBytes, false);
    if (!query) return query.error();
    p.query = std::move(*query);
    p.observed_at = now;
    if (from_host) {
      auto observed = j.find("observed_ms");
      if (observed == j.end() || !observed->is_number_integer() || observed->get<int64_t>() < 0) {
        return field_error("observed_ms", "a non-negative integer");
      }
      p.observed_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(observed->get<uint64_t>()));
    }
    return BrowserMessage(std::move(p));
  }
  if (kind == "password") {
    PasswordFocus f;
    auto tab = tab_field(j);
    if (!tab) return tab.error();
    f.tab = *tab;
    auto focused = j.find("focused");
    if (focused == j.end() || !focused->is_boolean()) return field_error("focused", "a boolean");
    f.focused = focused->get<bool>();
    return BrowserMessage(f);
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown message type \"" + cut_utf8(kind, 64) + "\"");
}

json to_json(const BrowserMessage& message) {
  if (const auto* h = std::get_if<BrowserHello>(&message)) {
    return {{"type", "hello"}, {"version", h->version}, {"browser", h->browser}, {"extension", h->extension}};
  }
  if (const auto* f = std::get_if<PasswordFocus>(&message)) return {{"type", "password"}, {"tab", f->tab}, {"focused", f->focused}};
  const auto& p = std::get<PageVisit>(message);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(p.observed_at.time_since_epoch()).count();
  return {{"type", "page"},   {"tab", p.tab},     {"url", p.url},
          {"title", p.title}, {"query", p.query}, {"observed_ms", static_cast<uint64_t>(std::max<int64_t>(ms, 0))}};
}

Result<std::string> default_browser_socket() {
  if (const char* explicit_path = std::getenv("VIGIL_BROWSER_SOCKET"); explicit_path && *explicit_path) return std::string(explicit_path);
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (!runtime || !*runtime) {
    return make_error(ErrorCode::kUnavailable, "XDG_RUNTIME_DIR is not set, so there is no per-user place for the browser socket");
  }
  return std::string(runtime) + "/vigil-browser.sock";
}

}  // namespace vigil::agent
