#include "rules/rule_pack_watcher.h"

#include <algorithm>
#include <vector>

#include <spdlog/spdlog.h>

#include "vigil/platform/resource_limits.h"

namespace vigil::agent {

RulePackWatcher::RulePackWatcher(std::filesystem::path rules_dir, signatures::AgePhase phase, std::filesystem::path cache_dir,
                                 RuleCompiler compile_elsewhere)
    : rules_dir_(std::move(rules_dir)), phase_(phase), cache_dir_(std::move(cache_dir)), compile_elsewhere_(std::move(compile_elsewhere)) {}

std::string RulePackWatcher::fingerprint() const {
  std::vector<std::string> entries;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(rules_dir_, ec)) {
    if (entry.path().extension() != ".toml") continue;
    std::error_code stat_error;
    const auto size = entry.file_size(stat_error);
    const auto written = entry.last_write_time(stat_error).time_since_epoch().count();
    entries.push_back(entry.path().filename().string() + ":" + std::to_string(size) + ":" + std::to_string(written));
  }
  std::sort(entries.begin(), entries.end());
  std::string out;
  for (const auto& e : entries) out += e + "\n";
  return out;
}

signatures::CompileOptions RulePackWatcher::compile_options() const {
  // The agent scans for weeks: its rules are worth packing into as few pages as possible.
  return {cache_dir_, platform::release_free_memory, false};
}

Result<signatures::RulePack> RulePackWatcher::read_pack() const {
  auto pack = signatures::load_rule_pack(rules_dir_);
  if (!pack) return pack.error();
  signatures::select_phase(*pack, phase_);
  signatures::drop_examples(*pack);  // the agent only scans
  return pack;
}

Result<std::shared_ptr<const signatures::Matcher>> RulePackWatcher::compile(signatures::RulePack pack) {
  if (!compile_elsewhere_) return signatures::Matcher::compile(std::move(pack), compile_options());
  auto options = compile_options();
  options.cache_only = true;
  auto cached = signatures::Matcher::compile(std::move(pack), options);
  if (cached || cached.error().code != ErrorCode::kNotFound) return cached;  // loaded, or the pack is broken
  const auto compiled = compile_elsewhere_(rules_dir_, phase_, cache_dir_);
  if (!compiled) spdlog::warn("rule pack: compiling in a separate process failed ({}); compiling here", compiled.error().message);
  auto again = read_pack();
  if (!again) return again.error();
  auto matcher = signatures::Matcher::compile(std::move(*again), compile_options());  // from the cache unless that failed
  if (matcher && compiled) spdlog::info("rule pack {} compiled by a separate process", (*matcher)->pack().version);
  return matcher;
}

Result<std::shared_ptr<const signatures::Matcher>> RulePackWatcher::load() {
  fingerprint_ = fingerprint();
  auto pack = read_pack();
  if (!pack) return pack.error();
  digest_ = pack->digest;
  return compile(std::move(*pack));
}

Result<std::optional<std::shared_ptr<const signatures::Matcher>>> RulePackWatcher::check() {
  const std::string now = fingerprint();
  if (now == fingerprint_) return std::optional<std::shared_ptr<const signatures::Matcher>>();
  fingerprint_ = now;  // a broken pack is reported once, not every minute
  auto pack = read_pack();
  if (!pack) return pack.error();
  if (pack->digest == digest_) return std::optional<std::shared_ptr<const signatures::Matcher>>();  // touched, not changed
  const std::string digest = pack->digest;
  auto matcher = compile(std::move(*pack));
  if (!matcher) return matcher.error();
  digest_ = digest;
  return std::optional<std::shared_ptr<const signatures::Matcher>>(std::move(*matcher));
}

}  // namespace vigil::agent
