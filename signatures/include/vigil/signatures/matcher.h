#pragma once
// One immutable Hyperscan database per rule pack, shared by every thread; each scanning thread
// owns a Scratch cloned from the database's prototype (never shared, never allocated per scan).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/result.h"
#include "vigil/signatures/rule_pack.h"

namespace vigil::signatures {

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

 private:
  friend class Matcher;
  explicit Scratch(void* scratch) : scratch_(scratch) {}
  void* scratch_ = nullptr;  // hs_scratch_t*, kept opaque so callers never include hs.h
};

class Matcher {
 public:
  static Result<std::shared_ptr<const Matcher>> compile(RulePack pack);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Called once per thread before it scans.
  Result<Scratch> make_scratch() const;

  // Hits in order of start offset; a scan error is reported, never fatal.
  Result<std::vector<Hit>> scan(std::string_view text, Scratch& scratch) const;

  const RulePack& pack() const { return pack_; }
  size_t expression_count() const { return refs_.size(); }

 private:
  struct ExpressionRef {
    uint32_t rule_index;
    bool is_unless;
  };
  Matcher() = default;

  RulePack pack_;
  std::vector<ExpressionRef> refs_;
  void* database_ = nullptr;   // hs_database_t*
  void* prototype_ = nullptr;  // hs_scratch_t* cloned per thread
};

}  // namespace vigil::signatures
