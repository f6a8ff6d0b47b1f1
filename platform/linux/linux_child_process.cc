#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "vigil/platform/child_process.h"

extern char** environ;

namespace vigil::platform {
namespace {

// Waits until `fd` is ready for `events` or the deadline passes.
Result<void> wait_ready(int fd, short events, ChildProcess::Deadline deadline, const char* what) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return make_error(ErrorCode::kUnavailable, std::string("the child process did not ") + what + " in time");
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 60 * 1000)));
    if (n > 0) return {};
    if (n < 0 && errno != EINTR) return make_error(ErrorCode::kIo, std::string("poll: ") + std::strerror(errno));
  }
}

class LinuxChildProcess final : public ChildProcess {
 public:
  LinuxChildProcess(pid_t pid, int connection) : pid_(pid), connection_(connection) {}
  ~LinuxChildProcess() override {
    if (connection_ >= 0) ::close(connection_);
  }

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

  void kill() override {
    std::lock_guard lock(mutex_);
    if (!ended_) ::kill(pid_, SIGKILL);
  }

  Result<void> write_all(std::string_view bytes, Deadline deadline) override {
    if (connection_ < 0) return make_error(ErrorCode::kInvalidArgument, "the child process was not started with a connection");
    while (!bytes.empty()) {
      if (auto ready = wait_ready(connection_, POLLOUT, deadline, "read its input"); !ready) return ready;
      const ssize_t n = ::send(connection_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return make_error(ErrorCode::kUnavailable, std::string("writing to the child process: ") + std::strerror(errno));
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return {};
  }

  Result<void> read_exact(std::string& out, Deadline deadline) override {
    if (connection_ < 0) return make_error(ErrorCode::kInvalidArgument, "the child process was not started with a connection");
    size_t have = 0;
    while (have < out.size()) {
      if (auto ready = wait_ready(connection_, POLLIN, deadline, "answer"); !ready) return ready;
      const ssize_t n = ::recv(connection_, out.data() + have, out.size() - have, MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return make_error(ErrorCode::kUnavailable, std::string("reading from the child process: ") + std::strerror(errno));
      }
      if (n == 0) {
        return make_error(have == 0 ? ErrorCode::kNotFound : ErrorCode::kUnavailable, "the child process closed its connection");
      }
      have += static_cast<size_t>(n);
    }
    return {};
  }

  void close_input() override {
    if (connection_ >= 0) ::shutdown(connection_, SHUT_WR);
  }

 private:
  pid_t pid_;
  int connection_;
  std::mutex mutex_;
  bool ended_ = false;
};

}  // namespace

Result<std::unique_ptr<ChildProcess>> start_child(const std::vector<std::string>& argv, ChildStreams streams) {
  if (argv.empty()) return make_error(ErrorCode::kInvalidArgument, "no program to start");
  // Close-on-exec, so no other child started meanwhile inherits either end; dup2 onto the
  // child's standard input and output clears the flag there only.
  int pair[2] = {-1, -1};
  if (streams == ChildStreams::kConnected && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    return make_error(ErrorCode::kIo, std::string("socketpair: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  if (streams == ChildStreams::kConnected) {
    posix_spawn_file_actions_adddup2(&files, pair[1], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&files, pair[1], STDOUT_FILENO);
  }
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
  const int rc = ::posix_spawn(&pid, args[0], &files, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&files);
  if (pair[1] >= 0) ::close(pair[1]);
  if (rc != 0) {
    if (pair[0] >= 0) ::close(pair[0]);
    return make_error(ErrorCode::kIo, "cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  return std::unique_ptr<ChildProcess>(std::make_unique<LinuxChildProcess>(pid, pair[0]));
}

Result<std::string> own_executable() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return make_error(ErrorCode::kIo, "/proc/self/exe: " + ec.message());
  return path.string();
}

}  // namespace vigil::platform
