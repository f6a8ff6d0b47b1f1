#pragma once
// When vigil-session --supervise starts its helper again. A helper killed (by a pupil, the OOM
// killer) or crashed comes back quickly; one that keeps dying backs off so a broken session does
// not spin a core; one that ended because the session did (logout) or was asked to stop does not
// come back.

#include <algorithm>
#include <chrono>
#include <optional>

#include "vigil/cli.h"

namespace vigil::agent {

// The helper's exit statuses, shared with the supervisor.
inline constexpr int kHelperStopped = 0;       // asked to stop (SIGTERM): the session is ending
inline constexpr int kHelperDisplayGone = 3;   // the display server closed: the session is over
inline constexpr int kHelperUsageError = vigil::kExitUsage;  // bad command line: restarting cannot help
// Asked to stop while its login session is still active: someone in the session stopped it, so
// it comes back like a killed helper.
inline constexpr int kHelperStoppedInSession = 4;

// First restart delay, doubled per quick death up to kRestartDelayCap. Short, because keys typed
// while no helper runs are not seen.
inline constexpr std::chrono::milliseconds kRestartDelayFirst{500};
inline constexpr std::chrono::milliseconds kRestartDelayCap{30'000};
// A helper that ran this long was healthy: its death starts the backoff afresh.
inline constexpr std::chrono::milliseconds kHealthyRun{60'000};

class RestartPolicy {
 public:
  // The delay before the next start, or nullopt to stop supervising. `signalled` and `code`
  // describe how the helper ended (signal number or exit status); `ran` how long it lived.
  std::optional<std::chrono::milliseconds> after_exit(bool signalled, int code, std::chrono::milliseconds ran) {
    if (!signalled && (code == kHelperStopped || code == kHelperDisplayGone || code == kHelperUsageError)) return std::nullopt;
    if (ran >= kHealthyRun) delay_ = kRestartDelayFirst;
    const auto now = delay_;
    delay_ = std::min(delay_ * 2, kRestartDelayCap);
    return now;
  }

 private:
  std::chrono::milliseconds delay_ = kRestartDelayFirst;
};

}  // namespace vigil::agent
