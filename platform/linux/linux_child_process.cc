#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <mutex>

#include "vigil/platform/child_process.h"

extern char** environ;

namespace vigil::platform {
namespace {

class LinuxChildProcess final : public ChildProcess {
 public:
  explicit LinuxChildProcess(pid_t pid) : pid_(pid) {}

  int64_t id() const override { return pid_; }

  Result<ChildExit> wait() override {
    // Wait without reaping first: until the pid is marked ended under the lock, request_stop()
    // may still signal it, and it cannot have been recycled for another process yet.
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) < 0) {
      if (errno != EINTR) return make_error(ErrorCode::kIo, std::string("waitid: ") + std::strerror(errno));
    }
    {
      std::lock_guard lock(mutex_);
      ended_ = true;
    }
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) return make_error(ErrorCode::kIo, std::string("waitpid: ") + std::strerror(errno));
    }
    if (WIFSIGNALED(status)) return ChildExit{true, WTERMSIG(status)};
    return ChildExit{false, WEXITSTATUS(status)};
  }

  void request_stop() override {
    std::lock_guard lock(mutex_);
    if (!ended_) ::kill(pid_, SIGTERM);
  }

 private:
  pid_t pid_;
  std::mutex mutex_;
  bool ended_ = false;
};

}  // namespace

Result<std::unique_ptr<ChildProcess>> start_child(const std::vector<std::string>& argv) {
  if (argv.empty()) return make_error(ErrorCode::kInvalidArgument, "no program to start");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The supervisor blocks SIGTERM/SIGINT (they are read by its shutdown thread) and ignores
  // SIGPIPE; the child must start with neither, or it could not be stopped by the session.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGUSR1, SIGUSR2, SIGHUP}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0], nullptr, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return make_error(ErrorCode::kIo, "cannot start " + argv[0] + ": " + std::strerror(rc));
  return std::unique_ptr<ChildProcess>(std::make_unique<LinuxChildProcess>(pid));
}

Result<std::string> own_executable() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return make_error(ErrorCode::kIo, "/proc/self/exe: " + ec.message());
  return path.string();
}

}  // namespace vigil::platform
