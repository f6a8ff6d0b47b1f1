#pragma once
// The agent's rules: loads the pack for the school's phase (compiled databases cached in the data
// dir), and notices when a network manager deploys a new pack into the rules directory. A new
// pack is compiled off the scanning threads and published through LiveMatcher; a broken one is
// reported and the pack in use stays.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "vigil/result.h"
#include "vigil/signatures/matcher.h"
#include "vigil/signatures/rule_pack.h"

namespace vigil::agent {

// Compiles the pack in `rules_dir` for `phase` into `cache_dir` outside this process.
using RuleCompiler =
    std::function<Result<void>(const std::filesystem::path& rules_dir, signatures::AgePhase phase, const std::filesystem::path& cache_dir)>;

class RulePackWatcher {
 public:
  // With `compile_elsewhere`, a pack whose databases are not in the cache is compiled by it (the
  // agent: a child process), and this process only loads the result; should that fail, it
  // compiles here after all.
  RulePackWatcher(std::filesystem::path rules_dir, signatures::AgePhase phase, std::filesystem::path cache_dir,
                  RuleCompiler compile_elsewhere = {});

  // Loads and compiles the pack as it is now.
  Result<std::shared_ptr<const signatures::Matcher>> load();

  // A newly compiled matcher when the pack on disk changed since the last load or check and is
  // valid; std::nullopt when nothing changed; an error (naming file, line and rule) when the new
  // pack is broken; the caller keeps the pack in use then.
  Result<std::optional<std::shared_ptr<const signatures::Matcher>>> check();

 private:
  // Names, sizes and modification times of the pack files: cheap to read every minute.
  std::string fingerprint() const;
  signatures::CompileOptions compile_options() const;
  Result<signatures::RulePack> read_pack() const;  // as scanned here: this phase, no examples
  Result<std::shared_ptr<const signatures::Matcher>> compile(signatures::RulePack pack);

  std::filesystem::path rules_dir_;
  signatures::AgePhase phase_;
  std::filesystem::path cache_dir_;
  RuleCompiler compile_elsewhere_;
  std::string fingerprint_;
  std::string digest_;
};

}  // namespace vigil::agent
