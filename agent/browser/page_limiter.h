#pragma once
// Keeps a page that navigates in a loop (or a pupil holding F5) from flooding the agent: identical
// reports are dropped, and each tab, and the session as a whole, hands on at most a burst and then
// a steady rate of pages. A tab over its rate keeps only its latest page, handed on as soon as
// the rate allows, so the page a tab settles on is always seen.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "browser/browser_message.h"

namespace vigil::agent {

using LimiterClock = std::chrono::steady_clock;

// The same URL, title and query in one tab again within this window is the same visit (a reload,
// a title flicker, a page re-announcing itself).
inline constexpr std::chrono::seconds kPageDedupeWindow{30};
// Per tab: a burst of 5 pages, then one every second.
inline constexpr double kTabBurst = 5;
inline constexpr double kTabPagesPerSecond = 1;
// Per session (all tabs and browsers): a burst of 20, then 5 a second.
inline constexpr double kSessionBurst = 20;
inline constexpr double kSessionPagesPerSecond = 5;
// Tabs remembered at once; the least recently active are forgotten first.
inline constexpr size_t kMaxTrackedTabs = 512;

class PageLimiter {
 public:
  struct Counters {
    uint64_t passed = 0;
    uint64_t duplicates = 0;  // identical to a page handed on within the window
    uint64_t superseded = 0;  // held back, then replaced by a newer page of the same tab
  };

  // `source` names the browser connection, so tab ids of two browsers never mix.
  // Returns the pages to hand on now (zero or one).
  std::vector<PageVisit> offer(uint64_t source, PageVisit page, LimiterClock::time_point now);
  // Held-back pages whose turn has come, with the browser connection each came from.
  std::vector<std::pair<uint64_t, PageVisit>> due(LimiterClock::time_point now);
  // When the next held-back page can go, if any is waiting.
  std::optional<LimiterClock::time_point> next_due() const;
  // Forgets a browser connection's tabs (its held-back pages go too).
  void forget(uint64_t source);
  const Counters& counters() const { return counters_; }

 private:
  struct Bucket {
    double tokens = 0;
    LimiterClock::time_point refilled;
    bool take(LimiterClock::time_point now, double burst, double rate);
    LimiterClock::time_point when_available(double rate) const;
  };
  struct Tab {
    Bucket bucket;
    std::map<std::string, LimiterClock::time_point> recent;  // page key -> when handed on
    std::optional<PageVisit> held;
    LimiterClock::time_point last_active;
  };
  using TabKey = std::pair<uint64_t, int64_t>;

  Tab& tab(const TabKey& key, LimiterClock::time_point now);
  bool try_pass(Tab& t, const PageVisit& page, LimiterClock::time_point now, std::vector<PageVisit>& out);

  std::map<TabKey, Tab> tabs_;
  Bucket session_;
  bool session_started_ = false;
  Counters counters_;
};

}  // namespace vigil::agent
