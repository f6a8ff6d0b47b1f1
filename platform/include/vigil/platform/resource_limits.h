#pragma once
// Process resource limits a server needs raised. std types only.

#include <cstdint>

namespace vigil::platform {

// Raises this process's open-file limit as far as the OS allows (the soft limit up to the hard
// one), so that many agents, or many idle connections, do not starve the listener of file
// descriptors. Returns the limit now in force, or 0 when the OS has no such limit.
uint64_t raise_open_file_limit();

// Hands memory the allocator holds but no longer uses back to the OS. Worth calling once after a
// start-up phase that builds large temporary structures (parsing a rule pack, compiling it), so
// a long-running process does not keep that peak resident.
void release_free_memory();

}  // namespace vigil::platform
