// The browser route's pieces without a browser: message validation, the two frame flavours, URL
// words, the page limiter (fake clock), password focus and coverage, the session protocol's url
// stage, and the real vigil-browser-host binary fed hostile and good native-messaging input.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstring>

#include "browser/browser_message.h"
#include "browser/browser_watch.h"
#include "browser/json_frames.h"
#include "browser/page_limiter.h"
#include "browser/page_text.h"
#include "events/session_source.h"
#include "session/session_protocol.h"
#include "support/process.h"
#include "vigil/platform/local_socket.h"

using namespace vigil::agent;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const auto kNow = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000));

PageVisit visit(int64_t tab, const std::string& url, const std::string& title = "t") {
  PageVisit p;
  p.tab = tab;
  p.url = url;
  p.title = title;
  return p;
}

std::string native_frame(const std::string& payload) {
  const auto n = static_cast<uint32_t>(payload.size());
  std::string header(4, '\0');
  std::memcpy(header.data(), &n, 4);
  return header + payload;
}

}  // namespace

TEST_CASE("URL words: host and path split into words, percent-decoded, always valid UTF-8") {
  CHECK(url_words("https://example.com/how-to-kill-myself") == "example com how to kill myself");
  CHECK(url_words("http://user:pw@www.Example.co.uk:8080/a_b/c.html?x=go+kill%20yourself#top-bit") ==
        "www Example co uk a b c html x go kill yourself top bit");
  CHECK(url_words("https://example.com/a?q=secret", false) == "example com a");
  CHECK(url_words("https://fr.wikipedia.org/wiki/Caf%C3%A9") == "fr wikipedia org wiki Café");
  // %FF alone is not UTF-8: it becomes a separator, never an invalid byte in a protobuf string.
  CHECK(url_words("https://x.org/%FFkill%C0%AFme") == "x org kill me");
  CHECK(url_words("https://x.org/%") == "x org");
  CHECK(url_words("") == "");
}

TEST_CASE("page text: the query stands for the query string, then the title and the URL words") {
  PageVisit p = visit(1, "https://www.google.com/search?q=how+to+tie+a+noose&hl=en", "how to tie a noose - Google Search");
  p.query = "how to tie a noose";
  CHECK(page_text(p) == "how to tie a noose\nhow to tie a noose - Google Search\nwww google com search");
  PageVisit q = visit(1, "https://example.com/a-b", "");
  CHECK(page_text(q) == "example com a b");
}

