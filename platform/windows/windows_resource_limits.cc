#include "vigil/platform/resource_limits.h"

namespace vigil::platform {

// Windows has no per-process descriptor limit for sockets that matters here.
uint64_t raise_open_file_limit() { return 0; }

// The Windows heap decommits freed blocks by itself.
void release_free_memory() {}

}  // namespace vigil::platform
