// End to end through real processes: replayed pupil activity -> vigil-agent -> gRPC on loopback
// -> vigil-collector -> SQLite -> `vigil-collector captures --json`.
#include <doctest/doctest.h>
#include <signal.h>

#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "support/process.h"
#include "support/replay_corpus.h"
#include "support/vigil_harness.h"

using namespace vigil::test;

namespace {

constexpr std::chrono::seconds kDeliveryTimeout{120};

// Every expected token arrived exactly once, with the right category, and nothing else arrived.
void check_exactly_once(const std::vector<nlohmann::json>& captures, const ReplayCorpus& corpus) {
  std::map<std::string, int> seen;
  for (const auto& c : captures) {
    const std::string token = token_in(c["text"].get<std::string>());
    REQUIRE_MESSAGE(!token.empty(), "capture without a token: " << c.dump());
    ++seen[token];
    auto expected = corpus.expected.find(token);
    REQUIRE_MESSAGE(expected != corpus.expected.end(), "unexpected capture " << c.dump());
    CHECK(c["hits"].size() >= 1);
    CHECK(c["hits"][0]["category"] == expected->second);
  }
  for (const auto& [token, category] : corpus.expected) {
    INFO("token " << token << " (" << category << ")");
    CHECK(seen[token] == 1);
  }
  CHECK(captures.size() == corpus.expected.size());
}

}  // namespace

TEST_CASE("1,000 replayed events: every expected capture arrives exactly once with its category") {
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log");
  const ReplayCorpus corpus = write_replay_corpus(dir / "events.jsonl", 1000, 7);
  REQUIRE(corpus.expected.size() == 143);

  const RunResult agent = run(agent_args(collector.address(), dir / "agent", dir / "events.jsonl", true), kDeliveryTimeout);
  INFO(agent.err);
  REQUIRE(agent.status == 0);
  CHECK(outbox_depth(dir / "agent") == 0);

  const auto captures = collector.captures();
  check_exactly_once(captures, corpus);
  const auto& first = captures.front();
  CHECK(first["source"] == "keyboard");
  CHECK(first["app"] == "firefox");
  CHECK(first["title"] == "Search - Mozilla Firefox");
  CHECK(first["url"] == "https://www.example.org/search");
  CHECK(first["user"].get<std::string>().rfind("pupil", 0) == 0);
  CHECK(first["device"].get<std::string>().size() == 36);
  CHECK(first["id"].get<std::string>().size() == 36);
  CHECK(first["hits"][0]["severity"].get<int>() >= 1);
  CHECK(!first["hits"][0]["rule"].get<std::string>().empty());

  SUBCASE("a second run over the same file resumes at its end: nothing is captured twice") {
    const RunResult again = run(agent_args(collector.address(), dir / "agent", dir / "events.jsonl", true), kDeliveryTimeout);
    REQUIRE(again.status == 0);
    CHECK(collector.stored_count() == corpus.expected.size());
  }
}

TEST_CASE("SIGKILL the collector and then the agent midway: nothing lost, nothing duplicated") {
  TempDir dir;
  auto collector = std::make_unique<CollectorProcess>(dir / "collector", dir / "collector.log");
  const int port = collector->port();
  const ReplayCorpus corpus = write_replay_corpus(dir / "events.jsonl", 20000, 10);
  auto args = agent_args(collector->address(), dir / "agent", dir / "events.jsonl", true);
  // Small batches make delivery take long enough to be interrupted in the middle.
  args.insert(args.end(), {"--batch-size", "4"});
  auto agent = std::make_unique<ChildProcess>(args, dir / "agent.log");

  const size_t total = corpus.expected.size();
  REQUIRE(wait_until([&] { return collector->stored_count() >= total / 10; }, kDeliveryTimeout));
  collector->process().signal(SIGKILL);
  REQUIRE(collector->process().wait_for(std::chrono::seconds(10)).has_value());
  const uint64_t stored_at_kill = collector->stored_count();
  INFO("collector killed with " << stored_at_kill << " of " << total << " stored");
  CHECK(stored_at_kill < total);
  CHECK(agent->running());  // a dead collector is not a reason for the agent to exit

  collector = std::make_unique<CollectorProcess>(dir / "collector", dir / "collector.log", port);
  REQUIRE(wait_until([&] { return collector->stored_count() >= total / 2; }, kDeliveryTimeout));
  agent->signal(SIGKILL);
  REQUIRE(agent->wait_for(std::chrono::seconds(10)).has_value());
  const uint64_t stored_at_agent_kill = collector->stored_count();
  INFO("agent killed with " << stored_at_agent_kill << " of " << total << " stored");
  CHECK(stored_at_agent_kill < total);

  const RunResult restarted = run(args, kDeliveryTimeout);
  INFO(read_file(dir / "agent.log") << restarted.err);
  REQUIRE(restarted.status == 0);
  check_exactly_once(collector->captures(), corpus);
}

