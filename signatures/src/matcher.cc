#include "vigil/hex.h"
#include "vigil/signatures/matcher.h"

#include <hs/hs.h>
#include <sodium.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "vigil/signatures/normaliser.h"

namespace vigil::signatures {
namespace {

struct LiteralMatch {
  unsigned int id;
  unsigned long long to;
};

int on_literal(unsigned int id, unsigned long long /*from*/, unsigned long long to, unsigned int, void* context) {
  static_cast<std::vector<LiteralMatch>*>(context)->push_back({id, to});
  return 0;
}

int on_regex(unsigned int id, unsigned long long from, unsigned long long to, unsigned int, void* context) {
  // The expression spans the delimiting spaces; the hit is what lies between.
  static_cast<std::vector<RawHit>*>(context)->push_back({id, static_cast<uint32_t>(from + 1), static_cast<uint32_t>(to - 1)});
  return 0;
}

std::string where(const Rule& rule) { return rule.file + ":" + std::to_string(rule.line) + ": rule " + rule.id + ": "; }

Result<hs_database_t*> load_cached(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string data = bytes.str();
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(data.data(), data.size(), &db) != HS_SUCCESS) {
    return make_error(ErrorCode::kCorrupt, path.string() + ": not a usable compiled database");
  }
  std::error_code ec;
  std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now(), ec);  // pruning by age spares it
  return db;
}

void store_cached(const std::filesystem::path& path, const hs_database_t* db) {
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return;
  const auto tmp = path.string() + ".tmp" + std::to_string(randombytes_random());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes, static_cast<std::streamsize>(length));
  }
  free(bytes);  // allocated by Hyperscan's default allocator
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);  // readers see the old file or the whole new one
  if (ec) std::filesystem::remove(tmp, ec);
}

size_t database_size(const void* db) {
  size_t size = 0;
  if (db) hs_database_size(static_cast<const hs_database_t*>(db), &size);
  return size;
}

}  // namespace

void Scratch::release() {
  if (literal_) hs_free_scratch(static_cast<hs_scratch_t*>(literal_));
  if (regex_) hs_free_scratch(static_cast<hs_scratch_t*>(regex_));
  literal_ = regex_ = nullptr;
}

Scratch::Scratch(Scratch&& other) noexcept : owner_(other.owner_), literal_(other.literal_), regex_(other.regex_) {
  other.literal_ = other.regex_ = nullptr;
}

Scratch& Scratch::operator=(Scratch&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    literal_ = other.literal_;
    regex_ = other.regex_;
    other.literal_ = other.regex_ = nullptr;
  }
  return *this;
}

Scratch::~Scratch() { release(); }

Matcher::~Matcher() {
  for (void* s : {literal_prototype_, regex_prototype_}) {
    if (s) hs_free_scratch(static_cast<hs_scratch_t*>(s));
  }
  for (void* d : {literal_db_, regex_db_}) {
    if (d) hs_free_database(static_cast<hs_database_t*>(d));
  }
}

Result<void> Matcher::build_plans() {
  std::unordered_map<std::string, uint32_t> literal_ids;
  for (uint32_t r = 0; r < pack_.rules.size(); ++r) {
    const Rule& rule = pack_.rules[r];
    for (bool is_unless : {false, true}) {
      for (const auto& p : is_unless ? rule.unless : rule.patterns) {
        auto parsed = parse_pattern(p);
        if (!parsed) return make_error(ErrorCode::kInvalidArgument, where(rule) + "\"" + p + "\": " + parsed.error().message);
        const auto index = static_cast<uint32_t>(patterns_.size());
        patterns_.push_back({r, is_unless, plan_pattern(std::move(*parsed))});
        const PatternPlan& plan = patterns_.back().plan;
        if (plan.use_regex) {
          regex_patterns_.push_back(index);
          continue;
        }
        for (const auto& literal : plan.anchors) {
          auto [it, inserted] = literal_ids.emplace(literal, static_cast<uint32_t>(literal_text_.size()));
          if (inserted) {
            literal_text_.push_back(literal);
            anchors_.push_back({static_cast<uint32_t>(literal.size()), {}});
          }
          auto& owners = anchors_[it->second].patterns;
          if (owners.empty() || owners.back() != index) owners.push_back(index);
        }
      }
    }
  }
  stats_.literals = literal_text_.size();
  stats_.regexes = regex_patterns_.size();
  return {};
}

