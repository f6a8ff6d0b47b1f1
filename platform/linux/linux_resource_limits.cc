#include <malloc.h>
#include <sys/resource.h>

#include "vigil/platform/resource_limits.h"

namespace vigil::platform {

uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

void release_free_memory() { malloc_trim(0); }

}  // namespace vigil::platform
