// The matcher's plans, cached beside its compiled databases: a start from the cache then only
// reads the pack and these files. The key covers every pattern and exception of the pack in
// order, the matcher and Hyperscan versions, and the build id of the running program, since
// plans depend on the planner's code and its word lists as much as on the pack. A file that is
// damaged, truncated or inconsistent is ignored and planning runs as if it were not there.
#include <hs/hs.h>
#include <sodium.h>

#include <cstring>
#include <optional>

#include "cache_files.h"
#include "plan_bytes.h"
#include "vigil/hex.h"
#include "vigil/signatures/matcher.h"

#if defined(__linux__)
#include <elf.h>
#include <link.h>
#endif

namespace vigil::signatures {
namespace {

constexpr char kPlanMagic[8] = {'V', 'I', 'G', 'I', 'L', 'P', 'L', 'N'};
constexpr uint32_t kPlanFormat = 1;

// Catches a damaged or truncated file (BLAKE2b: several times faster than SHA-256 over the
// plan's 2.8 MB, which mattered for a start meant to take milliseconds).
constexpr size_t kChecksumBytes = 16;
void checksum(std::string_view bytes, unsigned char (&out)[kChecksumBytes]) {
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr, 0);
}

#if defined(__linux__)
// The GNU build id of the running program (the signatures library is linked into it statically).
std::optional<std::string> program_build_id() {
  static const std::optional<std::string> id = [] {
    std::string found;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) {
          for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
            const ElfW(Phdr)& header = info->dlpi_phdr[i];
            if (header.p_type != PT_NOTE) continue;
            const auto* at = reinterpret_cast<const unsigned char*>(info->dlpi_addr + header.p_vaddr);
            const unsigned char* end = at + header.p_memsz;
            while (at + sizeof(ElfW(Nhdr)) <= end) {
              const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(at);
              const unsigned char* name = at + sizeof(ElfW(Nhdr));
              const unsigned char* desc = name + ((note->n_namesz + 3u) & ~3u);
              if (desc + note->n_descsz > end) break;
              if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
                *static_cast<std::string*>(data) = to_hex(desc, note->n_descsz);
                return 1;
              }
              at = desc + ((note->n_descsz + 3u) & ~3u);
            }
          }
          return 1;  // the first object listed is the program itself; libraries don't matter
        },
        &found);
    return found.empty() ? std::nullopt : std::optional<std::string>(found);
  }();
  return id;
}
#else
std::optional<std::string> program_build_id() { return std::nullopt; }
#endif

// One list of a literal set's fields serves writing (PlanWriter, a const set) and reading
// (PlanReader), so the two can't disagree on order.
template <typename Io, typename LiteralSet>
void literal_set_fields(Io& io, LiteralSet& set) {
  io.value(set.coded);
  io.values(set.length);
  io.values(set.owners_begin);
  io.values(set.owners);
  io.text(set.texts);
  io.values(set.texts_begin);
  io.values(set.coded_words);
  io.values(set.lone_prefixes);
  io.value(set.lone_prefix_starts);
}

}  // namespace

std::string Matcher::plan_key() const {
  const auto build = program_build_id();
  if (!build) return {};
  std::string material = "plan|format=" + std::to_string(kPlanFormat) + "|matcher=" + std::to_string(kMatcherVersion) + "|hyperscan=" +
                         hs_version() + "|build=" + *build;
  material.push_back('\0');
  for (const Rule& rule : pack_.rules) {
    for (const auto* texts : {&rule.patterns, &rule.unless}) {
      material += std::to_string(texts->size());
      material.push_back('\0');
      for (const auto& t : *texts) {
        material += t;
        material.push_back('\0');
      }
    }
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(material.data()), material.size());
  return to_hex(digest, sizeof digest);
}

