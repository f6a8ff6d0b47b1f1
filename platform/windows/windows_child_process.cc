#include "vigil/platform/child_process.h"

namespace vigil::platform {

// The Windows helper is started per session by the service (WTS session notifications), which
// is not built yet; there is nothing to supervise until it is.
Result<std::unique_ptr<ChildProcess>> start_child(const std::vector<std::string>& argv, ChildStreams) {
  return make_error(ErrorCode::kUnavailable, "supervising " + (argv.empty() ? std::string("a helper") : argv[0]) +
                                                 " is not implemented on Windows yet");
}

Result<std::string> own_executable() { return make_error(ErrorCode::kUnavailable, "not implemented on Windows yet"); }

}  // namespace vigil::platform