TEST_CASE("malformed replay lines are reported with their line number and skipped") {
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log");
  write_file(dir / "events.jsonl",
             "{\"ts\":\"2026-11-26T09:00:00Z\",\"source\":\"keyboard\",\"user\":\"a\",\"text\":\"evt-000001 i want to kill myself\"}\n"
             "this is not json\n"
             "{\"ts\":\"2026-11-26T09:00:00Z\",\"source\":\"keyboard\",\"user\":\"a\"}\n"
             "{\"ts\":\"2026-11-26T09:00:00Z\",\"source\":\"telepathy\",\"text\":\"kill myself\"}\n"
             "{\"ts\":\"yesterday\",\"text\":\"kill myself\"}\n"
             "[1,2,3]\n"
             "\n"
             "{\"ts\":\"2026-11-26T09:00:01Z\",\"source\":\"window_title\",\"user\":\"b\",\"text\":\"evt-000002 everyone hates you\"}\n");
  const RunResult agent = run(agent_args(collector.address(), dir / "agent", dir / "events.jsonl", true), kDeliveryTimeout);
  INFO(agent.err);
  REQUIRE(agent.status == 0);
  const std::string file = std::filesystem::absolute(dir / "events.jsonl").string();
  CHECK(agent.err.find(file + ":2: not JSON") != std::string::npos);
  CHECK(agent.err.find(file + ":3: \"text\" is missing") != std::string::npos);
  CHECK(agent.err.find(file + ":4: \"source\" must be") != std::string::npos);
  CHECK(agent.err.find(file + ":5: \"ts\" is not") != std::string::npos);
  CHECK(agent.err.find(file + ":6: not a JSON object") != std::string::npos);

  const auto captures = collector.captures();
  REQUIRE(captures.size() == 2);
  CHECK(token_in(captures[0]["text"]) == "evt-000001");
  CHECK(captures[1]["source"] == "window_title");
}

TEST_CASE("an unreachable collector: the agent keeps its captures, retries with backoff, and delivers once it is up") {
  TempDir dir;
  // Enroll, then stop the collector so nothing listens on its port yet. (Enrolled, the agent has
  // the key to seal captures to; a development-mode agent that never met its collector holds its
  // events instead, see enrollment_test.)
  int port = 0;
  {
    CollectorProcess probe(dir / "collector", dir / "probe.log", 0, false);
    port = probe.port();
    enroll_agent(probe, dir / "agent");
    probe.process().signal(SIGTERM);
    REQUIRE(probe.process().wait_for(std::chrono::seconds(10)) == 0);
  }
  const ReplayCorpus corpus = write_replay_corpus(dir / "events.jsonl", 200, 10);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  ChildProcess agent(secure_agent_args(address, dir / "agent", dir / "events.jsonl", false), dir / "agent.log");

  REQUIRE(wait_until([&] { return outbox_depth(dir / "agent") == corpus.expected.size(); }, kDeliveryTimeout));
  REQUIRE(wait_until([&] { return read_file(dir / "agent.log").find("retrying in") != std::string::npos; }, kDeliveryTimeout));
  CHECK(agent.running());

  CollectorProcess collector(dir / "collector", dir / "collector.log", port, false);
  REQUIRE(wait_until([&] { return collector.stored_count() == corpus.expected.size(); }, kDeliveryTimeout));
  REQUIRE(wait_until([&] { return outbox_depth(dir / "agent") == 0; }, kDeliveryTimeout));
  check_exactly_once(collector.captures(), corpus);

  agent.signal(SIGTERM);
  CHECK(agent.wait_for(std::chrono::seconds(10)) == 0);
}

