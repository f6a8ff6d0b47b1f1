#include "enroll/enrollment_service.h"

#include <doctest/doctest.h>

using namespace vigil::collector;

TEST_CASE("failed enrollments: a burst per address, then one more per refill interval") {
  FailureLimiter limiter(3, std::chrono::seconds(30));
  const auto t0 = FailureLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) {
    CHECK(limiter.wait_for("192.0.2.7", t0).count() == 0);
    limiter.record_failure("192.0.2.7", t0);
  }
  CHECK(limiter.wait_for("192.0.2.7", t0) == std::chrono::seconds(30));
  CHECK(limiter.wait_for("192.0.2.8", t0).count() == 0);  // another address is unaffected
  CHECK(limiter.wait_for("192.0.2.7", t0 + std::chrono::seconds(20)) == std::chrono::seconds(10));
  CHECK(limiter.wait_for("192.0.2.7", t0 + std::chrono::seconds(30)).count() == 0);
}

TEST_CASE("the source address of a gRPC peer, without its port") {
  CHECK(peer_address("ipv4:192.0.2.7:51234") == "192.0.2.7");
  CHECK(peer_address("ipv6:[::1]:5") == "::1");
  CHECK(peer_address("ipv6:[2001:db8::1]:443") == "2001:db8::1");
  CHECK(peer_address("unix:/run/x.sock") == "unix:/run/x.sock");
}