void Matcher::store_plan(const std::filesystem::path& file) const {
  PlanWriter w;
  w.values(patterns_);
  for (const LiteralSet* set : {&rule_literals_, &exception_literals_}) literal_set_fields(w, *set);
  w.values(rule_regexes_.patterns);
  w.values(exception_regexes_.patterns);
  w.value(static_cast<uint64_t>(stats_.literals));
  w.value(static_cast<uint64_t>(stats_.exception_literals));
  w.value(static_cast<uint64_t>(stats_.regexes));
  w.text(stats_.cache_key);
  w.value(databases_wanted_);
  std::string body = std::move(w.bytes());
  program_.save(body);

  unsigned char digest[kChecksumBytes];
  checksum(body, digest);
  std::string file_bytes(kPlanMagic, sizeof kPlanMagic);
  file_bytes.append(reinterpret_cast<const char*>(&kPlanFormat), sizeof kPlanFormat);
  file_bytes.append(reinterpret_cast<const char*>(digest), sizeof digest);
  file_bytes += body;
  write_cache_file(file, file_bytes);  // a plan not stored is only planned again next time
}

bool Matcher::load_plan(const std::filesystem::path& file) {
  const auto bytes = read_cache_file(file);
  constexpr size_t kHeader = sizeof kPlanMagic + sizeof kPlanFormat + kChecksumBytes;
  if (!bytes || bytes->size() < kHeader || std::memcmp(bytes->data(), kPlanMagic, sizeof kPlanMagic) != 0) return false;
  uint32_t format = 0;
  std::memcpy(&format, bytes->data() + sizeof kPlanMagic, sizeof format);
  if (format != kPlanFormat) return false;
  std::string_view body = std::string_view(*bytes).substr(kHeader);
  unsigned char digest[kChecksumBytes];
  checksum(body, digest);
  if (std::memcmp(digest, bytes->data() + sizeof kPlanMagic + sizeof kPlanFormat, sizeof digest) != 0) return false;

  PlanReader r(body);
  r.values(patterns_);
  for (LiteralSet* set : {&rule_literals_, &exception_literals_}) literal_set_fields(r, *set);
  r.values(rule_regexes_.patterns);
  r.values(exception_regexes_.patterns);
  uint64_t literals = 0;
  uint64_t exception_literals = 0;
  uint64_t regexes = 0;
  r.value(literals);
  r.value(exception_literals);
  r.value(regexes);
  r.text(stats_.cache_key);
  r.value(databases_wanted_);
  std::string_view rest = body.substr(body.size() - r.remaining());
  if (!r.ok() || !program_.restore(rest) || !rest.empty()) {
    forget_plan();
    return false;
  }
  stats_.literals = static_cast<size_t>(literals);
  stats_.exception_literals = static_cast<size_t>(exception_literals);
  stats_.regexes = static_cast<size_t>(regexes);

  // What scanning indexes with must stay inside what it indexes.
  bool consistent = program_.size() == patterns_.size();
  for (const PatternRef& ref : patterns_) consistent = consistent && ref.rule_index < pack_.rules.size();
  for (const LiteralSet* set : {&rule_literals_, &exception_literals_}) {
    const size_t n = set->length.size();
    consistent = consistent && set->owners_begin.size() == n + 1 && set->owners_begin.back() == set->owners.size();
    for (uint32_t owner : set->owners) consistent = consistent && owner < patterns_.size();
    if (set->coded) {
      consistent = consistent && set->texts_begin.size() == n && set->coded_words.size() == n;
      for (size_t id = 0; consistent && id < n; ++id) consistent = size_t{set->texts_begin[id]} + set->length[id] <= set->texts.size();
      for (uint32_t id : set->lone_prefixes) consistent = consistent && id < n;
    }
  }
  for (const RegexSet* set : {&rule_regexes_, &exception_regexes_}) {
    for (uint32_t pattern : set->patterns) consistent = consistent && pattern < patterns_.size();
  }
  if (!consistent || !rule_literals_.coded || exception_literals_.coded) {
    forget_plan();
    return false;
  }
  return true;
}

void Matcher::forget_plan() {
  patterns_.clear();
  program_ = PatternProgram();
  rule_literals_ = LiteralSet();
  rule_literals_.coded = true;
  exception_literals_ = LiteralSet();
  rule_regexes_ = RegexSet();
  exception_regexes_ = RegexSet();
  stats_ = CompileStats();
  databases_wanted_ = 0;
}

}  // namespace vigil::signatures
