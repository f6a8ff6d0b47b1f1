#pragma once
// Compiles a rule pack in a child process (`vigil-agent compile-rules`), so the agent only ever
// loads compiled databases from its cache: compiling the shipped pack peaks near 80 MB and leaves
// megabytes of Hyperscan's compiler code resident in the process that did it.

#include <filesystem>
#include <string>
#include <vector>

#include "rules/rule_pack_watcher.h"
#include "vigil/result.h"

namespace vigil::agent {

inline constexpr const char* kCompileRulesCommand = "compile-rules";

// The command line that compiles `rules_dir` for `phase` into `cache_dir` with `executable`.
std::vector<std::string> compile_rules_command(const std::string& executable, const std::filesystem::path& rules_dir,
                                               signatures::AgePhase phase, const std::filesystem::path& cache_dir);

// Runs this program's compile-rules command and waits for it.
Result<void> compile_rules_in_child(const std::filesystem::path& rules_dir, signatures::AgePhase phase,
                                    const std::filesystem::path& cache_dir);

}  // namespace vigil::agent
