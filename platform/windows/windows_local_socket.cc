#include "vigil/platform/local_socket.h"

namespace vigil::platform {

// The Windows helper/service pair (named pipe + GetNamedPipeClientProcessId) is not built yet;
// failing loudly keeps a Windows agent from silently running without its session sources.
Result<std::unique_ptr<LocalSocketServer>> listen_local(const std::string& path) {
  return make_error(ErrorCode::kUnavailable, "session sources are not implemented on Windows yet (" + path + ")");
}

Result<std::unique_ptr<LocalSocketClient>> connect_local(const std::string& path) {
  return make_error(ErrorCode::kUnavailable, "session sources are not implemented on Windows yet (" + path + ")");
}

}  // namespace vigil::platform
