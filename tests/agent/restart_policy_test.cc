#include "session/restart_policy.h"

#include <doctest/doctest.h>
#include <signal.h>

using namespace vigil::agent;
using std::chrono::milliseconds;

TEST_CASE("a killed or crashed helper is restarted, backing off while it keeps dying") {
  RestartPolicy policy;
  CHECK(policy.after_exit(true, SIGKILL, milliseconds(5)) == kRestartDelayFirst);
  CHECK(policy.after_exit(true, SIGSEGV, milliseconds(5)) == kRestartDelayFirst * 2);
  CHECK(policy.after_exit(false, 1, milliseconds(5)) == kRestartDelayFirst * 4);  // an unexpected exit status
  for (int i = 0; i < 20; ++i) policy.after_exit(true, SIGKILL, milliseconds(5));
  CHECK(policy.after_exit(true, SIGKILL, milliseconds(5)) == kRestartDelayCap);
  // A helper that ran a healthy while starts the backoff afresh.
  CHECK(policy.after_exit(true, SIGKILL, kHealthyRun) == kRestartDelayFirst);
}

TEST_CASE("a helper that was asked to stop, lost its display or was misused is not restarted") {
  RestartPolicy policy;
  CHECK_FALSE(policy.after_exit(false, kHelperStopped, milliseconds(5)).has_value());
  CHECK_FALSE(policy.after_exit(false, kHelperDisplayGone, kHealthyRun).has_value());
  CHECK_FALSE(policy.after_exit(false, kHelperUsageError, milliseconds(5)).has_value());
  CHECK(policy.after_exit(true, SIGTERM, milliseconds(5)).has_value());  // a signal from someone else
}
