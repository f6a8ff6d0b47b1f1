// Scanner figures with the shipped pack: compile and cache-load time, database size, throughput
// on one core (normalisation included), latency per text unit by length, and memory. Prints
// figures; never passes or fails.
#include <nlohmann/json.hpp>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "vigil/platform/resource_limits.h"
#include "vigil/signatures/matcher.h"
#include "vigil/signatures/normaliser.h"
#include "vigil/signatures/rule_pack.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace vigil::signatures;

// Throughput is measured in several windows and the median reported: on a shared (virtual)
// machine, other tenants' bursts inflate a window's CPU time through the caches they share.
constexpr std::chrono::milliseconds kThroughputWindow{400};
constexpr int kThroughputWindows = 5;
constexpr size_t kLatencySamples = 20000;

long rss_kib(const char* field = "VmRSS:") {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::string(field).size()));
  }
  return -1;
}

// Typical English prose from files every Debian system ships, as one long string of words.
std::string load_prose(const std::vector<std::string>& files) {
  std::string out;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::ostringstream s;
    s << in.rdbuf();
    for (char c : s.str()) {
      const char w = (c == '\n' || c == '\t' || c == '\r') ? ' ' : c;
      if (w == ' ' && !out.empty() && out.back() == ' ') continue;
      out.push_back(w);
    }
  }
  return out;
}

// Consecutive slices of the prose, as the lines of a page are: separately allocated strings would
// scatter over a heap that compiling the rules left fragmented, and the figures would measure cache
// misses on that layout rather than scanning.
std::vector<std::string_view> units_of(const std::string& prose, size_t length, size_t max_units) {
  std::vector<std::string_view> out;
  for (size_t at = 0; at + length <= prose.size() && out.size() < max_units; at += length) out.push_back(std::string_view(prose).substr(at, length));
  return out;
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Seconds of CPU this thread has used: throughput "on one core" is bytes per CPU second, which
// other processes on a busy machine don't distort the way wall-clock time does.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Bytes per CPU second scanning `units` over and over: the median of kThroughputWindows windows.
template <typename Unit, typename Scan>
double throughput_mbps(const std::vector<Unit>& units, Scan&& scan) {
  std::vector<double> windows;
  for (int w = 0; w < kThroughputWindows; ++w) {
    size_t bytes = 0;
    const auto wall = Clock::now();
    const double cpu = thread_cpu_seconds();
    while (Clock::now() - wall < kThroughputWindow) {
      for (const auto& u : units) {
        scan(u);
        bytes += u.size();
      }
    }
    windows.push_back(static_cast<double>(bytes) / 1e6 / (thread_cpu_seconds() - cpu));
  }
  std::sort(windows.begin(), windows.end());
  return windows[windows.size() / 2];
}

// An agent's start from the cache, in a fresh process (this program run with --rss-probe), so
// nothing left over from compiling counts: how long reading the pack and loading the compiled
// databases takes, and what it then holds for scanning.
int rss_probe(const std::string& rules, const std::string& cache) {
  const long before = rss_kib();
  const auto start = Clock::now();
  auto pack = load_rule_pack(rules);
  if (!pack) return 1;
  drop_examples(*pack);  // as the agent does
  auto matcher = Matcher::compile(std::move(*pack), CompileOptions{std::filesystem::path(cache), vigil::platform::release_free_memory});
  if (!matcher) return 1;
  const double load_ms = ms_since(start);
  vigil::platform::release_free_memory();  // as the agent does once its rules are loaded
  auto scratch = (*matcher)->make_scratch();
  if (!scratch) return 1;
  auto hits = (*matcher)->scan("warm up the scratch and the normaliser: k1ll mys3lf", *scratch);
  std::printf("%ld %ld %d %f\n", rss_kib() - before, rss_kib("VmHWM:"), (*matcher)->stats().from_cache ? 1 : 0, load_ms);
  return hits ? 0 : 1;
}

}  // namespace

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

