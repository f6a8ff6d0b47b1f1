#include "enroll/certificate_renewal.h"

#include <doctest/doctest.h>

using namespace vigil::agent;

TEST_CASE("renewal is due once less than a third of the real lifetime is left, whatever the backdating") {
  const int64_t issued = 1'800'000'000;
  const int64_t lifetime = 730LL * 24 * 3600;
  const vigil::pki::Validity backdated{issued - vigil::pki::kCertificateBackdate.count(), issued + lifetime};
  const auto at = [](int64_t s) { return std::chrono::system_clock::time_point(std::chrono::seconds(s)); };
  CHECK(!renewal_due(backdated, at(issued)));
  CHECK(!renewal_due(backdated, at(issued + lifetime * 2 / 3 - 60)));
  CHECK(renewal_due(backdated, at(issued + lifetime * 2 / 3 + 60)));
  CHECK(renewal_due(backdated, at(issued + lifetime + 1)));
  const vigil::pki::Validity plain{issued, issued + 30};  // not backdated
  CHECK(!renewal_due(plain, at(issued + 15)));
  CHECK(renewal_due(plain, at(issued + 25)));
}