TEST_CASE("--once gives up with a non-zero status when the collector never answers") {
  TempDir dir;
  {
    CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
    enroll_agent(collector, dir / "agent");
  }
  write_replay_corpus(dir / "events.jsonl", 10, 2);
  auto args = secure_agent_args("127.0.0.1:9", dir / "agent", dir / "events.jsonl", true);
  args.insert(args.end(), {"--timeout", "2"});
  const RunResult agent = run(args, std::chrono::seconds(60));
  CHECK(agent.status == 1);
  CHECK(agent.err.find("timed out") != std::string::npos);
  CHECK(outbox_depth(dir / "agent") == 5);  // kept, not dropped
}

namespace {

// The ids of `parent`'s running children named `name` (from /proc/PID/stat: "pid (comm) state ppid").
std::vector<pid_t> children_named(pid_t parent, const std::string& name) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string stat = read_file(entry.path() / "stat");
    const auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 4 >= stat.size()) continue;
    const std::string comm = stat.substr(open + 1, close - open - 1);
    const char state = stat[close + 2];
    const pid_t ppid = static_cast<pid_t>(std::atol(stat.c_str() + close + 4));
    if (ppid == parent && comm == name && state != 'Z') found.push_back(static_cast<pid_t>(std::atol(stat.c_str())));
  }
  return found;
}

bool maps_library(pid_t pid, const std::string& library) {
  return read_file("/proc/" + std::to_string(pid) + "/maps").find(library) != std::string::npos;
}

std::function<std::string()> last_seen_of(CollectorProcess& collector, const std::string& device) {
  return [&collector, device] {
    for (const auto& d : collector.devices()) {
      if (d["id"] == device && d["last_seen"].is_string()) return d["last_seen"].get<std::string>();
    }
    return std::string();
  };
}

// An enrolled agent replaying a corpus over mutual TLS with `extra` options, started and waited
// for until the collector holds every capture.
struct DeliveredOverTls {
  TempDir dir;
  CollectorProcess collector{dir / "collector", dir / "collector.log", 0, false};
  std::string device = enroll_agent(collector, dir / "agent");
  ReplayCorpus corpus;
  std::optional<ChildProcess> agent;

  DeliveredOverTls(size_t events, size_t match_every, std::initializer_list<const char*> extra)
      : corpus(write_replay_corpus(dir / "events.jsonl", events, match_every)) {
    auto args = secure_agent_args(collector.address(), dir / "agent", dir / "events.jsonl", false);
    for (const char* option : extra) args.emplace_back(option);
    agent.emplace(args, dir / "agent.log");
    INFO(read_file(dir / "agent.log"));
    REQUIRE(wait_until([&] { return collector.stored_count() == corpus.expected.size(); }, kDeliveryTimeout));
  }
};

}  // namespace

