#pragma once
// Starting and watching one child program, for vigil-session's supervisor: the only place the
// helper forks. The child gets a clean signal mask and dispositions, whatever its parent blocked.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vigil/result.h"

namespace vigil::platform {

struct ChildExit {
  bool signalled = false;  // killed by a signal (SIGKILL, a crash) rather than exiting
  int code = 0;            // the exit status, or the signal number when signalled
};

class ChildProcess {
 public:
  virtual ~ChildProcess() = default;  // never kills: a supervisor that ends leaves its child be
  virtual int64_t id() const = 0;
  // Blocks until the child ends.
  virtual Result<ChildExit> wait() = 0;
  // Asks the child to stop (SIGTERM); safe from another thread while wait() blocks.
  virtual void request_stop() = 0;
};

Result<std::unique_ptr<ChildProcess>> start_child(const std::vector<std::string>& argv);

// The running program's own executable, so a supervisor restarts exactly what it is.
Result<std::string> own_executable();

}  // namespace vigil::platform