TEST_CASE("browser apps are recognised by process name or path") {
  CHECK(is_browser_app("chromium", "/usr/lib/chromium/chromium"));
  CHECK(is_browser_app("", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"));
  CHECK(is_browser_app("firefox-esr", ""));
  CHECK(is_browser_app("MSEDGE.EXE", ""));
  CHECK_FALSE(is_browser_app("xterm", "/usr/bin/xterm"));
  CHECK_FALSE(is_browser_app("", ""));
}

TEST_CASE("browser messages: every field is checked, long text is cut on a character boundary") {
  auto page = parse_browser_message(json{{"type", "page"}, {"tab", 3}, {"url", "https://a.b/"}, {"title", "T"}, {"query", ""}}, false, kNow);
  REQUIRE(page.ok());
  CHECK(std::get<PageVisit>(*page).observed_at == kNow);
  const std::string long_title = std::string(kMaxBrowserFieldBytes - 1, 'a') + "é";  // é straddles the limit
  auto cut = parse_browser_message(json{{"type", "page"}, {"tab", 3}, {"url", "https://a.b/"}, {"title", long_title}}, false, kNow);
  REQUIRE(cut.ok());
  CHECK(std::get<PageVisit>(*cut).title == std::string(kMaxBrowserFieldBytes - 1, 'a'));

  struct Bad {
    json message;
    const char* reason;
  };
  for (const Bad& bad : {
           Bad{json::array(), "not a JSON object"},
           Bad{json{{"tab", 1}}, "\"type\""},
           Bad{json{{"type", "page"}, {"tab", "1"}, {"url", "u"}}, "\"tab\""},
           Bad{json{{"type", "page"}, {"tab", -5}, {"url", "u"}}, "\"tab\""},
           Bad{json{{"type", "page"}, {"tab", 1}}, "\"url\""},
           Bad{json{{"type", "page"}, {"tab", 1}, {"url", ""}}, "\"url\""},
           Bad{json{{"type", "page"}, {"tab", 1}, {"url", "u"}, {"title", 7}}, "\"title\""},
           Bad{json{{"type", "password"}, {"tab", 1}, {"focused", "yes"}}, "\"focused\""},
           Bad{json{{"type", "hello"}, {"version", 2}, {"browser", "x"}}, "version 2"},
           Bad{json{{"type", "hello"}, {"version", 1}}, "\"browser\""},
           Bad{json{{"type", "navigate"}}, "unknown message type"},
       }) {
    auto r = parse_browser_message(bad.message, false, kNow);
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.error().message.find(bad.reason) != std::string::npos, r.error().message);
  }
  // From the host, the time of observation is required.
  CHECK_FALSE(parse_browser_message(json{{"type", "page"}, {"tab", 1}, {"url", "u"}}, true, kNow).ok());
  auto round = parse_browser_message(to_json(*page), true, kNow + 1h);
  REQUIRE(round.ok());
  CHECK(std::get<PageVisit>(*round).observed_at == kNow);
}

TEST_CASE("frames: native and big-endian lengths, bounds, invalid JSON and UTF-8") {
  JsonFrameDecoder native(FrameOrder::kNative, 100);
  const std::string two = encode_json_frame(json{{"a", 1}}, FrameOrder::kNative) + encode_json_frame(json{{"b", 2}}, FrameOrder::kNative);
  native.feed(two.substr(0, 5));
  auto none = native.next();
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  native.feed(two.substr(5));
  CHECK((*native.next())->at("a") == 1);
  CHECK((*native.next())->at("b") == 2);

  const std::string be = encode_json_frame(json{{"c", 3}}, FrameOrder::kBigEndian);
  CHECK(be.substr(0, 4) == std::string("\0\0\0\x07", 4));
  JsonFrameDecoder big(FrameOrder::kBigEndian, 100);
  big.feed(be);
  CHECK((*big.next())->at("c") == 3);

  for (const std::string& bad : {native_frame(""), native_frame(std::string(101, ' ')), native_frame("{\"a\":"), native_frame("\"\xff\"")}) {
    JsonFrameDecoder d(FrameOrder::kNative, 100);
    d.feed(bad);
    CHECK_FALSE(d.next().ok());
  }
}

TEST_CASE("page limiter: duplicates dropped, a burst then one a second per tab, the latest held page goes last") {
  PageLimiter limiter;
  const auto t0 = LimiterClock::time_point(1h);
  CHECK(limiter.offer(1, visit(7, "https://a/1"), t0).size() == 1);
  CHECK(limiter.offer(1, visit(7, "https://a/1"), t0 + 1s).empty());  // the same visit again
  CHECK(limiter.counters().duplicates == 1);
  // One second later the burst is full again (5): 2..6 pass, 7 is held, 8 replaces it.
  for (int i = 2; i <= 6; ++i) CHECK(limiter.offer(1, visit(7, "https://a/" + std::to_string(i)), t0 + 1s).size() == 1);
  CHECK(limiter.offer(1, visit(7, "https://a/7"), t0 + 1s).empty());
  CHECK(limiter.offer(1, visit(7, "https://a/8"), t0 + 1s).empty());
  CHECK(limiter.counters().superseded == 1);
  // Another tab has its own allowance.
  CHECK(limiter.offer(1, visit(8, "https://b/1"), t0 + 1s).size() == 1);
  REQUIRE(limiter.next_due().has_value());
  CHECK(*limiter.next_due() <= t0 + 2s);
  CHECK(limiter.due(t0 + 1100ms).empty());
  auto later = limiter.due(t0 + 2s);
  REQUIRE(later.size() == 1);
  CHECK(later[0].first == 1);
  CHECK(later[0].second.url == "https://a/8");
  CHECK_FALSE(limiter.next_due().has_value());
  // A thousand navigations within ten seconds: at most the burst plus one a second, plus the last.
  PageLimiter flood;
  size_t passed = 0;
  for (int i = 0; i < 1000; ++i) passed += flood.offer(2, visit(1, "https://f/" + std::to_string(i)), t0 + i * 10ms).size();
  for (const auto& [connection, page] : flood.due(t0 + 20s)) {
    ++passed;
    CHECK(page.url == "https://f/999");
  }
  CHECK(passed <= static_cast<size_t>(kTabBurst) + 10 + 1);
  CHECK(passed >= static_cast<size_t>(kTabBurst));
  // The session-wide cap holds across many tabs.
  PageLimiter tabs;
  size_t across = 0;
  for (int i = 0; i < 100; ++i) across += tabs.offer(3, visit(i, "https://t/"), t0).size();
  CHECK(across == static_cast<size_t>(kSessionBurst));
  tabs.forget(3);
  CHECK_FALSE(tabs.next_due().has_value());
}

TEST_CASE("password focus is judged over the settle window, and a missing extension is a coverage gap") {
  BrowserWatch watch;
  const auto t0 = WatchClock::time_point(1h);
  CHECK_FALSE(watch.coverage_change(t0).has_value());  // no browser seen: nothing to say
  watch.window_focused("chromium", t0);
  CHECK_FALSE(watch.coverage_change(t0 + 1s).has_value());  // within the grace period
  auto missing = watch.coverage_change(t0 + kExtensionGrace);
  REQUIRE(missing.has_value());
  CHECK(missing->find("browser extension missing: chromium") == 0);
  CHECK_FALSE(watch.coverage_change(t0 + kExtensionGrace + 1s).has_value());  // said once

  watch.connected(1, "chromium");
  CHECK(watch.coverage_change(t0 + 10s) == std::optional<std::string>("active"));
  watch.password(1, 4, true, t0 + 20s);
  watch.password(1, 4, false, t0 + 30s);
  CHECK_FALSE(watch.password_focused_between(t0 + 10s, t0 + 19s));
  CHECK(watch.password_focused_between(t0 + 19900ms, t0 + 20100ms));  // a key just before the report
  CHECK(watch.password_focused_between(t0 + 25s, t0 + 25s));
  CHECK(watch.password_focused_between(t0 + 29900ms, t0 + 30100ms));  // a key just before leaving
  CHECK_FALSE(watch.password_focused_between(t0 + 30100ms, t0 + 31s));
  // Two tabs: focus stays until both have left; a closing browser clears its tabs.
  watch.password(1, 4, true, t0 + 40s);
  watch.password(1, 5, true, t0 + 40s);
  watch.password(1, 4, false, t0 + 41s);
  CHECK(watch.password_focused_now());
  watch.disconnected(1, t0 + 42s);
  CHECK_FALSE(watch.password_focused_now());
  CHECK_FALSE(watch.password_focused_between(t0 + 43s, t0 + 44s));
  // The pupil carries on in the browser without its extension: the gap comes back.
  auto again = watch.coverage_change(t0 + 42s + kExtensionGrace);
  REQUIRE(again.has_value());
  CHECK(again->find("browser extension missing") == 0);
}

TEST_CASE("session protocol: url units become url events with the URL kept; a browser gap reaches the source state") {
  vigil::test::TempDir dir;
  std::atomic<bool> stop{false};
  auto source = SessionSource::open((dir / "s.sock").string(), stop);
  REQUIRE(source.ok());
  auto helper = vigil::platform::connect_local((dir / "s.sock").string());
  REQUIRE(helper.ok());
  UnitMessage u;
  u.stage = "url";
  u.text = "example com how to kill myself";
  u.url = "https://example.com/how-to-kill-myself";
  u.title = "Reading";
  u.app = "chromium";
  u.observed_at = kNow;
  // Frames are handled in order: once the unit is out, the coverage frame before it has been read.
  REQUIRE((*helper)->send(encode_frame(HelloMessage{1, "x11"}) +
                          encode_frame(CoverageMessage{"browser extension missing: chromium is in use", "browser"}) + encode_frame(u)).ok());
  auto ev = (*source)->next();
  REQUIRE(ev.ok());
  REQUIRE(ev->has_value());
  CHECK((**ev).event.source == TextSource::kUrl);
  CHECK((**ev).event.url == u.url);
  CHECK((**ev).event.title == "Reading");
  CHECK((**ev).event.line_id.empty());
  CHECK((*source)->state().find("gap: ") == 0);
  CHECK((*source)->state().find("browser extension missing: chromium is in use") != std::string::npos);

  // A url unit without its URL breaks the protocol.
  std::string frame = encode_frame(u);
  FrameDecoder decoder;
  json j = json::parse(frame.substr(4));
  j.erase("url");
  const std::string payload = j.dump();
  const auto n = static_cast<uint32_t>(payload.size());
  decoder.feed(std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)} + payload);
  auto bad = decoder.next();
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("\"url\"") != std::string::npos);
}

