#pragma once
// Starting and watching a child program: vigil-session's supervisor, the agent's rule compiler
// and its delivery process. The child gets a clean signal mask and dispositions, whatever its
// parent blocked.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/result.h"

namespace vigil::platform {

struct ChildExit {
  bool signalled = false;  // killed by a signal (SIGKILL, a crash) rather than exiting
  int code = 0;            // the exit status, or the signal number when signalled
};

// kInherit: the child shares this process's standard streams. kConnected: its standard input and
// output are one end of a private stream connection whose other end this process reads and
// writes through ChildProcess; standard error is still shared (one log).
enum class ChildStreams { kInherit, kConnected };

class ChildProcess {
 public:
  using Deadline = std::chrono::steady_clock::time_point;
  virtual ~ChildProcess() = default;  // never kills: a supervisor that ends leaves its child be
  virtual int64_t id() const = 0;
  // Blocks until the child ends.
  virtual Result<ChildExit> wait() = 0;
  // Asks the child to stop (SIGTERM); safe from another thread while wait() blocks.
  virtual void request_stop() = 0;
  // Ends it at once (SIGKILL): for a child that stopped answering.
  virtual void kill() = 0;

  // The connection, for a child started with ChildStreams::kConnected. A child that ended or
  // stopped reading is an error return (never a signal), as is a deadline that passed.
  virtual Result<void> write_all(std::string_view bytes, Deadline deadline) = 0;
  // Exactly out.size() bytes; kNotFound when the child closed its end before the first byte.
  virtual Result<void> read_exact(std::string& out, Deadline deadline) = 0;
  // The child reads end of input.
  virtual void close_input() = 0;
};

Result<std::unique_ptr<ChildProcess>> start_child(const std::vector<std::string>& argv,
                                                  ChildStreams streams = ChildStreams::kInherit);

// The running program's own executable, so a supervisor restarts exactly what it is.
Result<std::string> own_executable();

}  // namespace vigil::platform
