#pragma once
// What the browser extension reports, as vigil-browser-host forwards it to vigil-session: visited
// pages (URL, title, search query) and password-field focus. The same validation runs in the host
// (on what the browser sends) and in the helper (on what a host sends), because both peers run as
// the pupil and either could be replaced. Formats: agent/session/PROTOCOL.md, "Browser socket".

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "vigil/result.h"

namespace vigil::agent {

inline constexpr int kBrowserProtocolVersion = 1;
// Longest URL, title or query handed on, in bytes; the collector refuses capture fields over
// 2048 bytes, and a longer URL is tracking noise. Cut on a UTF-8 character boundary.
inline constexpr size_t kMaxBrowserFieldBytes = 2048;
// A browser name or extension origin.
inline constexpr size_t kMaxBrowserNameBytes = 256;
// Tab ids are small positive integers in Chromium and Firefox; anything wider is a broken peer.
inline constexpr int64_t kMaxTabId = (int64_t{1} << 40);

struct BrowserHello {
  int version = kBrowserProtocolVersion;
  std::string browser;    // e.g. "chromium", "firefox", as the extension names it
  std::string extension;  // the extension origin the browser gave the host
};

struct PageVisit {
  int64_t tab = 0;
  std::string url;
  std::string title;
  std::string query;  // the search engine's query parameter, empty when not a search
  std::chrono::system_clock::time_point observed_at;
};

struct PasswordFocus {
  int64_t tab = 0;
  bool focused = false;
};

using BrowserMessage = std::variant<BrowserHello, PageVisit, PasswordFocus>;

// Validates one message. From the extension (`from_host` false) observed_ms is absent and
// `now` is used; from the host it is required. Over-long text fields are cut, not refused.
Result<BrowserMessage> parse_browser_message(const nlohmann::json& j, bool from_host, std::chrono::system_clock::time_point now);
nlohmann::json to_json(const BrowserMessage& message);

// Cuts `s` to at most `max_bytes` without splitting a UTF-8 character.
std::string cut_utf8(std::string s, size_t max_bytes);

// Where vigil-session listens for vigil-browser-host: $VIGIL_BROWSER_SOCKET, else
// $XDG_RUNTIME_DIR/vigil-browser.sock (a per-user directory only its owner can enter).
Result<std::string> default_browser_socket();

}  // namespace vigil::agent