// The same measurement compare_filters.js makes for the npm filters, on the same files: a line
// counts as flagged when it has any hit (the npm filters have no categories).
int compare(const std::string& rules, const std::string& flagged_path, const std::string& clean_path, const std::string& prose_path) {
  auto pack = load_rule_pack(rules);
  if (!pack) return 1;
  const std::string version = pack->version;
  auto matcher = Matcher::compile(std::move(*pack));
  if (!matcher) return 1;
  auto scratch = (*matcher)->make_scratch();
  auto hit = [&](const std::string& text) {
    auto r = (*matcher)->scan(text, *scratch);
    return r && !r->empty();
  };
  size_t caught = 0;
  const auto flagged = read_lines(flagged_path);
  for (const auto& l : flagged) caught += hit(l.substr(l.find('\t') + 1));
  size_t false_positives = 0;
  const auto clean = read_lines(clean_path);
  for (const auto& l : clean) false_positives += hit(l);
  const auto prose = read_lines(prose_path);
  size_t prose_bytes = 0;
  for (const auto& l : prose) prose_bytes += l.size();
  const double mbps = throughput_mbps(prose, hit);
  nlohmann::json j = {{"filter", "vigil " + version},
                      {"recall", static_cast<double>(caught) / static_cast<double>(flagged.size())},
                      {"false_positive_rate", static_cast<double>(false_positives) / static_cast<double>(clean.size())},
                      {"caught", caught},
                      {"flagged", flagged.size()},
                      {"false_positives", false_positives},
                      {"clean", clean.size()},
                      {"mb_per_s", mbps}};
  std::cout << j.dump() << "\n";
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--rss-probe") return rss_probe(argv[2], argv[3]);
  if (argc == 6 && std::string(argv[1]) == "--compare") return compare(argv[2], argv[3], argv[4], argv[5]);
  const std::string rules = argc > 1 ? argv[1] : default_rules_dir().string();
  std::vector<std::string> prose_files;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/share/common-licenses")) {
    if (entry.is_regular_file()) prose_files.push_back(entry.path().string());
  }
  std::sort(prose_files.begin(), prose_files.end());
  const std::string prose = load_prose(prose_files);
  nlohmann::json report;

  const long rss_before = rss_kib();
  auto t = Clock::now();
  auto pack = load_rule_pack(rules);
  if (!pack) {
    std::cerr << pack.error().message << "\n";
    return 1;
  }
  const double load_pack_ms = ms_since(t);
  const size_t rule_count = pack->rules.size();
  const auto cache = std::filesystem::temp_directory_path() / ("vigil-bench-cache-" + std::to_string(::getpid()));
  t = Clock::now();
  auto matcher = Matcher::compile(*pack, cache);
  if (!matcher) {
    std::cerr << matcher.error().message << "\n";
    return 1;
  }
  const double compile_ms = ms_since(t);
  const auto& stats = (*matcher)->stats();
  auto scratch = (*matcher)->make_scratch();
  const long rss_scanner = rss_kib() - rss_before;

  // Start from the cache as an agent does, in a fresh process, three times: the median time.
  long probe_rss = -1;
  long probe_peak = -1;
  int probe_cached = 1;
  std::vector<double> loads;
  const std::string probe = "\"" + std::filesystem::read_symlink("/proc/self/exe").string() + "\" --rss-probe \"" + rules + "\" \"" +
                            cache.string() + "\"";
  for (int round = 0; round < 3; ++round) {
    FILE* p = popen(probe.c_str(), "r");
    if (!p) break;
    int cached = 0;
    double ms = 0;
    if (std::fscanf(p, "%ld %ld %d %lf", &probe_rss, &probe_peak, &cached, &ms) == 4) {
      loads.push_back(ms);
      probe_cached &= cached;
    } else {
      probe_rss = -1;
    }
    pclose(p);
  }
  std::sort(loads.begin(), loads.end());
  const double cache_load_ms = loads.empty() ? -1 : loads[loads.size() / 2];
  const bool from_cache = !loads.empty() && probe_cached;
  std::filesystem::remove_all(cache);

  // Throughput on one core (bytes per CPU second), normalisation included, for units of 60 and
  // 200 characters of prose; and the normaliser alone.
  size_t hits = 0;
  auto scan = [&](std::string_view u) {
    auto r = (*matcher)->scan(u, *scratch);
    hits += r ? r->size() : 0;
  };
  const auto units = units_of(prose, 60, 1000000);
  const double scan_mbps = throughput_mbps(units, scan);
  const double scan_200_mbps = throughput_mbps(units_of(prose, 200, 1000000), scan);
  size_t sink = 0;
  const double normalise_mbps = throughput_mbps(units, [&](std::string_view u) { sink += normalise(u).text.size(); });

  std::printf("Vigil scanner benchmark (rule pack %s %s)\n", pack->name.c_str(), pack->version.c_str());
  std::printf("  rules %zu, anchor literals %zu (%zu of them for exceptions), regular expressions %zu, database %.1f KiB\n", rule_count,
              stats.literals, stats.exception_literals, stats.regexes, static_cast<double>(stats.database_bytes) / 1024.0);
  std::printf("  pack parse %.1f ms, compile %.1f ms, start from cache in a fresh process (parse + load, median of 3) %.1f ms%s\n", load_pack_ms, compile_ms, cache_load_ms,
              from_cache ? "" : " (cache NOT used)");
  std::printf("  throughput, one core (bytes per CPU second, median of 5 windows), normalisation included: %.1f MB/s on 60-char units, %.1f MB/s on "
              "200-char units; normalise alone %.1f MB/s\n",
              scan_mbps, scan_200_mbps, normalise_mbps);
  std::printf("  scanner RSS started from the cache %.1f MiB (that process's peak %.1f MiB)%s; after compiling here %.1f MiB\n",
              static_cast<double>(probe_rss) / 1024.0, static_cast<double>(probe_peak) / 1024.0, probe_cached ? "" : " (cache NOT used)",
              static_cast<double>(rss_scanner) / 1024.0);
  std::printf("  latency per text unit (µs):\n    %8s %8s %8s %8s\n", "chars", "p50", "p99", "p99.9");
  report["throughput_mbps"] = scan_mbps;
  for (size_t length : {20, 60, 200, 2000}) {
    const auto samples = units_of(prose, length, kLatencySamples);
    std::vector<double> us;
    us.reserve(samples.size() * 3);
    for (int round = 0; round < 3; ++round) {
      for (const auto& u : samples) {
        const auto s = Clock::now();
        auto r = (*matcher)->scan(u, *scratch);
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - s).count());
        sink += r ? r->size() : 0;
      }
    }
    std::sort(us.begin(), us.end());
    auto pct = [&](double p) { return us[std::min(us.size() - 1, static_cast<size_t>(p * static_cast<double>(us.size())))]; };
    std::printf("    %8zu %8.2f %8.2f %8.2f\n", length, pct(0.50), pct(0.99), pct(0.999));
  }
  std::printf("  (prose: %zu bytes from /usr/share/common-licenses; %zu hits, checksum %zu)\n", prose.size(), hits, sink);
  return 0;
}
