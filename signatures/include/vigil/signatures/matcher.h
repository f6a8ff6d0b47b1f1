#pragma once
// One immutable matcher per rule pack, shared by every thread through shared_ptr<const Matcher>;
// each scanning thread owns a Scratch made from it (never shared, never allocated per scan).
// Hyperscan databases are cached on disk, keyed by what changes compilation.

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/result.h"
#include "vigil/signatures/pattern_program.h"
#include "vigil/signatures/rule_pack.h"

namespace vigil::signatures {

// Bumped whenever the way databases are built changes (flags, mode); the cache key also covers
// every compiled literal and expression, so pattern planning changes need no bump.
inline constexpr int kMatcherVersion = 5;

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
  Scratch(const Matcher* owner, void* hs) : owner_(owner), hs_(hs) {}
  void release();
  const Matcher* owner_ = nullptr;
  void* hs_ = nullptr;  // hs_scratch_t* sized for every database of the matcher; opaque so callers never include hs.h
};

struct CompileStats {
  bool from_cache = false;
  bool stored_in_cache = false;  // compiled here and every database written to the cache
  bool plan_from_cache = false;  // the patterns' plans came from the cache too: nothing was planned
  size_t literals = 0;  // anchors of rule patterns and of exceptions
  size_t exception_literals = 0;
  size_t regexes = 0;
  size_t database_bytes = 0;
  std::string cache_key;
};

struct CompileOptions {
  // Where compiled databases are loaded from when present and valid, else stored (written to a
  // temporary name, then renamed).
  std::optional<std::filesystem::path> cache_dir;
  // Hands freed heap back to the system (the platform's release_free_memory). Given it, compile()
  // also rebuilds the rules' text once the parser's and its own garbage is released: parsed
  // rules are small strings scattered among freed parse nodes, which otherwise keep about
  // 10 MB of heap resident for under 1 MB of text. For long-running scanners.
  std::function<void()> release_free_memory;
  // On a cache miss, fail with ErrorCode::kNotFound instead of compiling, so a long-running
  // scanner can have another process compile (compiling peaks at several times the memory it
  // then scans with, and touches megabytes of compiler code that would stay resident).
  bool cache_only = false;
};

class Matcher {
 public:
  static Result<std::shared_ptr<const Matcher>> compile(RulePack pack, const CompileOptions& options);
  static Result<std::shared_ptr<const Matcher>> compile(RulePack pack, const std::optional<std::filesystem::path>& cache_dir = {}) {
    return compile(std::move(pack), CompileOptions{cache_dir, {}, false});
  }
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
  // One planned pattern (or part of one); its verifier form is program_'s entry of the same index.
  struct PatternRef {
    uint32_t rule_index;
    bool is_unless;
  };
  struct Anchor {
    uint32_t length;                 // bytes of the literal
    std::vector<uint32_t> patterns;  // indexes into patterns_
  };
  // One Hyperscan database and what its ids mean. Rule patterns and exceptions are kept apart:
  // exceptions are only looked for in the rare unit where a rule pattern matched. Rule anchors
  // are compiled as word codes (word_codes.h) and scanned in the text's codes; exceptions, looked
  // for seldom, are compiled and scanned as normalised text.
  struct LiteralSet {
    bool coded = false;
    std::vector<std::string> text;  // by literal id; only while compiling
    std::vector<Anchor> anchors;    // by literal id; only while compiling
    // Kept for scanning, packed: literal id -> its length and the patterns it anchors
    // (owners[owners_begin[id] .. owners_begin[id + 1]]).
    std::vector<uint32_t> length;
    std::vector<uint32_t> owners_begin;
    std::vector<uint32_t> owners;
    // Coded sets: each literal's text (texts[texts_begin[id] ..]), checked where its codes matched,
    // and how many whole words its codes cover. An anchor that is a lone prefix (" suicid") has
    // no code, so no place in the database: `lone_prefixes` are tried at words starting with a
    // byte in `lone_prefix_starts`.
    std::string texts;
    std::vector<uint32_t> texts_begin;
    std::vector<uint8_t> coded_words;
    std::vector<uint32_t> lone_prefixes;
    std::array<uint64_t, 4> lone_prefix_starts{};
    void* db = nullptr;  // hs_database_t*
    void pack_for_scanning();
    std::string_view literal(uint32_t id) const { return std::string_view(texts).substr(texts_begin[id], length[id]); }
  };
  struct RegexSet {
    std::vector<uint32_t> patterns;        // by expression id: index into patterns_
    std::vector<std::string> expressions;  // by expression id; only while compiling
    void* db = nullptr;
  };
  Matcher() = default;
  Result<void> build_plans();
  void compact_rules(const std::function<void()>& release_free_memory);
  Result<void> compile_databases(const std::optional<std::filesystem::path>& cache_dir, bool cache_only);
  struct DatabaseSlot {
    const char* name;  // in the cache file's name
    void** db;
    bool wanted;
  };
  std::vector<DatabaseSlot> database_slots();
  std::filesystem::path database_path(const std::filesystem::path& cache_dir, const DatabaseSlot& slot) const;
  // Loads every database this matcher needs (databases_wanted_) by stats_.cache_key; all or none.
  bool load_cached_databases(const std::filesystem::path& cache_dir);
  Result<void> allocate_scratch();
  // The plans (patterns_, program_, the literal sets in scanning form, what the databases are
  // called) are cached beside the databases, so a start from the cache plans nothing: planning
  // is most of that start. plan_key() is empty where a plan can't be tied to this program's
  // build (the key holds its build id: plans depend on the planner's code, not only the pack).
  std::string plan_key() const;
  void store_plan(const std::filesystem::path& file) const;
  bool load_plan(const std::filesystem::path& file);
  void forget_plan();
  // Appends the verified matches of one database in normalised `text` to `raw`, in normalised offsets.
  Result<void> collect(const LiteralSet& set, std::string_view text, Scratch& scratch, std::vector<RawHit>& raw) const;
  // The same for the coded rule anchors: scans the codes of `text`'s words.
  Result<void> collect_coded(const LiteralSet& set, std::string_view text, Scratch& scratch, std::vector<RawHit>& raw) const;
  // Verifies the patterns literal `id` anchors, found at `anchor_start` of `text`.
  void verify_owners(const LiteralSet& set, uint32_t id, std::string_view text, size_t anchor_start, std::vector<RawHit>& raw) const;
  Result<void> collect(const RegexSet& set, std::string_view text, Scratch& scratch, std::vector<RawHit>& raw) const;
  std::vector<Hit> resolve(const std::vector<RawHit>& raw) const;

  RulePack pack_;
  std::vector<PatternRef> patterns_;
  PatternProgram program_;
  LiteralSet rule_literals_;
  LiteralSet exception_literals_;
  RegexSet rule_regexes_;
  RegexSet exception_regexes_;
  void* scratch_prototype_ = nullptr;  // hs_scratch_t*, cloned per thread
  uint8_t databases_wanted_ = 0;       // bit i: database slot i (see database_slots) is built
  CompileStats stats_;
};

}  // namespace vigil::signatures