TEST_CASE("the service never loads gRPC or TLS; a delivery process runs only around exchanges, and the next heartbeat starts one over mutual TLS") {
  DeliveredOverTls run(100, 12, {"--heartbeat-interval", "2", "--connection-linger", "0.2"});
  auto& [dir, collector, device, corpus, agent_slot] = run;
  ChildProcess& agent = *agent_slot;

  // Idle between heartbeats, the delivery process has ended.
  REQUIRE(wait_until([&] { return children_named(agent.pid(), "vigil-delivery").empty(); }, std::chrono::seconds(30)));
  // And one starts again for each heartbeat: the collector keeps hearing from the device.
  const auto last_seen = last_seen_of(collector, device);
  const std::string before = last_seen();
  REQUIRE(!before.empty());
  CHECK(wait_until([&] { const auto now = last_seen(); return !now.empty() && now != before; }, std::chrono::seconds(30)));
  CHECK(wait_until([&] { return children_named(agent.pid(), "vigil-delivery").empty(); }, std::chrono::seconds(30)));
  CHECK(agent.running());
  // gRPC, its TLS library and the device key stay out of the long-running service.
  CHECK_FALSE(maps_library(agent.pid(), "libgrpc"));
  CHECK_FALSE(maps_library(agent.pid(), "libssl"));
  CHECK_FALSE(maps_library(agent.pid(), "libcrypto"));
  CHECK(read_file(dir / "agent.log").find("retrying in") == std::string::npos);
  check_exactly_once(collector.captures(), corpus);
  agent.signal(SIGTERM);
  CHECK(agent.wait_for(std::chrono::seconds(10)) == 0);
}

TEST_CASE("a delivery process that is killed is reported and replaced; nothing is lost or sent twice") {
  // A linger of an hour keeps one delivery process for the whole test, so there is one to kill.
  DeliveredOverTls run(60, 14, {"--heartbeat-interval", "1", "--connection-linger", "3600"});
  auto& [dir, collector, device, corpus, agent_slot] = run;
  ChildProcess& agent = *agent_slot;
  std::vector<pid_t> delivery;
  REQUIRE(wait_until([&] { return (delivery = children_named(agent.pid(), "vigil-delivery")).size() == 1; }, std::chrono::seconds(30)));
  REQUIRE(::kill(delivery[0], SIGKILL) == 0);

  CHECK(wait_until([&] { return log_contains(dir / "agent.log", "killed by signal 9"); }, std::chrono::seconds(30)));
  const auto last_seen = last_seen_of(collector, device);
  const std::string after_kill = last_seen();
  CHECK(wait_until([&] { const auto now = last_seen(); return !now.empty() && now != after_kill; }, std::chrono::seconds(30)));
  std::vector<pid_t> replacement;
  CHECK(wait_until([&] { return (replacement = children_named(agent.pid(), "vigil-delivery")).size() == 1; }, std::chrono::seconds(30)));
  CHECK((replacement.empty() || replacement[0] != delivery[0]));
  CHECK(agent.running());
  check_exactly_once(collector.captures(), corpus);
  agent.signal(SIGTERM);
  CHECK(agent.wait_for(std::chrono::seconds(10)) == 0);
  // The service ends its delivery process as it stops: none is left behind.
  CHECK(wait_until([&] { return replacement.empty() || ::kill(replacement[0], 0) != 0; }, std::chrono::seconds(10)));
}

TEST_CASE("a pack not yet compiled is compiled by a separate process; if that fails the agent compiles it itself") {
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log");
  const ReplayCorpus corpus = write_replay_corpus(dir / "events.jsonl", 50, 13);

  SUBCASE("the child compiles, the agent loads from the cache") {
    const RunResult agent = run(agent_args(collector.address(), dir / "agent", dir / "events.jsonl", true), kDeliveryTimeout);
    INFO(agent.err);
    REQUIRE(agent.status == 0);
    CHECK(agent.err.find("compiled by a separate process") != std::string::npos);
    CHECK(agent.err.find("compiling here") == std::string::npos);
    bool stored = false;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "agent" / "rule-cache")) stored |= entry.path().extension() == ".hsdb";
    CHECK(stored);
  }
  SUBCASE("the cache cannot be written: the child fails, the agent says so and compiles in-process") {
    std::filesystem::create_directories(dir / "agent");
    write_file(dir / "agent" / "rule-cache", "");  // a file where the cache directory would go
    const RunResult agent = run(agent_args(collector.address(), dir / "agent", dir / "events.jsonl", true), kDeliveryTimeout);
    INFO(agent.err);
    REQUIRE(agent.status == 0);
    CHECK(agent.err.find("compiling in a separate process failed") != std::string::npos);
  }
  check_exactly_once(collector.captures(), corpus);
}
