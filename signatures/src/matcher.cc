#include "vigil/hex.h"
#include "vigil/signatures/matcher.h"

#include <hs/hs.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include "cache_files.h"
#include "vigil/signatures/normaliser.h"
#include "vigil/signatures/word_codes.h"

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
  const auto data = read_cache_file(path);
  if (!data) return make_error(ErrorCode::kNotFound, path.string());
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(data->data(), data->size(), &db) != HS_SUCCESS) {
    return make_error(ErrorCode::kCorrupt, path.string() + ": not a usable compiled database");
  }
  return db;
}

// False when the database could not be written whole.
bool store_cached(const std::filesystem::path& path, const hs_database_t* db) {
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return false;
  const bool written = write_cache_file(path, std::string_view(bytes, length));
  free(bytes);  // allocated by Hyperscan's default allocator
  return written;
}

// Databases of packs no longer in use would pile up with every rule update: any not loaded or
// written for this long is removed when a new one is stored.
constexpr auto kUnusedCacheLifetime = std::chrono::hours(24 * 30);

void prune_cache(const std::filesystem::path& dir) {
  std::error_code ec;
  const auto cutoff = std::filesystem::file_time_type::clock::now() - kUnusedCacheLifetime;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".hsdb" && entry.path().extension() != ".plan") continue;
    std::error_code stat_error;
    const auto written = entry.last_write_time(stat_error);
    if (!stat_error && written < cutoff) std::filesystem::remove(entry.path(), stat_error);
  }
}

size_t database_size(const void* db) {
  size_t size = 0;
  if (db) hs_database_size(static_cast<const hs_database_t*>(db), &size);
  return size;
}

}  // namespace

void Scratch::release() {
  if (hs_) hs_free_scratch(static_cast<hs_scratch_t*>(hs_));
  hs_ = nullptr;
}

Scratch::Scratch(Scratch&& other) noexcept : owner_(other.owner_), hs_(other.hs_) { other.hs_ = nullptr; }

Scratch& Scratch::operator=(Scratch&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    hs_ = other.hs_;
    other.hs_ = nullptr;
  }
  return *this;
}

Scratch::~Scratch() { release(); }

Matcher::~Matcher() {
  if (scratch_prototype_) hs_free_scratch(static_cast<hs_scratch_t*>(scratch_prototype_));
  for (void* d : {rule_literals_.db, exception_literals_.db, rule_regexes_.db, exception_regexes_.db}) {
    if (d) hs_free_database(static_cast<hs_database_t*>(d));
  }
}

Result<void> Matcher::build_plans() {
  std::unordered_map<std::string, uint32_t> literal_ids[2];
  literal_ids[0].reserve(pack_.rules.size() * 16);  // the shipped pack: about 10 literals a rule
  literal_ids[1].reserve(pack_.rules.size() * 2);
  for (uint32_t r = 0; r < pack_.rules.size(); ++r) {
    Rule& rule = pack_.rules[r];
    for (bool is_unless : {false, true}) {
      LiteralSet& literals = is_unless ? exception_literals_ : rule_literals_;
      auto& ids = literal_ids[is_unless ? 1 : 0];
      const auto& texts = is_unless ? rule.unless : rule.patterns;
      auto& parsed_already = is_unless ? rule.parsed_unless : rule.parsed_patterns;
      for (size_t k = 0; k < texts.size(); ++k) {
        // Packs from load_rule_pack arrive parsed; a pack built in code may not.
        auto parsed = k < parsed_already.size() ? Result<ParsedPattern>(std::move(parsed_already[k])) : parse_pattern(texts[k]);
        if (!parsed) return make_error(ErrorCode::kInvalidArgument, where(rule) + "\"" + texts[k] + "\": " + parsed.error().message);
        for (const PatternPlan& plan : plan_pattern_parts(std::move(*parsed))) {
          const auto index = static_cast<uint32_t>(patterns_.size());
          patterns_.push_back({r, is_unless});
          program_.add(plan);
          if (plan.use_regex) {
            RegexSet& regexes = is_unless ? exception_regexes_ : rule_regexes_;
            regexes.patterns.push_back(index);
            regexes.expressions.push_back(to_expression(plan.pattern));
            continue;
          }
          for (const auto& literal : plan.anchors) {
            auto [it, inserted] = ids.emplace(literal, static_cast<uint32_t>(literals.text.size()));
            if (inserted) {
              literals.text.push_back(literal);
              literals.anchors.push_back({static_cast<uint32_t>(literal.size()), {}});
            }
            auto& owners = literals.anchors[it->second].patterns;
            if (owners.empty() || owners.back() != index) owners.push_back(index);
          }
        }
      }
    }
  }
  for (Rule& rule : pack_.rules) {
    rule.parsed_patterns.clear();  // packed into program_
    rule.parsed_unless.clear();
  }
  program_.shrink_to_fit();
  stats_.literals = rule_literals_.text.size() + exception_literals_.text.size();
  stats_.exception_literals = exception_literals_.text.size();
  stats_.regexes = rule_regexes_.patterns.size() + exception_regexes_.patterns.size();
  return {};
}

