// Console render time at school scale: stores 100,000 captures through the real store, groups
// them, then times the real router (the server's request handler, audit write included) for the
// inbox and timeline pages and their JSON API. Prints figures; never passes or fails.
#include <google/protobuf/util/time_util.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "accounts/sqlite_account_store.h"
#include "console/console_deps.h"
#include "console/router.h"
#include "store/sqlite_store.h"
#include "triage/sqlite_triage_store.h"

using namespace vigil;
using namespace vigil::collector;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kCaptures = 100000;
constexpr int kPupils = 3000;
constexpr int kBatch = 1000;
constexpr int kRuns = 60;
constexpr int64_t kSpanMs = 60LL * 24 * 3600 * 1000;  // two months of captures

struct Phrase {
  const char* text;
  const char* category;
  const char* rule;
  int severity;
  uint32_t start, end;
};
const Phrase kPhrases[] = {
    {"i want to kill myself tonight", "suicide", "suicide.kill-myself", 5, 10, 21},
    {"honestly everyone hates you loser", "bullying", "bullying.everyone-hates-you", 3, 9, 27},
    {"where can i buy weed near school", "drugs", "drugs.buy-weed", 3, 12, 20},
    {"no one would even miss me", "suicide", "suicide.no-one-would-miss-me", 4, 0, 25},
    {"just kys already", "bullying", "bullying.kys", 4, 5, 8},
    {"how to join the group online", "extremism", "extremism.join", 2, 7, 11},
    {"send me a pic of you", "grooming", "grooming.pic", 4, 0, 20},
    {"where to buy a knife", "weapons", "weapons.knife", 3, 15, 20},
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main() {
  if (sodium_init() < 0) return 1;
  const auto dir = std::filesystem::temp_directory_path() / ("vigil-console-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto store = open_sqlite_store(dir, OpenMode::kReadWrite);
  auto triage = triage::open_sqlite_triage_store(dir);
  auto accounts = open_sqlite_account_store(dir);
  if (!store || !triage || !accounts) {
    std::fprintf(stderr, "console bench: cannot open stores in %s\n", dir.c_str());
    return 1;
  }
  std::mt19937_64 rng(42);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (int p = 0; p < kPupils; ++p) {
    char user[32];
    std::snprintf(user, sizeof user, "pupil%04d", p);
    if (p % 10 != 0) (void)(*triage)->upsert_pupil({user, std::string("Pupil ") + user, std::to_string(7 + p % 7), std::to_string(7 + p % 7) + "A"});
  }
  for (int d = 0; d < 200; ++d) (void)(*triage)->set_device_group("device-" + std::to_string(d), d % 2 ? "ICT suite" : "Library");

  auto t0 = Clock::now();
  std::vector<v1::Capture> batch(kBatch);
  for (int done = 0; done < kCaptures; done += kBatch) {
    std::vector<const v1::Capture*> ptrs;
    for (int i = 0; i < kBatch; ++i) {
      v1::Capture& c = batch[i];
      c.Clear();
      std::string id(16, '\0');
      for (auto& b : id) b = static_cast<char>(rng());
      c.set_id(id);
      c.set_device_id("device-" + std::to_string(rng() % 200));
      char user[32];
      std::snprintf(user, sizeof user, "pupil%04d", static_cast<int>(rng() % kPupils));
      c.set_user(user);
      c.set_source(v1::SOURCE_KEYBOARD);
      c.mutable_application()->set_process_name(rng() % 2 ? "chrome" : "winword");
      c.set_window_title("Classroom work - Google Chrome");
      c.set_url("https://www.example.org/search?q=homework");
      const Phrase& ph = kPhrases[rng() % std::size(kPhrases)];
      c.set_text(ph.text);
      auto* h = c.add_hits();
      h->set_rule_id(ph.rule);
      h->set_category(ph.category);
      h->set_severity(static_cast<uint32_t>(ph.severity));
      h->set_start(ph.start);
      h->set_end(ph.end);
      *c.mutable_observed_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(now - static_cast<int64_t>(rng() % kSpanMs));
      ptrs.push_back(&c);
    }
    if (auto r = (*store)->put_captures(ptrs); !r) {
      std::fprintf(stderr, "console bench: %s\n", r.error().message.c_str());
      return 1;
    }
  }
  const double store_s = std::chrono::duration<double>(Clock::now() - t0).count();
  t0 = Clock::now();
  if (auto r = (*triage)->sync(5); !r) {
    std::fprintf(stderr, "console bench: %s\n", r.error().message.c_str());
    return 1;
  }
  const double sync_s = std::chrono::duration<double>(Clock::now() - t0).count();
  triage::InboxFilter all;
  all.all_statuses = true;
  const int64_t items = (*triage)->inbox(all)->total;
  const int64_t item_id = (*triage)->inbox({})->items.at(0).id;

  console::Sessions sessions;
  console::LoginLimiter limiter;
  console::ConsoleDeps deps{**triage, **accounts, **store, sessions, limiter};
  console::Router router(sessions);
  console::add_console_routes(router, deps);
  const std::string token = sessions.create("dsl1", Role::kDsl);

  std::printf("Console render time (router + SQLite + audit write, one thread), %d captures from %d pupils grouped into %lld items\n", kCaptures,
              kPupils, static_cast<long long>(items));
  std::printf("  store %d captures: %.1f s; group into items (first sync): %.1f s\n", kCaptures, store_s, sync_s);
  std::printf("  %-52s %9s %9s %9s %9s\n", "request", "p50 ms", "p95 ms", "max ms", "bytes");
  const std::vector<std::string> targets = {
      "/inbox",
      "/inbox?status=all",
      "/inbox?status=all&page=200",
      "/inbox?category=suicide&severity=4&status=all",
      "/inbox?q=hates&status=all",
      "/inbox?year=9&from=2020-01-01&status=all",
      "/inbox?device_group=Library&status=all",
      "/api/inbox",
      "/items/" + std::to_string(item_id),
      "/pupils/pupil0042",
      "/api/pupils/pupil0042/timeline",
  };
  double worst_p95 = 0;
  for (const auto& target : targets) {
    std::vector<double> ms;
    size_t bytes = 0;
    for (int i = 0; i < kRuns; ++i) {
      console::Request req{console::http::verb::get, target, 11};
      req.set(console::http::field::cookie, "vigil_session=" + token);
      const auto start = Clock::now();
      const console::Reply reply = router.handle(req, "127.0.0.1", true);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (reply.response.result() != console::http::status::ok) {
        std::fprintf(stderr, "console bench: %s answered %u\n", target.c_str(), reply.response.result_int());
        return 1;
      }
      bytes = reply.response.body().size();
    }
    worst_p95 = std::max(worst_p95, percentile(ms, 0.95));
    std::printf("  %-52s %9.1f %9.1f %9.1f %9zu\n", target.c_str(), percentile(ms, 0.5), percentile(ms, 0.95), *std::max_element(ms.begin(), ms.end()), bytes);
  }
  std::printf("  worst p95: %.1f ms (target <= 200 ms)\n", worst_p95);
  accounts->reset();
  triage->reset();
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
