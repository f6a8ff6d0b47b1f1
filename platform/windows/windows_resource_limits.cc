#include "vigil/platform/resource_limits.h"

namespace vigil::platform {

// Windows has no per-process descriptor limit for sockets that matters here.
uint64_t raise_open_file_limit() { return 0; }

}  // namespace vigil::platform