namespace {

// Literal i gets id i; an empty literal (a lone prefix, which has no code) is left out.
Result<hs_database_t*> compile_literals(const std::vector<std::string>& literals) {
  std::vector<const char*> expressions;
  std::vector<size_t> lengths;
  std::vector<unsigned int> ids;
  for (size_t i = 0; i < literals.size(); ++i) {
    if (literals[i].empty()) continue;
    expressions.push_back(literals[i].data());
    lengths.push_back(literals[i].size());
    ids.push_back(static_cast<unsigned int>(i));
  }
  if (expressions.empty()) return static_cast<hs_database_t*>(nullptr);
  std::vector<unsigned int> flags(expressions.size(), 0);
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(), static_cast<unsigned int>(expressions.size()),
                           HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
    std::string message = std::string("hyperscan literal compile failed: ") + (error ? error->message : "unknown");
    hs_free_compile_error(error);
    return make_error(ErrorCode::kInvalidArgument, message);
  }
  return db;
}

// What a literal set compiles: its texts, or for a coded set the codes of each literal's whole
// words (" kill myself " -> two codes; " w1 pre" -> the code of w1, the text check covers "pre";
// " suicid" -> nothing: a lone prefix). Records how many words each code string covers.
Result<std::vector<std::string>> compiled_forms(const std::vector<std::string>& texts, bool coded, std::vector<uint8_t>& coded_words) {
  if (!coded) return texts;
  std::vector<std::string> forms(texts.size());
  coded_words.assign(texts.size(), 0);
  WordCodes codes;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string& t = texts[i];
    codes.encode(t.back() == ' ' ? std::string_view(t) : std::string_view(t).substr(0, t.rfind(' ') + 1));
    if (codes.words() > UINT8_MAX) return make_error(ErrorCode::kInvalidArgument, "anchor \"" + t + "\" has too many words");
    coded_words[i] = static_cast<uint8_t>(codes.words());
    forms[i] = std::string(codes.codes());
  }
  return forms;
}

}  // namespace

