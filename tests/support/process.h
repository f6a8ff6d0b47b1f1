#pragma once
// Real processes for integration tests: start, signal, wait with a deadline, never sleep blindly.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vigil::test {

class ChildProcess {
 public:
  // Starts argv[0] with stdout and stderr appended to `log`.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log);
  ChildProcess(ChildProcess&&) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();  // SIGKILLs and reaps a child still running

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Exit status (or 128+signal) if it has ended, without blocking.
  std::optional<int> poll();
  // Waits until it ends or the deadline passes.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  bool running() { return !poll().has_value(); }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs to completion (killed after `timeout`), capturing stdout and stderr.
RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(60),
              const std::string& stdin_data = "");

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);
bool log_contains(const std::filesystem::path& log, const std::string& needle);
// Every byte a process keeps on disk under `dir`, except compiled rule caches: those hold the rule
// pack's own words ("hang myself" is a rule), never anything typed.
std::string all_bytes_of(const std::filesystem::path& dir);
// The user this test runs as, as the agent names it (SO_PEERCRED + the password database).
std::string login_of_this_process();

}  // namespace vigil::test
