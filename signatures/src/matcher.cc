#include "vigil/signatures/matcher.h"

#include <hs/hs.h>

#include <algorithm>

#include "vigil/signatures/normaliser.h"
#include "vigil/signatures/pattern.h"

namespace vigil::signatures {
namespace {

struct RawMatch {
  unsigned int id;
  unsigned long long from;
  unsigned long long to;
};

int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int /*flags*/, void* context) {
  static_cast<std::vector<RawMatch>*>(context)->push_back({id, from, to});
  return 0;  // keep scanning
}

}  // namespace

Scratch::Scratch(Scratch&& other) noexcept : scratch_(other.scratch_) { other.scratch_ = nullptr; }

Scratch& Scratch::operator=(Scratch&& other) noexcept {
  if (this != &other) {
    if (scratch_) hs_free_scratch(static_cast<hs_scratch_t*>(scratch_));
    scratch_ = other.scratch_;
    other.scratch_ = nullptr;
  }
  return *this;
}

Scratch::~Scratch() {
  if (scratch_) hs_free_scratch(static_cast<hs_scratch_t*>(scratch_));
}

Matcher::~Matcher() {
  if (prototype_) hs_free_scratch(static_cast<hs_scratch_t*>(prototype_));
  if (database_) hs_free_database(static_cast<hs_database_t*>(database_));
}

Result<std::shared_ptr<const Matcher>> Matcher::compile(RulePack pack) {
  std::shared_ptr<Matcher> m(new Matcher());
  m->pack_ = std::move(pack);
  std::vector<std::string> expressions;
  for (uint32_t r = 0; r < m->pack_.rules.size(); ++r) {
    const Rule& rule = m->pack_.rules[r];
    auto add = [&](const std::vector<std::string>& patterns, bool is_unless) -> Result<void> {
      for (const auto& p : patterns) {
        auto parsed = parse_pattern(p);
        if (!parsed) {
          return make_error(ErrorCode::kInvalidArgument,
                            rule.file + ":" + std::to_string(rule.line) + ": rule " + rule.id + ": " + parsed.error().message);
        }
        expressions.push_back(to_expression(*parsed));
        m->refs_.push_back({r, is_unless});
      }
      return {};
    };
    if (auto res = add(rule.patterns, false); !res) return res.error();
    if (auto res = add(rule.unless, true); !res) return res.error();
  }

  std::vector<const char*> c_expressions;
  std::vector<unsigned int> flags(expressions.size(), HS_FLAG_SOM_LEFTMOST);
  std::vector<unsigned int> ids(expressions.size());
  for (size_t i = 0; i < expressions.size(); ++i) {
    c_expressions.push_back(expressions[i].c_str());
    ids[i] = static_cast<unsigned int>(i);
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(c_expressions.data(), flags.data(), ids.data(), static_cast<unsigned int>(expressions.size()),
                       HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
    std::string message = "hyperscan compile failed";
    if (error) {
      if (error->expression >= 0) {
        const Rule& rule = m->pack_.rules[m->refs_[static_cast<size_t>(error->expression)].rule_index];
        message = rule.file + ":" + std::to_string(rule.line) + ": rule " + rule.id + ": " + error->message;
      } else {
        message += std::string(": ") + error->message;
      }
      hs_free_compile_error(error);
    }
    return make_error(ErrorCode::kInvalidArgument, message);
  }
  m->database_ = db;
  hs_scratch_t* prototype = nullptr;
  if (hs_alloc_scratch(db, &prototype) != HS_SUCCESS) return make_error(ErrorCode::kInternal, "hyperscan scratch allocation failed");
  m->prototype_ = prototype;
  return std::shared_ptr<const Matcher>(std::move(m));
}

Result<Scratch> Matcher::make_scratch() const {
  hs_scratch_t* clone = nullptr;
  if (hs_clone_scratch(static_cast<hs_scratch_t*>(prototype_), &clone) != HS_SUCCESS) {
    return make_error(ErrorCode::kInternal, "hyperscan scratch clone failed");
  }
  return Scratch(clone);
}

Result<std::vector<Hit>> Matcher::scan(std::string_view text, Scratch& scratch) const {
  const NormalisedText normalised = normalise(text);
  std::vector<RawMatch> raw;
  const hs_error_t rc = hs_scan(static_cast<const hs_database_t*>(database_), normalised.text.data(),
                                static_cast<unsigned int>(normalised.text.size()), 0,
                                static_cast<hs_scratch_t*>(scratch.scratch_), on_match, &raw);
  if (rc != HS_SUCCESS) return make_error(ErrorCode::kInternal, "hyperscan scan failed with code " + std::to_string(rc));

  // Every expression starts and ends on the delimiting spaces; the hit is what lies between.
  std::vector<RawMatch> hits;
  std::vector<RawMatch> exceptions;
  for (const RawMatch& m : raw) (refs_[m.id].is_unless ? exceptions : hits).push_back(m);

  std::vector<Hit> out;
  for (const RawMatch& h : hits) {
    const uint32_t rule_index = refs_[h.id].rule_index;
    const bool cancelled = std::any_of(exceptions.begin(), exceptions.end(), [&](const RawMatch& e) {
      return refs_[e.id].rule_index == rule_index && e.from + 1 < h.to - 1 && h.from + 1 < e.to - 1;
    });
    if (cancelled) continue;
    Hit hit;
    hit.rule = &pack_.rules[rule_index];
    hit.start = normalised.origin_begin[h.from + 1];
    hit.end = normalised.origin_end[h.to - 2];
    out.push_back(hit);
  }
  std::sort(out.begin(), out.end(), [](const Hit& a, const Hit& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.rule != b.rule) return a.rule->id < b.rule->id;
    return a.end < b.end;
  });
  // One hit per rule and start: alternatives and gaps can report the same place more than once.
  out.erase(std::unique(out.begin(), out.end(), [](const Hit& a, const Hit& b) { return a.rule == b.rule && a.start == b.start; }),
            out.end());
  return out;
}

}  // namespace vigil::signatures
