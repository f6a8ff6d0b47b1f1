#include "browser/page_limiter.h"

#include <algorithm>

namespace vigil::agent {
namespace {

std::string page_key(const PageVisit& p) { return p.url + '\x1f' + p.title + '\x1f' + p.query; }

}  // namespace

bool PageLimiter::Bucket::take(LimiterClock::time_point now, double burst, double rate) {
  const double elapsed = std::chrono::duration<double>(now - refilled).count();
  if (elapsed > 0) {
    tokens = std::min(burst, tokens + elapsed * rate);
    refilled = now;
  }
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

LimiterClock::time_point PageLimiter::Bucket::when_available(double rate) const {
  if (tokens >= 1) return refilled;
  return refilled + std::chrono::duration_cast<LimiterClock::duration>(std::chrono::duration<double>((1 - tokens) / rate));
}

PageLimiter::Tab& PageLimiter::tab(const TabKey& key, LimiterClock::time_point now) {
  auto it = tabs_.find(key);
  if (it == tabs_.end()) {
    if (tabs_.size() >= kMaxTrackedTabs) {
      auto oldest = std::min_element(tabs_.begin(), tabs_.end(), [](const auto& a, const auto& b) { return a.second.last_active < b.second.last_active; });
      tabs_.erase(oldest);
    }
    it = tabs_.emplace(key, Tab{}).first;
    it->second.bucket = Bucket{kTabBurst, now};
  }
  it->second.last_active = now;
  return it->second;
}

bool PageLimiter::try_pass(Tab& t, const PageVisit& page, LimiterClock::time_point now, std::vector<PageVisit>& out) {
  if (!session_started_) {
    session_ = Bucket{kSessionBurst, now};
    session_started_ = true;
  }
  // Peek both buckets before taking from either, so a refused page costs nothing.
  Bucket tab_probe = t.bucket;
  Bucket session_probe = session_;
  if (!tab_probe.take(now, kTabBurst, kTabPagesPerSecond) || !session_probe.take(now, kSessionBurst, kSessionPagesPerSecond)) return false;
  t.bucket = tab_probe;
  session_ = session_probe;
  t.recent[page_key(page)] = now;
  out.push_back(page);
  ++counters_.passed;
  return true;
}

std::vector<PageVisit> PageLimiter::offer(uint64_t source, PageVisit page, LimiterClock::time_point now) {
  std::vector<PageVisit> out;
  Tab& t = tab({source, page.tab}, now);
  std::erase_if(t.recent, [&](const auto& entry) { return now - entry.second >= kPageDedupeWindow; });
  if (t.recent.contains(page_key(page)) || (t.held && page_key(*t.held) == page_key(page))) {
    ++counters_.duplicates;
    return out;
  }
  if (t.held) {
    ++counters_.superseded;
    t.held.reset();
  }
  if (!try_pass(t, page, now, out)) t.held = std::move(page);
  return out;
}

std::vector<std::pair<uint64_t, PageVisit>> PageLimiter::due(LimiterClock::time_point now) {
  std::vector<std::pair<uint64_t, PageVisit>> out;
  std::vector<PageVisit> passed;
  for (auto& [key, t] : tabs_) {
    if (!t.held || !try_pass(t, *t.held, now, passed)) continue;
    out.emplace_back(key.first, std::move(passed.back()));
    passed.clear();
    t.held.reset();
  }
  return out;
}

std::optional<LimiterClock::time_point> PageLimiter::next_due() const {
  std::optional<LimiterClock::time_point> next;
  for (const auto& [key, t] : tabs_) {
    if (!t.held) continue;
    const auto at = std::max(t.bucket.when_available(kTabPagesPerSecond), session_.when_available(kSessionPagesPerSecond));
    if (!next || at < *next) next = at;
  }
  return next;
}

void PageLimiter::forget(uint64_t source) {
  std::erase_if(tabs_, [&](const auto& entry) { return entry.first.first == source; });
}

}  // namespace vigil::agent
