#pragma once
// Capped exponential backoff with full jitter: a whole school's fleet that lost its collector at
// the same moment must not reconnect in lockstep.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>

namespace vigil::agent {

struct BackoffPolicy {
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds cap{5 * 60 * 1000};
};

class Backoff {
 public:
  // `uniform(max)` returns a value in [0, max]; injected so tests are deterministic.
  Backoff(BackoffPolicy policy, std::function<uint64_t(uint64_t)> uniform)
      : policy_(policy), uniform_(std::move(uniform)) {}

  std::chrono::milliseconds next() {
    const uint64_t initial = static_cast<uint64_t>(policy_.initial.count());
    const uint64_t cap = static_cast<uint64_t>(policy_.cap.count());
    uint64_t ceiling = initial;
    for (uint32_t i = 0; i < attempt_ && ceiling < cap; ++i) ceiling *= 2;
    ceiling = std::min(ceiling, cap);
    ++attempt_;
    return std::chrono::milliseconds(uniform_(ceiling));
  }
  void reset() { attempt_ = 0; }
  uint32_t attempts() const { return attempt_; }

 private:
  BackoffPolicy policy_;
  std::function<uint64_t(uint64_t)> uniform_;
  uint32_t attempt_ = 0;
};

}  // namespace vigil::agent