Result<void> Matcher::compile_databases(const std::optional<std::filesystem::path>& cache_dir, bool cache_only) {
  // Keyed by exactly what is compiled (every literal and expression, in id order) and the engine
  // that compiles it, so a cached database can't be paired with the wrong ids whatever changed.
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::string material;
  auto feed = [&](std::string_view bytes) {
    material.append(bytes);
    material.push_back('\0');
  };
  feed(std::string("hyperscan=") + hs_version() + "|mode=block|matcher=" + std::to_string(kMatcherVersion));
  std::vector<std::string> forms[2];
  for (LiteralSet* set : {&rule_literals_, &exception_literals_}) {
    auto compiled = compiled_forms(set->text, set->coded, set->coded_words);
    if (!compiled) return compiled.error();
    auto& form = forms[set == &rule_literals_ ? 0 : 1];
    form = std::move(*compiled);
    feed(set->coded ? "coded literals" : "literals");
    for (const auto& literal : form) feed(literal);
  }
  for (const RegexSet* set : {&rule_regexes_, &exception_regexes_}) {
    feed("expressions");
    for (const auto& expression : set->expressions) feed(expression);
  }
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(material.data()), material.size());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  stats_.cache_key = to_hex(digest, sizeof digest);

  auto any_form = [](const std::vector<std::string>& form) {
    return std::any_of(form.begin(), form.end(), [](const std::string& f) { return !f.empty(); });
  };
  databases_wanted_ = static_cast<uint8_t>((any_form(forms[0]) ? 1 : 0) | (any_form(forms[1]) ? 2 : 0) |
                                           (rule_regexes_.patterns.empty() ? 0 : 4) | (exception_regexes_.patterns.empty() ? 0 : 8));
  if (cache_dir && load_cached_databases(*cache_dir)) stats_.from_cache = true;
  if (!stats_.from_cache && cache_only) {
    return make_error(ErrorCode::kNotFound, "the compiled databases of this rule pack are not in the cache" +
                                                (cache_dir ? " (" + cache_dir->string() + ")" : std::string()));
  }
  if (stats_.from_cache) return {};
  for (LiteralSet* set : {&rule_literals_, &exception_literals_}) {
    auto db = compile_literals(forms[set == &rule_literals_ ? 0 : 1]);
    if (!db) return db.error();
    set->db = *db;
  }
  for (RegexSet* set : {&rule_regexes_, &exception_regexes_}) {
    if (set->patterns.empty()) continue;
    const std::vector<std::string>& texts = set->expressions;
    std::vector<const char*> c_texts;
    std::vector<unsigned int> regex_ids;
    for (size_t i = 0; i < texts.size(); ++i) {
      c_texts.push_back(texts[i].c_str());
      regex_ids.push_back(static_cast<unsigned int>(i));
    }
    std::vector<unsigned int> regex_flags(texts.size(), HS_FLAG_SOM_LEFTMOST);
    hs_database_t* rdb = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(c_texts.data(), regex_flags.data(), regex_ids.data(), static_cast<unsigned int>(texts.size()), HS_MODE_BLOCK,
                         nullptr, &rdb, &error) != HS_SUCCESS) {
      std::string message = "hyperscan compile failed";
      if (error && error->expression >= 0) {
        message = where(pack_.rules[patterns_[set->patterns[static_cast<size_t>(error->expression)]].rule_index]) + error->message;
      }
      hs_free_compile_error(error);
      return make_error(ErrorCode::kInvalidArgument, message);
    }
    set->db = rdb;
  }
  if (cache_dir) {
    std::error_code ec;
    std::filesystem::create_directories(*cache_dir, ec);
    if (!ec) {
      stats_.stored_in_cache = true;
      for (const DatabaseSlot& slot : database_slots()) {
        if (*slot.db && !store_cached(database_path(*cache_dir, slot), static_cast<hs_database_t*>(*slot.db))) stats_.stored_in_cache = false;
      }
      prune_cache(*cache_dir);
    }
  }
  return {};
}

std::vector<Matcher::DatabaseSlot> Matcher::database_slots() {
  return {{"rules.literal", &rule_literals_.db, (databases_wanted_ & 1) != 0},
          {"exceptions.literal", &exception_literals_.db, (databases_wanted_ & 2) != 0},
          {"rules.regex", &rule_regexes_.db, (databases_wanted_ & 4) != 0},
          {"exceptions.regex", &exception_regexes_.db, (databases_wanted_ & 8) != 0}};
}

std::filesystem::path Matcher::database_path(const std::filesystem::path& cache_dir, const DatabaseSlot& slot) const {
  return cache_dir / (stats_.cache_key + "." + slot.name + ".hsdb");
}

bool Matcher::load_cached_databases(const std::filesystem::path& cache_dir) {
  const auto slots = database_slots();
  for (const DatabaseSlot& slot : slots) {
    if (!slot.wanted) continue;
    auto loaded = load_cached(database_path(cache_dir, slot));
    if (!loaded) {
      for (const DatabaseSlot& s : slots) {
        if (*s.db) hs_free_database(static_cast<hs_database_t*>(*s.db));
        *s.db = nullptr;
      }
      return false;
    }
    *slot.db = *loaded;
  }
  return true;
}

Result<void> Matcher::allocate_scratch() {
  // One scratch serves every database: Hyperscan grows it to fit each.
  hs_scratch_t* prototype = nullptr;
  for (const DatabaseSlot& slot : database_slots()) {
    stats_.database_bytes += database_size(*slot.db);
    if (*slot.db && hs_alloc_scratch(static_cast<hs_database_t*>(*slot.db), &prototype) != HS_SUCCESS) {
      if (prototype) hs_free_scratch(prototype);
      return make_error(ErrorCode::kInternal, "hyperscan scratch allocation failed");
    }
  }
  scratch_prototype_ = prototype;
  return {};
}

