#pragma once
// Hot swap: the matcher in use can be replaced while threads scan. A new rule pack compiles off
// the hot path; publishing it is one atomic store. Threads notice at their next scan and make a
// new scratch; the old matcher lives until its last scan ends.

#include <atomic>
#include <memory>

#include "vigil/signatures/matcher.h"

namespace vigil::signatures {

class LiveMatcher {
 public:
  explicit LiveMatcher(std::shared_ptr<const Matcher> initial) : current_(std::move(initial)) {}

  std::shared_ptr<const Matcher> current() const { return current_.load(); }
  void replace(std::shared_ptr<const Matcher> next) { current_.store(std::move(next)); }

  // Per-thread scanning state: the matcher it last used and a scratch made for it.
  class Session {
   public:
    explicit Session(const LiveMatcher& live) : live_(live) {}
    // Scans with whatever matcher is current; `rule` pointers stay valid until the next scan.
    Result<std::vector<Hit>> scan(std::string_view text);
    const Matcher* matcher() const { return matcher_.get(); }

   private:
    const LiveMatcher& live_;
    std::shared_ptr<const Matcher> matcher_;
    std::optional<Scratch> scratch_;
  };

 private:
  std::atomic<std::shared_ptr<const Matcher>> current_;
};

}  // namespace vigil::signatures