Result<void> Matcher::compile_databases(const std::optional<std::filesystem::path>& cache_dir) {
  // The key covers everything that changes what the databases mean.
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  const std::string key_material = pack_.digest + "|normaliser=" + std::to_string(kNormaliserVersion) +
                                   "|matcher=" + std::to_string(kMatcherVersion) + "|hyperscan=" + hs_version() + "|mode=block";
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(key_material.data()), key_material.size());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  stats_.cache_key = to_hex(digest, sizeof digest);

  std::filesystem::path literal_path;
  std::filesystem::path regex_path;
  if (cache_dir) {
    literal_path = *cache_dir / (stats_.cache_key + ".literal.hsdb");
    regex_path = *cache_dir / (stats_.cache_key + ".regex.hsdb");
    auto literal = load_cached(literal_path);
    auto regex = regex_patterns_.empty() ? Result<hs_database_t*>(nullptr) : load_cached(regex_path);
    if (literal && regex) {
      literal_db_ = *literal;
      regex_db_ = *regex;
      stats_.from_cache = true;
    } else {
      if (literal) hs_free_database(*literal);
      if (regex && *regex) hs_free_database(*regex);
    }
  }

  if (!literal_db_) {
    std::vector<const char*> expressions;
    std::vector<size_t> lengths;
    std::vector<unsigned int> ids;
    std::vector<unsigned int> flags(literal_text_.size(), 0);
    for (size_t i = 0; i < literal_text_.size(); ++i) {
      expressions.push_back(literal_text_[i].data());
      lengths.push_back(literal_text_[i].size());
      ids.push_back(static_cast<unsigned int>(i));
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(), static_cast<unsigned int>(expressions.size()),
                             HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
      std::string message = std::string("hyperscan literal compile failed: ") + (error ? error->message : "unknown");
      hs_free_compile_error(error);
      return make_error(ErrorCode::kInvalidArgument, message);
    }
    literal_db_ = db;
    if (regex_patterns_.empty()) {
      regex_db_ = nullptr;
    } else {
      std::vector<std::string> texts;
      for (uint32_t index : regex_patterns_) texts.push_back(to_expression(patterns_[index].plan.pattern));
      std::vector<const char*> c_texts;
      std::vector<unsigned int> regex_ids;
      for (size_t i = 0; i < texts.size(); ++i) {
        c_texts.push_back(texts[i].c_str());
        regex_ids.push_back(static_cast<unsigned int>(i));
      }
      std::vector<unsigned int> regex_flags(texts.size(), HS_FLAG_SOM_LEFTMOST);
      hs_database_t* rdb = nullptr;
      if (hs_compile_multi(c_texts.data(), regex_flags.data(), regex_ids.data(), static_cast<unsigned int>(texts.size()), HS_MODE_BLOCK,
                           nullptr, &rdb, &error) != HS_SUCCESS) {
        std::string message = "hyperscan compile failed";
        if (error && error->expression >= 0) {
          message = where(pack_.rules[patterns_[regex_patterns_[static_cast<size_t>(error->expression)]].rule_index]) + error->message;
        }
        hs_free_compile_error(error);
        return make_error(ErrorCode::kInvalidArgument, message);
      }
      regex_db_ = rdb;
    }
    if (cache_dir) {
      std::error_code ec;
      std::filesystem::create_directories(*cache_dir, ec);
      if (!ec) {
        store_cached(literal_path, static_cast<hs_database_t*>(literal_db_));
        if (regex_db_) store_cached(regex_path, static_cast<hs_database_t*>(regex_db_));
      }
    }
  }
  stats_.database_bytes = database_size(literal_db_) + database_size(regex_db_);

  hs_scratch_t* prototype = nullptr;
  if (hs_alloc_scratch(static_cast<hs_database_t*>(literal_db_), &prototype) != HS_SUCCESS) {
    return make_error(ErrorCode::kInternal, "hyperscan scratch allocation failed");
  }
  literal_prototype_ = prototype;
  if (regex_db_) {
    hs_scratch_t* regex_prototype = nullptr;
    if (hs_alloc_scratch(static_cast<hs_database_t*>(regex_db_), &regex_prototype) != HS_SUCCESS) {
      return make_error(ErrorCode::kInternal, "hyperscan scratch allocation failed");
    }
    regex_prototype_ = regex_prototype;
  }
  return {};
}

Result<std::shared_ptr<const Matcher>> Matcher::compile(RulePack pack, const std::optional<std::filesystem::path>& cache_dir) {
  if (sodium_init() < 0) return make_error(ErrorCode::kInternal, "libsodium failed to initialise");
  std::shared_ptr<Matcher> m(new Matcher());
  m->pack_ = std::move(pack);
  if (auto r = m->build_plans(); !r) return r.error();
  if (m->literal_text_.empty()) return make_error(ErrorCode::kInvalidArgument, "the rule pack has no pattern with a literal word");
  if (auto r = m->compile_databases(cache_dir); !r) return r.error();
  return std::shared_ptr<const Matcher>(std::move(m));
}