namespace {

struct HostRun {
  vigil::test::RunResult result;
  std::vector<json> forwarded;  // what reached the browser socket
};

// Runs the real vigil-browser-host on `input` with a browser socket listening in `dir`.
HostRun run_host(const vigil::test::TempDir& dir, const std::string& input) {
  const std::string path = (dir / "browser.sock").string();
  auto server = vigil::platform::listen_local(path);
  REQUIRE(server.ok());
  setenv("VIGIL_BROWSER_SOCKET", path.c_str(), 1);
  HostRun out;
  out.result = vigil::test::run({VIGIL_BROWSER_HOST_BIN, "chrome-extension://pnjmjlafmlcondmanpnojojkeahlooae/"}, std::chrono::seconds(30), input);
  unsetenv("VIGIL_BROWSER_SOCKET");
  JsonFrameDecoder decoder(FrameOrder::kBigEndian, kMaxBrowserFrameBytes);
  // The host has exited: everything it sent is queued on the socket; drain until it closes.
  for (bool closed = false; !closed;) {
    auto ev = (*server)->wait(std::chrono::milliseconds(2000));
    REQUIRE(ev.ok());
    if (!*ev) break;
    if ((**ev).kind == vigil::platform::SocketEvent::Kind::kClosed) closed = true;
    decoder.feed((**ev).data);
  }
  for (auto frame = decoder.next(); frame.ok() && *frame; frame = decoder.next()) out.forwarded.push_back(**frame);
  return out;
}

}  // namespace

