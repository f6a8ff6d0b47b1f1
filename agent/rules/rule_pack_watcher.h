#pragma once
// The agent's rules: loads the pack for the school's phase (compiled databases cached in the data
// dir), and notices when a network manager deploys a new pack into the rules directory. A new
// pack is compiled off the scanning threads and published through LiveMatcher; a broken one is
// reported and the pack in use stays.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "vigil/result.h"
#include "vigil/signatures/matcher.h"
#include "vigil/signatures/rule_pack.h"

namespace vigil::agent {

class RulePackWatcher {
 public:
  RulePackWatcher(std::filesystem::path rules_dir, signatures::AgePhase phase, std::filesystem::path cache_dir);

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

  std::filesystem::path rules_dir_;
  signatures::AgePhase phase_;
  std::filesystem::path cache_dir_;
  std::string fingerprint_;
  std::string digest_;
};

}  // namespace vigil::agent
