#pragma once
// One immutable matcher per rule pack, shared by every thread through shared_ptr<const Matcher>;
// each scanning thread owns a Scratch made from it (never shared, never allocated per scan).
// Hyperscan databases are cached on disk, keyed by what changes compilation.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/result.h"
#include "vigil/signatures/pattern_plan.h"
#include "vigil/signatures/rule_pack.h"

namespace vigil::signatures {

// Bumped whenever planning or matching changes what a compiled database means.
inline constexpr int kMatcherVersion = 3;

struct NormalisedText;

// A pattern's match before exceptions are applied: normalised offsets while collecting, original
// byte offsets once collected.
struct RawHit {
  uint32_t pattern;
  uint32_t start;
  uint32_t end;
};

struct Hit {
  const Rule* rule = nullptr;  // owned by the Matcher, valid while it lives
  uint32_t start = 0;          // UTF-8 byte offsets into the scanned text, end exclusive
  uint32_t end = 0;
};

class Matcher;

class Scratch {
 public:
  Scratch(Scratch&&) noexcept;
  Scratch& operator=(Scratch&&) noexcept;
  ~Scratch();
  // The matcher this scratch was made for; a hot-swapped matcher needs a new scratch.
  const Matcher* owner() const { return owner_; }

 private:
  friend class Matcher;
  Scratch(const Matcher* owner, void* literal, void* regex) : owner_(owner), literal_(literal), regex_(regex) {}
  void release();
  const Matcher* owner_ = nullptr;
  void* literal_ = nullptr;  // hs_scratch_t*, kept opaque so callers never include hs.h
  void* regex_ = nullptr;
};

struct CompileStats {
  bool from_cache = false;
  size_t literals = 0;
  size_t regexes = 0;
  size_t database_bytes = 0;
  std::string cache_key;
};

class Matcher {
 public:
  // Compiles `pack`; with `cache_dir`, loads the databases from there when present and valid,
  // else compiles and stores them (written to a temporary name, then renamed).
  static Result<std::shared_ptr<const Matcher>> compile(RulePack pack, const std::optional<std::filesystem::path>& cache_dir = {});
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Called once per thread before it scans.
  Result<Scratch> make_scratch() const;

  // Hits in order of start offset; a scan error is reported, never fatal.
  Result<std::vector<Hit>> scan(std::string_view text, Scratch& scratch) const;

  const RulePack& pack() const { return pack_; }
  const CompileStats& stats() const { return stats_; }

 private:
  struct PatternRef {
    uint32_t rule_index;
    bool is_unless;
    PatternPlan plan;
  };
  struct Anchor {
    uint32_t length;                 // bytes of the literal
    std::vector<uint32_t> patterns;  // indexes into patterns_
  };
  Matcher() = default;
  Result<void> build_plans();
  Result<void> compile_databases(const std::optional<std::filesystem::path>& cache_dir);
  // Appends the verified matches in one normalised reading of the text to `raw`.
  Result<void> collect(const NormalisedText& normalised, Scratch& scratch, std::vector<RawHit>& raw) const;

  RulePack pack_;
  std::vector<PatternRef> patterns_;
  std::vector<std::string> literal_text_;  // by literal id
  std::vector<Anchor> anchors_;            // by literal id
  std::vector<uint32_t> regex_patterns_;   // by regex id: index into patterns_
  void* literal_db_ = nullptr;             // hs_database_t*
  void* regex_db_ = nullptr;
  void* literal_prototype_ = nullptr;      // hs_scratch_t*, cloned per thread
  void* regex_prototype_ = nullptr;
  CompileStats stats_;
};

}  // namespace vigil::signatures