TEST_CASE("vigil-browser-host forwards checked messages and stops with a clear error on a bad frame") {
  vigil::test::TempDir dir;
  const std::string good = native_frame(R"({"type":"hello","version":1,"browser":"chromium"})") +
                           native_frame(R"({"type":"password","tab":4,"focused":true})") +
                           native_frame(R"({"type":"page","tab":4,"url":"https://example.com/a","title":"A","query":""})");
  HostRun ok = run_host(dir, good);
  CHECK(ok.result.status == 0);
  REQUIRE(ok.forwarded.size() == 3);
  CHECK(ok.forwarded[0]["type"] == "hello");
  CHECK(ok.forwarded[0]["extension"] == "chrome-extension://pnjmjlafmlcondmanpnojojkeahlooae/");  // from the browser, not the extension
  CHECK(ok.forwarded[1] == json{{"type", "password"}, {"tab", 4}, {"focused", true}});
  CHECK(ok.forwarded[2]["url"] == "https://example.com/a");
  CHECK(ok.forwarded[2]["observed_ms"].is_number_unsigned());
  // The host answers the extension's hello on stdout, in native framing.
  JsonFrameDecoder replies(FrameOrder::kNative, kMaxNativeReplyBytes);
  replies.feed(ok.result.out);
  auto reply = replies.next();
  REQUIRE(reply.ok());
  REQUIRE(reply->has_value());
  CHECK((**reply)["session"] == "connected");

  struct Bad {
    std::string input;
    const char* reason;
  };
  std::string oversize(4, '\0');
  const uint32_t too_long = kMaxNativeMessageBytes + 1;
  std::memcpy(oversize.data(), &too_long, 4);
  for (const Bad& bad : {Bad{native_frame(""), "outside 1..1048576"}, Bad{oversize, "outside 1..1048576"},
                         Bad{native_frame("{\"type\":"), "not valid UTF-8 JSON"}, Bad{native_frame("\"\xc3\x28\""), "not valid UTF-8 JSON"},
                         Bad{native_frame(R"({"type":"page","tab":1})"), "field \"url\""},
                         Bad{native_frame("{}").substr(0, 5), "input ended after part"}, Bad{std::string("\x02\x00", 2), "inside a length prefix"}}) {
    HostRun r = run_host(dir, native_frame(R"({"type":"password","tab":1,"focused":false})") + bad.input);
    CHECK(r.result.status == 1);
    CHECK_MESSAGE(r.result.err.find(bad.reason) != std::string::npos, r.result.err);
    CHECK(r.result.err.find("frame 2") != std::string::npos);
  }
}