void Matcher::LiteralSet::pack_for_scanning() {
  length.clear();
  owners_begin.clear();
  owners.clear();
  texts.clear();
  texts_begin.clear();
  lone_prefixes.clear();
  lone_prefix_starts.fill(0);
  length.reserve(anchors.size());
  owners_begin.reserve(anchors.size() + 1);
  for (uint32_t id = 0; id < anchors.size(); ++id) {
    const Anchor& a = anchors[id];
    length.push_back(a.length);
    owners_begin.push_back(static_cast<uint32_t>(owners.size()));
    owners.insert(owners.end(), a.patterns.begin(), a.patterns.end());
    if (!coded) continue;
    texts_begin.push_back(static_cast<uint32_t>(texts.size()));
    texts += text[id];
    if (coded_words[id] == 0) {
      lone_prefixes.push_back(id);
      const auto first = static_cast<uint8_t>(text[id][1]);  // " suicid": the prefix's first byte
      lone_prefix_starts[first / 64] |= uint64_t{1} << (first % 64);
    }
  }
  owners_begin.push_back(static_cast<uint32_t>(owners.size()));
  owners.shrink_to_fit();
  texts.shrink_to_fit();
  // The literals as strings served compilation and the cache key; a coded set keeps them packed,
  // to check matches against.
  std::vector<std::string>().swap(text);
  std::vector<Anchor>().swap(anchors);
}

