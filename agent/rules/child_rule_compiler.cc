#include "rules/child_rule_compiler.h"

#include "vigil/platform/child_process.h"

namespace vigil::agent {
namespace {

const char* phase_name(signatures::AgePhase phase) {
  switch (phase) {
    case signatures::AgePhase::kPrimary:
      return "primary";
    case signatures::AgePhase::kSecondary:
      return "secondary";
    case signatures::AgePhase::kAll:
      break;
  }
  return "all";
}

}  // namespace

std::vector<std::string> compile_rules_command(const std::string& executable, const std::filesystem::path& rules_dir,
                                               signatures::AgePhase phase, const std::filesystem::path& cache_dir) {
  return {executable, kCompileRulesCommand, "--rules", rules_dir.string(), "--phase", phase_name(phase), "--cache-dir", cache_dir.string()};
}

Result<void> compile_rules_in_child(const std::filesystem::path& rules_dir, signatures::AgePhase phase,
                                    const std::filesystem::path& cache_dir) {
  auto executable = platform::own_executable();
  if (!executable) return executable.error();
  auto child = platform::start_child(compile_rules_command(*executable, rules_dir, phase, cache_dir));
  if (!child) return child.error();
  auto exit = (*child)->wait();
  if (!exit) return exit.error();
  if (exit->signalled) return make_error(ErrorCode::kInternal, "the rule compiler was killed by signal " + std::to_string(exit->code));
  if (exit->code != 0) return make_error(ErrorCode::kInternal, "the rule compiler exited with status " + std::to_string(exit->code));
  return {};
}

}  // namespace vigil::agent