Result<Scratch> Matcher::make_scratch() const {
  hs_scratch_t* literal = nullptr;
  hs_scratch_t* regex = nullptr;
  if (hs_clone_scratch(static_cast<hs_scratch_t*>(literal_prototype_), &literal) != HS_SUCCESS ||
      (regex_prototype_ && hs_clone_scratch(static_cast<hs_scratch_t*>(regex_prototype_), &regex) != HS_SUCCESS)) {
    if (literal) hs_free_scratch(literal);
    return make_error(ErrorCode::kInternal, "hyperscan scratch clone failed");
  }
  return Scratch(this, literal, regex);
}

Result<void> Matcher::collect(const NormalisedText& normalised, Scratch& scratch, std::vector<RawHit>& raw) const {
  const std::string& n = normalised.text;
  thread_local std::vector<LiteralMatch> literal_matches;
  literal_matches.clear();
  if (hs_scan(static_cast<const hs_database_t*>(literal_db_), n.data(), static_cast<unsigned int>(n.size()), 0,
              static_cast<hs_scratch_t*>(scratch.literal_), on_literal, &literal_matches) != HS_SUCCESS) {
    return make_error(ErrorCode::kInternal, "hyperscan scan failed");
  }
  const auto first_new = raw.size();
  for (const LiteralMatch& m : literal_matches) {
    const Anchor& anchor = anchors_[m.id];
    const auto anchor_start = static_cast<uint32_t>(m.to - anchor.length);
    for (uint32_t index : anchor.patterns) {
      const auto span = verify(patterns_[index].plan, n, anchor_start, static_cast<size_t>(m.to));
      if (span) raw.push_back({index, static_cast<uint32_t>(span->start), static_cast<uint32_t>(span->end)});
    }
  }
  if (regex_db_) {
    std::vector<RawHit> regex_hits;
    if (hs_scan(static_cast<const hs_database_t*>(regex_db_), n.data(), static_cast<unsigned int>(n.size()), 0,
                static_cast<hs_scratch_t*>(scratch.regex_), on_regex, &regex_hits) != HS_SUCCESS) {
      return make_error(ErrorCode::kInternal, "hyperscan scan failed");
    }
    for (RawHit h : regex_hits) {
      h.pattern = regex_patterns_[h.pattern];
      raw.push_back(h);
    }
  }
  // Offsets become original byte offsets here, so hits from both readings of "1" compare.
  for (size_t i = first_new; i < raw.size(); ++i) {
    raw[i].start = normalised.origin_begin[raw[i].start];
    raw[i].end = normalised.origin_end[raw[i].end - 1];
  }
  return {};
}

Result<std::vector<Hit>> Matcher::scan(std::string_view text, Scratch& scratch) const {
  if (scratch.owner() != this) return make_error(ErrorCode::kInvalidArgument, "scratch belongs to another matcher");
  // Reused per thread: the scan path allocates nothing once warmed up.
  thread_local NormalisedText normalised;
  thread_local std::vector<RawHit> raw;
  raw.clear();
  normalise_into(text, normalised);
  if (auto r = collect(normalised, scratch, raw); !r) return r.error();
  if (normalised.ambiguous_one) {
    // "k1ll" reads "kill" with 1 as i, "ki11" only with 1 as l: scan both readings.
    normalise_into(text, normalised, OneReadsAs::kL);
    if (auto r = collect(normalised, scratch, raw); !r) return r.error();
  }

  std::vector<Hit> out;
  for (const RawHit& h : raw) {
    const PatternRef& ref = patterns_[h.pattern];
    if (ref.is_unless || h.end <= h.start) continue;
    // An exception phrase of the same rule that overlaps the hit cancels it ("kill myself laughing").
    const bool cancelled = std::any_of(raw.begin(), raw.end(), [&](const RawHit& e) {
      const PatternRef& other = patterns_[e.pattern];
      return other.is_unless && other.rule_index == ref.rule_index && e.start < h.end && h.start < e.end;
    });
    if (cancelled) continue;
    out.push_back({&pack_.rules[ref.rule_index], h.start, h.end});
  }
  std::sort(out.begin(), out.end(), [](const Hit& a, const Hit& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.rule != b.rule) return a.rule->id < b.rule->id;
    return a.end < b.end;
  });
  // One hit per rule and place: alternatives, gaps and a rule's several patterns can report
  // overlapping spans ("the bando" and "bando"); they merge into one.
  std::vector<Hit> merged;
  for (const Hit& h : out) {
    auto same = std::find_if(merged.rbegin(), merged.rend(), [&](const Hit& m) { return m.rule == h.rule; });
    if (same != merged.rend() && h.start < same->end) {
      same->end = std::max(same->end, h.end);
      continue;
    }
    merged.push_back(h);
  }
  return merged;
}

}  // namespace vigil::signatures