namespace {

// The rules' text, length-prefixed in one buffer while the scattered originals are freed.
class RuleTextPool {
 public:
  void put(const std::string& text) {
    put(static_cast<uint64_t>(text.size()));
    bytes_ += text;
  }
  void put(const std::vector<std::string>& texts) {
    put(static_cast<uint64_t>(texts.size()));
    for (const auto& t : texts) put(t);
  }
  void put(uint64_t number) { bytes_.append(reinterpret_cast<const char*>(&number), sizeof number); }
  uint64_t number() {
    uint64_t n = 0;
    std::memcpy(&n, bytes_.data() + at_, sizeof n);
    at_ += sizeof n;
    return n;
  }
  std::string text() {
    const auto size = static_cast<size_t>(number());
    std::string t = bytes_.substr(at_, size);
    at_ += size;
    return t;
  }
  std::vector<std::string> texts() {
    std::vector<std::string> out(static_cast<size_t>(number()));
    for (auto& t : out) t = text();
    return out;
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  std::string bytes_;
  size_t at_ = 0;
};

}  // namespace

void Matcher::compact_rules(const std::function<void()>& release_free_memory) {
  RuleTextPool pool;
  for (const Rule& rule : pack_.rules) {
    pool.put(rule.id);
    pool.put(rule.category);
    pool.put(static_cast<uint64_t>(rule.severity));
    pool.put(rule.patterns);
    pool.put(rule.unless);
    pool.put(static_cast<uint64_t>(rule.phase));
    pool.put(rule.matches);
    pool.put(rule.not_matches);
    pool.put(rule.note);
    pool.put(rule.file);
    pool.put(static_cast<uint64_t>(rule.line));
  }
  const size_t count = pack_.rules.size();
  std::vector<Rule>().swap(pack_.rules);
  release_free_memory();
  pack_.rules.reserve(count);
  while (!pool.done()) {
    Rule& rule = pack_.rules.emplace_back();
    rule.id = pool.text();
    rule.category = pool.text();
    rule.severity = static_cast<int>(pool.number());
    rule.patterns = pool.texts();
    rule.unless = pool.texts();
    rule.phase = static_cast<AgePhase>(pool.number());
    rule.matches = pool.texts();
    rule.not_matches = pool.texts();
    rule.note = pool.text();
    rule.file = pool.text();
    rule.line = static_cast<int>(pool.number());
  }
}

Result<std::shared_ptr<const Matcher>> Matcher::compile(RulePack pack, const CompileOptions& options) {
  if (sodium_init() < 0) return make_error(ErrorCode::kInternal, "libsodium failed to initialise");
  std::shared_ptr<Matcher> m(new Matcher());
  m->pack_ = std::move(pack);
  m->rule_literals_.coded = true;
  const std::string plan_key = options.cache_dir ? m->plan_key() : std::string();
  const std::filesystem::path plan_file = plan_key.empty() ? std::filesystem::path() : *options.cache_dir / (plan_key + ".plan");
  if (!plan_key.empty() && m->load_plan(plan_file)) {
    if (m->load_cached_databases(*options.cache_dir)) {
      m->stats_.from_cache = m->stats_.plan_from_cache = true;
      for (Rule& rule : m->pack_.rules) {
        rule.parsed_patterns.clear();  // planned before, by this program
        rule.parsed_unless.clear();
      }
    } else {
      m->forget_plan();
    }
  }
  if (!m->stats_.plan_from_cache) {
    if (auto r = m->build_plans(); !r) return r.error();
    if (m->rule_literals_.text.empty()) return make_error(ErrorCode::kInvalidArgument, "the rule pack has no pattern with a literal word");
    if (auto r = m->compile_databases(options.cache_dir, options.cache_only); !r) return r.error();
    m->rule_literals_.pack_for_scanning();
    m->exception_literals_.pack_for_scanning();
    for (RegexSet* set : {&m->rule_regexes_, &m->exception_regexes_}) std::vector<std::string>().swap(set->expressions);
    if (!plan_key.empty() && (m->stats_.from_cache || m->stats_.stored_in_cache)) m->store_plan(plan_file);
  }
  if (auto r = m->allocate_scratch(); !r) return r.error();
  if (options.release_free_memory) m->compact_rules(options.release_free_memory);
  return std::shared_ptr<const Matcher>(std::move(m));
}

Result<Scratch> Matcher::make_scratch() const {
  hs_scratch_t* copy = nullptr;
  if (hs_clone_scratch(static_cast<hs_scratch_t*>(scratch_prototype_), &copy) != HS_SUCCESS) {
    return make_error(ErrorCode::kInternal, "hyperscan scratch clone failed");
  }
  return Scratch(this, copy);
}

namespace {

// The literals of `db` found in `bytes` (cleared first; none without a database or bytes).
Result<void> find_literals(const void* db, std::string_view bytes, void* hs_scratch, std::vector<LiteralMatch>& found) {
  found.clear();
  if (!db || bytes.empty()) return {};
  if (hs_scan(static_cast<const hs_database_t*>(db), bytes.data(), static_cast<unsigned int>(bytes.size()), 0,
              static_cast<hs_scratch_t*>(hs_scratch), on_literal, &found) != HS_SUCCESS) {
    return make_error(ErrorCode::kInternal, "hyperscan scan failed");
  }
  return {};
}

}  // namespace

Result<void> Matcher::collect(const LiteralSet& set, std::string_view text, Scratch& scratch, std::vector<RawHit>& raw) const {
  thread_local std::vector<LiteralMatch> literal_matches;
  if (auto r = find_literals(set.db, text, scratch.hs_, literal_matches); !r) return r;
  for (const LiteralMatch& m : literal_matches) verify_owners(set, m.id, text, static_cast<size_t>(m.to - set.length[m.id]), raw);
  return {};
}

void Matcher::verify_owners(const LiteralSet& set, uint32_t id, std::string_view text, size_t anchor_start, std::vector<RawHit>& raw) const {
  const size_t anchor_end = anchor_start + set.length[id];
  for (uint32_t k = set.owners_begin[id]; k < set.owners_begin[id + 1]; ++k) {
    const uint32_t index = set.owners[k];
    const auto span = program_.verify(index, text, anchor_start, anchor_end);
    if (span) raw.push_back({index, static_cast<uint32_t>(span->start), static_cast<uint32_t>(span->end)});
  }
}

Result<void> Matcher::collect_coded(const LiteralSet& set, std::string_view text, Scratch& scratch, std::vector<RawHit>& raw) const {
  thread_local WordCodes codes;
  thread_local std::vector<LiteralMatch> literal_matches;
  codes.encode(text);
  if (auto r = find_literals(set.db, codes.codes(), scratch.hs_, literal_matches); !r) return r;
  // Only the anchor's own text where its codes matched makes a match: codes can collide, and a
  // literal's bytes can also turn up straddling two codes.
  auto found_at = [&](uint32_t id, size_t anchor_start) { return text.compare(anchor_start, set.length[id], set.literal(id)) == 0; };
  for (const LiteralMatch& m : literal_matches) {
    if (m.to % kWordCodeBytes != 0) continue;
    const size_t end_word = static_cast<size_t>(m.to / kWordCodeBytes);
    const size_t first_word = end_word - set.coded_words[m.id];
    const size_t anchor_start = codes.start(first_word) - 1;  // the space before its first word
    if (found_at(m.id, anchor_start)) verify_owners(set, m.id, text, anchor_start, raw);
  }
  if (set.lone_prefixes.empty()) return {};
  for (size_t w = 0; w < codes.words(); ++w) {
    const auto first = static_cast<uint8_t>(text[codes.start(w)]);
    if (!(set.lone_prefix_starts[first / 64] & (uint64_t{1} << (first % 64)))) continue;
    const size_t anchor_start = codes.start(w) - 1;
    for (const uint32_t id : set.lone_prefixes) {
      if (found_at(id, anchor_start)) verify_owners(set, id, text, anchor_start, raw);
    }
  }
  return {};
}

Result<void> Matcher::collect(const RegexSet& set, std::string_view text, Scratch& scratch, std::vector<RawHit>& raw) const {
  if (!set.db) return {};
  const auto first_new = raw.size();
  if (hs_scan(static_cast<const hs_database_t*>(set.db), text.data(), static_cast<unsigned int>(text.size()), 0,
              static_cast<hs_scratch_t*>(scratch.hs_), on_regex, &raw) != HS_SUCCESS) {
    return make_error(ErrorCode::kInternal, "hyperscan scan failed");
  }
  for (size_t i = first_new; i < raw.size(); ++i) raw[i].pattern = set.patterns[raw[i].pattern];
  return {};
}

Result<std::vector<Hit>> Matcher::scan(std::string_view text, Scratch& scratch) const {
  if (scratch.owner() != this) return make_error(ErrorCode::kInvalidArgument, "scratch belongs to another matcher");
  // Reused per thread: the scan path allocates nothing once warmed up.
  thread_local std::string quick;
  thread_local NormalisedText readings[2];  // "1" read as i, then as l
  thread_local std::vector<RawHit> raw[2];
  raw[0].clear();
  raw[1].clear();

  // Most units are plain text that matches nothing: look for rule patterns in the quick reading
  // first, and build the origin map and look for exceptions only when something matched.
  bool normalised = false;
  if (normalise_text_quick(text, quick)) {
    if (auto r = collect_coded(rule_literals_, quick, scratch, raw[0]); !r) return r.error();
    if (auto r = collect(rule_regexes_, quick, scratch, raw[0]); !r) return r.error();
    if (raw[0].empty()) return std::vector<Hit>{};
  } else {
    normalise_into(text, readings[0]);
    normalised = true;
    if (auto r = collect_coded(rule_literals_, readings[0].text, scratch, raw[0]); !r) return r.error();
    if (auto r = collect(rule_regexes_, readings[0].text, scratch, raw[0]); !r) return r.error();
  }
  if (!normalised) normalise_into(text, readings[0]);  // the same text as `quick`, with its origin map
  // "k1ll" reads "kill" with 1 as i, "ki11" only with 1 as l: scan both readings.
  const size_t reading_count = readings[0].ambiguous_one ? 2 : 1;
  if (reading_count == 2) {
    normalise_into(text, readings[1], OneReadsAs::kL);
    if (auto r = collect_coded(rule_literals_, readings[1].text, scratch, raw[1]); !r) return r.error();
    if (auto r = collect(rule_regexes_, readings[1].text, scratch, raw[1]); !r) return r.error();
  }
  if (raw[0].empty() && raw[1].empty()) return std::vector<Hit>{};
  for (size_t i = 0; i < reading_count; ++i) {
    if (auto r = collect(exception_literals_, readings[i].text, scratch, raw[i]); !r) return r.error();
    if (auto r = collect(exception_regexes_, readings[i].text, scratch, raw[i]); !r) return r.error();
  }
  // Offsets become original byte offsets here, so hits from both readings of "1" compare.
  for (size_t i = 0; i < reading_count; ++i) {
    for (RawHit& h : raw[i]) {
      h.start = readings[i].origin_begin[h.start];
      h.end = readings[i].origin_end[h.end - 1];
    }
  }
  raw[0].insert(raw[0].end(), raw[1].begin(), raw[1].end());
  return resolve(raw[0]);
}

std::vector<Hit> Matcher::resolve(const std::vector<RawHit>& raw) const {
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
