#pragma once
// Process resource limits a server needs raised. std types only.

#include <cstdint>

namespace vigil::platform {

// Raises this process's open-file limit as far as the OS allows (the soft limit up to the hard
// one), so that many agents, or many idle connections, do not starve the listener of file
// descriptors. Returns the limit now in force, or 0 when the OS has no such limit.
uint64_t raise_open_file_limit();

}  // namespace vigil::platform
