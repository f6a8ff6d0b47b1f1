// The fault-injection suite: real processes, real mutual TLS over loopback, real SQLite. Every
// case asserts that each capture the agent accepted arrives exactly once, or was evicted by the
// outbox's policy and reported, and prints its totals.
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "support/process.h"
#include "support/replay_corpus.h"
#include "support/tcp_proxy.h"
#include "support/vigil_harness.h"
#include "vigil/v1/ingest.grpc.pb.h"

using namespace vigil::test;

namespace {

constexpr std::chrono::seconds kDeliveryTimeout{180};
constexpr int kAgentKills = 200;
constexpr int kCollectorRestarts = 5;
// How long an agent lives before it is killed: from "still starting" to "streaming batches".
constexpr int kMaxAgentLifeMs = 400;

struct Totals {
  size_t sent = 0;  // captures the agent accepted (expected from the corpus)
  size_t lost = 0;
  size_t duplicated = 0;
  size_t unexpected = 0;
};

Totals count(const std::vector<nlohmann::json>& captures, const ReplayCorpus& corpus) {
  std::map<std::string, int> seen;
  Totals t;
  t.sent = corpus.expected.size();
  for (const auto& c : captures) {
    const std::string token = token_in(c["text"].get<std::string>());
    if (!corpus.expected.count(token)) ++t.unexpected;
    ++seen[token];
  }
  for (const auto& [token, category] : corpus.expected) {
    if (seen[token] == 0) ++t.lost;
    if (seen[token] > 1) t.duplicated += static_cast<size_t>(seen[token] - 1);
  }
  return t;
}

void report(const std::string& name, const Totals& t, const std::string& extra = "") {
  std::cout << "[faults] " << name << ": sent " << t.sent << ", lost " << t.lost << ", duplicated " << t.duplicated
            << ", unexpected " << t.unexpected << (extra.empty() ? "" : ", " + extra) << std::endl;
}

void check_exactly_once(const Totals& t) {
  CHECK(t.lost == 0);
  CHECK(t.duplicated == 0);
  CHECK(t.unexpected == 0);
}

void wait_ms(int ms) {
  // The pause is the fault's timing (how long the victim lives), not synchronisation.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  wait_until([&] { return std::chrono::steady_clock::now() >= until; }, std::chrono::milliseconds(ms + 1000));
}

}  // namespace

TEST_CASE("SIGKILL the agent 200 times while captures stream: every capture arrives exactly once") {
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
  enroll_agent(collector, dir / "agent");
  // The events arrive while the agent lives and dies: before each life another slice is appended
  // to the replay file (only while no agent runs, so a line is never half-written), so every
  // agent has fresh events to scan and captures to send when it is killed.
  const ReplayCorpus corpus = write_replay_corpus(dir / "all.jsonl", 40000, 4);
  std::vector<std::string> lines;
  {
    std::istringstream in(read_file(dir / "all.jsonl"));
    for (std::string line; std::getline(in, line);) lines.push_back(line + "\n");
  }
  const size_t slice = lines.size() / kAgentKills;
  // Without --once the agent never exits by itself, so every life ends in a SIGKILL; batches of
  // one keep it sending for most of its life.
  auto args = secure_agent_args(collector.address(), dir / "agent", dir / "events.jsonl", false);
  args.insert(args.end(), {"--batch-size", "1"});
  auto final_args = secure_agent_args(collector.address(), dir / "agent", dir / "events.jsonl", true);

  std::mt19937 rng(20261126);
  int killed = 0;
  int killed_with_captures_waiting = 0;
  std::string replay;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kAgentKills; ++i) {
    for (size_t l = static_cast<size_t>(i) * slice; l < static_cast<size_t>(i + 1) * slice; ++l) replay += lines[l];
    write_file(dir / "events.jsonl", replay);
    ChildProcess agent(args, dir / "agent.log");
    wait_ms(static_cast<int>(rng() % kMaxAgentLifeMs));
    if (agent.running()) {
      ++killed;
      agent.signal(SIGKILL);
    }
    REQUIRE(agent.wait_for(std::chrono::seconds(10)).has_value());
    if (outbox_depth(dir / "agent") > 0) ++killed_with_captures_waiting;
  }
  for (size_t l = static_cast<size_t>(kAgentKills) * slice; l < lines.size(); ++l) replay += lines[l];
  write_file(dir / "events.jsonl", replay);
  const auto kill_phase = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  const uint64_t stored_during_kills = collector.stored_count();
  INFO("stored during the kill phase: " << stored_during_kills);
  CHECK(killed == kAgentKills);
  CHECK(killed_with_captures_waiting >= kAgentKills / 5);  // many kills really hit captures in flight
  CHECK(stored_during_kills > 0);

  const RunResult finish = run(final_args, kDeliveryTimeout);
  INFO(finish.err);
  REQUIRE(finish.status == 0);
  const Totals t = count(collector.captures(), corpus);
  report("agent SIGKILL x" + std::to_string(killed), t,
         std::to_string(killed_with_captures_waiting) + " kills with captures waiting in the outbox, kill phase " +
             std::to_string(kill_phase.count()) + " s, stored before the final run " + std::to_string(stored_during_kills));
  check_exactly_once(t);
}

TEST_CASE("SIGKILL and restart the collector repeatedly: nothing lost or duplicated, recovery without anyone acting") {
  TempDir dir;
  auto collector = std::make_unique<CollectorProcess>(dir / "collector", dir / "collector.log", 0, false);
  const int port = collector->port();
  enroll_agent(*collector, dir / "agent");
  const ReplayCorpus corpus = write_replay_corpus(dir / "events.jsonl", 20000, 5);
  auto args = secure_agent_args(collector->address(), dir / "agent", dir / "events.jsonl", false);
  args.insert(args.end(), {"--batch-size", "4"});
  ChildProcess agent(args, dir / "agent.log");

  const size_t total = corpus.expected.size();
  std::vector<double> recovery_ms;
  for (int i = 0; i < kCollectorRestarts; ++i) {
    const uint64_t target = total * static_cast<size_t>(i + 1) / (kCollectorRestarts + 2);
    REQUIRE(wait_until([&] { return collector->stored_count() >= target; }, kDeliveryTimeout));
    collector->process().signal(SIGKILL);
    REQUIRE(collector->process().wait_for(std::chrono::seconds(10)).has_value());
    const uint64_t at_kill = collector->stored_count();
    collector = std::make_unique<CollectorProcess>(dir / "collector", dir / "collector.log", port, false);
    const auto restarted = std::chrono::steady_clock::now();
    REQUIRE(wait_until([&] { return collector->stored_count() > at_kill; }, kDeliveryTimeout));
    recovery_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - restarted).count());
  }
  REQUIRE(wait_until([&] { return collector->stored_count() >= total && outbox_depth(dir / "agent") == 0; }, kDeliveryTimeout));
  agent.signal(SIGTERM);
  CHECK(agent.wait_for(std::chrono::seconds(10)) == 0);

  double worst = 0, sum = 0;
  for (double ms : recovery_ms) {
    worst = std::max(worst, ms);
    sum += ms;
  }
  const Totals t = count(collector->captures(), corpus);
  report("collector SIGKILL+restart x" + std::to_string(kCollectorRestarts), t,
         "recovery after restart: mean " + std::to_string(static_cast<int>(sum / static_cast<double>(recovery_ms.size()))) + " ms, worst " +
             std::to_string(static_cast<int>(worst)) + " ms");
  check_exactly_once(t);
}

TEST_CASE("a proxy that drops, delays, duplicates and cuts connections mid-frame: exactly once once the network heals") {
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
  enroll_agent(collector, dir / "agent");
  TcpProxy proxy(collector.port());
  proxy.set_mode(TcpProxy::Mode::kChaos);
  const ReplayCorpus corpus = write_replay_corpus(dir / "events.jsonl", 5000, 5);
  auto args = secure_agent_args("127.0.0.1:" + std::to_string(proxy.port()), dir / "agent", dir / "events.jsonl", false);
  args.insert(args.end(), {"--batch-size", "4"});
  ChildProcess agent(args, dir / "agent.log");

  // Chaos until every kind of fault has hit a connection several times and some captures got through.
  REQUIRE(wait_until([&] {
    const auto s = proxy.stats();
    return s.dropped >= 3 && s.cut >= 3 && s.duplicated >= 3 && s.delayed >= 3 && collector.stored_count() > 0;
  }, kDeliveryTimeout));
  const auto s = proxy.stats();
  const uint64_t during_chaos = collector.stored_count();
  proxy.set_mode(TcpProxy::Mode::kPass);
  REQUIRE(wait_until([&] { return outbox_depth(dir / "agent") == 0 && collector.stored_count() >= corpus.expected.size(); }, kDeliveryTimeout));
  agent.signal(SIGTERM);
  CHECK(agent.wait_for(std::chrono::seconds(10)) == 0);
  const Totals t = count(collector.captures(), corpus);
  report("tcp proxy chaos", t,
         std::to_string(s.connections) + " connections (" + std::to_string(s.dropped) + " dropped, " + std::to_string(s.cut) + " cut mid-frame, " +
             std::to_string(s.duplicated) + " with duplicated bytes, " + std::to_string(s.delayed) + " delayed), " +
             std::to_string(during_chaos) + " stored during chaos");
  check_exactly_once(t);
}

TEST_CASE("a corrupted outbox is quarantined, the agent starts afresh and reports it") {
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
  const std::string device = enroll_agent(collector, dir / "agent");
  write_replay_corpus(dir / "first.jsonl", 50, 5);
  REQUIRE(run(secure_agent_args(collector.address(), dir / "agent", dir / "first.jsonl", true), kDeliveryTimeout).status == 0);

  std::filesystem::remove(dir / "agent" / "outbox.db-wal");
  std::filesystem::remove(dir / "agent" / "outbox.db-shm");
  write_file(dir / "agent" / "outbox.db", std::string(16384, '\x5a'));

  const ReplayCorpus second = write_replay_corpus(dir / "second.jsonl", 100, 5);
  auto args = secure_agent_args(collector.address(), dir / "agent", dir / "second.jsonl", true);
  args.insert(args.end(), {"--heartbeat-interval", "1"});
  const RunResult r = run(args, kDeliveryTimeout);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("quarantined as outbox.db.corrupt-") != std::string::npos);
  bool kept = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "agent")) {
    kept = kept || entry.path().filename().string().rfind("outbox.db.corrupt-", 0) == 0;
  }
  CHECK(kept);  // moved aside, never deleted
  const auto devices = collector.devices();
  REQUIRE(devices.size() == 1);
  CHECK(devices[0]["coverage"]["outbox_problem"].get<std::string>().find("corrupt") != std::string::npos);
  CHECK(collector.stored_count() == 10 + second.expected.size());
}

TEST_CASE("a full outbox evicts by policy and reports it; what it kept arrives exactly once") {
  TempDir dir;
  auto collector = std::make_unique<CollectorProcess>(dir / "collector", dir / "collector.log", 0, false);
  enroll_agent(*collector, dir / "agent");
  const int port = collector->port();
  collector.reset();  // SIGKILLed: down while the agent fills its outbox

  const ReplayCorpus corpus = write_replay_corpus(dir / "events.jsonl", 2000, 4);  // 500 captures
  auto args = secure_agent_args("127.0.0.1:" + std::to_string(port), dir / "agent", dir / "events.jsonl", false);
  args.insert(args.end(), {"--outbox-max-bytes", "65536", "--heartbeat-interval", "1"});
  ChildProcess agent(args, dir / "agent.log");
  REQUIRE(wait_until([&] { return read_file(dir / "agent.log").find("source replay") != std::string::npos &&
                                  read_file(dir / "agent.log").find("finished") != std::string::npos; },
                     kDeliveryTimeout));
  CHECK(read_file(dir / "agent.log").find("evicted by policy") != std::string::npos);

  collector = std::make_unique<CollectorProcess>(dir / "collector", dir / "collector.log", port, false);
  REQUIRE(wait_until([&] { return outbox_depth(dir / "agent") == 0; }, kDeliveryTimeout));
  nlohmann::json device;
  REQUIRE(wait_until([&] {
    device = collector->devices().at(0);
    return device["coverage"]["evicted_captures"].get<uint64_t>() > 0 && device["outbox_depth"] == 0;
  }, kDeliveryTimeout));
  agent.signal(SIGTERM);
  CHECK(agent.wait_for(std::chrono::seconds(10)) == 0);

  // Every capture either arrived once or was evicted by policy and reported. Severity >= 4 ones
  // are never evicted: when the outbox was full they arrived with 40 characters of context, which
  // may no longer include the test's token, so those are counted by the trimmed total instead.
  const auto captures = collector->captures();
  std::map<std::string, int> seen;
  size_t without_token = 0;
  for (const auto& c : captures) {
    const std::string token = token_in(c["text"].get<std::string>());
    if (token.empty()) {
      ++without_token;
      CHECK(c["hits"][0]["severity"].get<int>() >= 4);
    }
    ++seen[token];
  }
  const uint64_t evicted = device["coverage"]["evicted_captures"].get<uint64_t>();
  const uint64_t trimmed = device["coverage"]["trimmed_captures"].get<uint64_t>();
  // Each eviction is reported individually (id, severity, category, times; no content).
  std::vector<nlohmann::json> evictions;
  REQUIRE(wait_until([&] {
    evictions = collector->evictions();
    return evictions.size() >= evicted;
  }, kDeliveryTimeout));
  std::set<std::string> arrived_ids;
  for (const auto& c : captures) arrived_ids.insert(c["id"].get<std::string>());
  std::set<std::string> evicted_ids;
  for (const auto& e : evictions) {
    evicted_ids.insert(e["id"].get<std::string>());
    CHECK(e["severity"].get<int>() < 4);
    CHECK((e["category"] == "bullying" || e["category"] == "drugs"));  // the corpus's severity 3 lines
    CHECK(e["device"] == device["id"]);
    CHECK(!e.contains("text"));
    CHECK(arrived_ids.count(e["id"].get<std::string>()) == 0);  // evicted means never delivered
  }
  CHECK(evicted_ids.size() == evictions.size());  // each reported once
  CHECK(collector->devices().at(0)["coverage"]["evictions_recorded"].get<uint64_t>() == evictions.size());
  Totals t;
  t.sent = corpus.expected.size();
  size_t severe_missing = 0;
  for (const auto& [token, category] : corpus.expected) {
    if (seen[token] > 1) t.duplicated += static_cast<size_t>(seen[token] - 1);
    if (seen[token] == 0) {
      ++t.lost;
      // Which corpus line the token carries (see replay_corpus.cc): lines 3 and 5 are severity 3.
      const int line = (std::stoi(token.substr(4)) / 4) % 6;
      if (line != 3 && line != 5) ++severe_missing;
    }
  }
  report("full outbox (64 KiB)", t,
         "arrived " + std::to_string(captures.size()) + ", evicted (reported) " + std::to_string(evictions.size()) + ", " +
             std::to_string(evicted) + " evicted by policy and reported, " + std::to_string(trimmed) + " severity >= 4 kept with less context (" +
             std::to_string(without_token) + " of them without the test token)");
  CHECK(evicted > 0);
  CHECK(trimmed > 0);
  CHECK(severe_missing == without_token);   // no severity >= 4 capture was lost, only shortened
  CHECK(without_token <= trimmed);
  CHECK(t.lost == evicted + without_token);  // every other missing capture is a reported eviction
  CHECK(captures.size() == t.sent - evicted);
  CHECK(evictions.size() == evicted);
  CHECK(t.sent == captures.size() + evictions.size());  // sent = arrived + evicted (reported)
  CHECK(t.duplicated == 0);
}

namespace {

// A small tmpfs as the agent's data dir, unmounted however the test ends.
class SmallDisk {
 public:
  SmallDisk(const std::filesystem::path& mount_point, const std::string& size) : path_(mount_point) {
    std::filesystem::create_directories(mount_point);
    const std::string options = "size=" + size + ",mode=0700";
    if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::filesystem::path path_;
  bool mounted_ = false;
  std::string error_;
};

// Fills the file system holding `file` to the last byte; returns how much it wrote.
uint64_t fill_disk(const std::filesystem::path& file) {
  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (!f) return 0;
  std::setvbuf(f, nullptr, _IONBF, 0);
  const std::string block(4096, 'f');
  uint64_t written = 0;
  for (size_t chunk = block.size(); chunk > 0;) {
    const size_t n = std::fwrite(block.data(), 1, chunk, f);
    written += n;
    if (n < chunk) chunk /= 2;  // the last blocks may be partial
  }
  std::fclose(f);
  return written;
}

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("disk full on the agent: it keeps running, holds its events, reports it and recovers by itself exactly once") {
  if (::geteuid() != 0) {
    std::cout << "[faults] disk full: SKIPPED, mounting a small tmpfs needs root (CI runs as root)" << std::endl;
    MESSAGE("skipped: mounting a small tmpfs needs root");
    return;
  }
  TempDir dir;
  SmallDisk disk(dir / "disk", "3m");
  REQUIRE_MESSAGE(disk.mounted(), "mount -t tmpfs failed as root: " << disk.error());
  const auto agent_dir = dir / "disk" / "agent";
  auto collector = std::make_unique<CollectorProcess>(dir / "collector", dir / "collector.log", 0, false);
  const std::string device = enroll_agent(*collector, agent_dir);
  const int port = collector->port();
  collector.reset();  // down while the disk fills

  // About two and a half times what the 3 MiB disk holds (less the 1 MiB the outbox keeps free):
  // everything after the first fill only fits because forwarding frees space.
  const ReplayCorpus corpus = write_replay_corpus(dir / "events.jsonl", 16000, 2);
  auto args = secure_agent_args("127.0.0.1:" + std::to_string(port), agent_dir, dir / "events.jsonl", false);
  // The byte bound is set far above the disk, so only the disk limits the outbox here.
  args.insert(args.end(), {"--outbox-max-bytes", std::to_string(uint64_t{1} << 30), "--heartbeat-interval", "1"});
  const std::string full_message = "outbox cannot store captures: disk full";
  auto agent = std::make_unique<ChildProcess>(args, dir / "agent1.log");
  REQUIRE(wait_until([&] { return read_file(dir / "agent1.log").find(full_message) != std::string::npos; }, kDeliveryTimeout));
  CHECK(agent->running());
  const uint64_t held_first = outbox_depth(agent_dir);

  // Then something else takes the last bytes (the reserve too), and the agent dies and restarts
  // on a disk with no free byte at all.
  const uint64_t filler = fill_disk(dir / "disk" / "filler");
  agent->signal(SIGKILL);
  REQUIRE(agent->wait_for(std::chrono::seconds(10)).has_value());
  agent = std::make_unique<ChildProcess>(args, dir / "agent2.log");
  REQUIRE(wait_until([&] { return read_file(dir / "agent2.log").find(full_message) != std::string::npos || !agent->running(); },
                     kDeliveryTimeout));
  REQUIRE(agent->running());

  // The collector comes back: the first heartbeat tells it about the full disk.
  const auto collector_up = std::chrono::steady_clock::now();
  collector = std::make_unique<CollectorProcess>(dir / "collector", dir / "collector.log", port, false);
  nlohmann::json reported;
  REQUIRE(wait_until([&] {
    const auto devices = collector->devices();
    if (devices.empty()) return false;
    reported = devices[0];
    return reported["coverage"]["outbox_problem"].get<std::string>().find("disk full") != std::string::npos;
  }, kDeliveryTimeout));
  CHECK(reported["id"] == device);
  CHECK(reported["last_error"].get<std::string>().find("disk full") != std::string::npos);

  // Space frees (the other file goes); nobody touches the agent.
  std::filesystem::remove(dir / "disk" / "filler");
  const auto freed = std::chrono::steady_clock::now();
  REQUIRE(wait_until([&] { return collector->stored_count() >= corpus.expected.size() && outbox_depth(agent_dir) == 0; }, kDeliveryTimeout));
  const auto recovered = std::chrono::steady_clock::now();
  CHECK(agent->running());
  // ...and the fleet view shows the problem gone.
  CHECK(wait_until([&] { return collector->devices().at(0)["coverage"]["outbox_problem"] == ""; }, kDeliveryTimeout));
  agent->signal(SIGTERM);
  CHECK(agent->wait_for(std::chrono::seconds(10)) == 0);

  const std::string log2 = read_file(dir / "agent2.log");
  // Logged once per episode, however many retries it took.
  CHECK(occurrences(log2, full_message) >= 1);
  CHECK(occurrences(log2, full_message) <= occurrences(log2, "outbox stores captures again") + 1);
  CHECK(occurrences(log2, "outbox stores captures again") >= 1);
  const auto captures = collector->captures();
  const auto evictions = collector->evictions();
  const Totals t = count(captures, corpus);
  const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  report("disk full (3 MiB tmpfs)", t,
         "arrived " + std::to_string(captures.size()) + ", evicted (reported) " + std::to_string(evictions.size()) + ", " +
             std::to_string(held_first) + " held when the disk first filled, filler " + std::to_string(filler) +
             " bytes, recovery " + std::to_string(ms(recovered - freed)) + " ms after space freed (" +
             std::to_string(ms(recovered - collector_up)) + " ms after the collector came back)");
  check_exactly_once(t);
  CHECK(evictions.empty());
  CHECK(t.sent == captures.size() + evictions.size());
  CHECK(held_first > 0);
  CHECK(held_first < corpus.expected.size());  // the disk really was the limit
}

namespace {

std::shared_ptr<grpc::Channel> device_channel(const std::filesystem::path& agent_dir, int port, bool with_certificate) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = read_file(agent_dir / "identity" / "ca.crt");
  if (with_certificate) {
    tls.pem_private_key = read_file(agent_dir / "identity" / "device.key");
    tls.pem_cert_chain = read_file(agent_dir / "identity" / "device.crt");
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("vigil-collector");
  args.SetMaxSendMessageSize(64 * 1024 * 1024);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::SslCredentials(tls), args);
}

// One message on one stream: the status, and the reply if there was one.
grpc::Status exchange(const std::shared_ptr<grpc::Channel>& channel, const vigil::v1::AgentMessage& message, vigil::v1::CollectorMessage* reply) {
  auto stub = vigil::v1::Ingest::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto stream = stub->Stream(&context);
  stream->Write(message);
  stream->WritesDone();
  vigil::v1::CollectorMessage ignored;
  stream->Read(reply ? reply : &ignored);
  return stream->Finish();
}

}  // namespace

TEST_CASE("malformed, oversize and unauthenticated messages are refused with a reason; others are unaffected") {
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
  enroll_agent(collector, dir / "attacker");
  enroll_agent(collector, dir / "agent");
  const ReplayCorpus corpus = write_replay_corpus(dir / "events.jsonl", 3000, 5);
  auto args = secure_agent_args(collector.address(), dir / "agent", dir / "events.jsonl", false);
  args.insert(args.end(), {"--batch-size", "4"});
  ChildProcess agent(args, dir / "agent.log");
  auto channel = device_channel(dir / "attacker", collector.port(), true);

  SUBCASE("oversize") {
    vigil::v1::AgentMessage huge;
    auto* c = huge.mutable_batch()->add_captures();
    c->set_id(std::string(16, 'x'));
    c->set_text(std::string(5 * 1024 * 1024, 'a'));
    const grpc::Status status = exchange(channel, huge, nullptr);
    CHECK(status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    INFO(status.error_message());
  }
  SUBCASE("malformed capture and empty message") {
    vigil::v1::AgentMessage bad;
    auto* c = bad.mutable_batch()->add_captures();
    c->set_id("short");
    vigil::v1::CollectorMessage reply;
    REQUIRE(exchange(channel, bad, &reply).ok());
    REQUIRE(reply.batch_ack().rejected_size() == 1);
    CHECK(reply.batch_ack().rejected(0).reason().find("id") != std::string::npos);
    const grpc::Status empty = exchange(channel, vigil::v1::AgentMessage(), nullptr);
    CHECK(empty.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(empty.error_message().find("empty agent message") != std::string::npos);
  }
  SUBCASE("no client certificate") {
    vigil::v1::AgentMessage hb;
    hb.mutable_heartbeat()->set_device_id("spoofed");
    const grpc::Status status = exchange(device_channel(dir / "attacker", collector.port(), false), hb, nullptr);
    CHECK(status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(status.error_message().find("enroll") != std::string::npos);
  }
  SUBCASE("garbage bytes on the port") {
    for (int i = 0; i < 20; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(collector.port()));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const std::string junk = "GET / HTTP/1.1\r\n\r\n" + std::string(4096, '\xff');
        (void)!::write(fd, junk.data(), junk.size());
      }
      ::close(fd);
    }
  }

  REQUIRE(wait_until([&] { return collector.stored_count() >= corpus.expected.size() && outbox_depth(dir / "agent") == 0; }, kDeliveryTimeout));
  CHECK(collector.process().running());
  agent.signal(SIGTERM);
  CHECK(agent.wait_for(std::chrono::seconds(10)) == 0);
  const Totals t = count(collector.captures(), corpus);
  report("bad input alongside a good agent", t);
  check_exactly_once(t);
}

TEST_CASE("thousands of idle connections do not starve an enrolled agent, and are dropped after the handshake timeout") {
  constexpr int kIdleConnections = 2000;
  // The test itself needs the descriptors for its side of the connections.
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  REQUIRE(limit.rlim_cur > kIdleConnections + 200);

  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
  enroll_agent(collector, dir / "agent");
  std::vector<int> idle;
  for (int i = 0; i < kIdleConnections; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(collector.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      break;
    }
    idle.push_back(fd);  // connected, never says a word
  }
  CHECK(idle.size() == static_cast<size_t>(kIdleConnections));

  const ReplayCorpus corpus = write_replay_corpus(dir / "events.jsonl", 500, 5);
  const auto started = std::chrono::steady_clock::now();
  const RunResult r = run(secure_agent_args(collector.address(), dir / "agent", dir / "events.jsonl", true), kDeliveryTimeout);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(collector.process().running());

  // The collector gives up on connections that never handshake (kHandshakeTimeout, 10 s).
  size_t closed_by_collector = 0;
  REQUIRE(wait_until([&] {
    closed_by_collector = 0;
    for (int fd : idle) {
      char byte;
      if (::recv(fd, &byte, 1, MSG_DONTWAIT) == 0) ++closed_by_collector;
    }
    return closed_by_collector == idle.size();
  }, std::chrono::seconds(60)));
  for (int fd : idle) ::close(fd);
  const Totals t = count(collector.captures(), corpus);
  report(std::to_string(idle.size()) + " idle connections", t,
         "agent delivered in " + std::to_string(took.count()) + " ms alongside them; all idle ones closed by the collector");
  check_exactly_once(t);
}

namespace {

std::string faketime_library() {
  for (const char* path : {"/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
                           "/usr/lib/faketime/libfaketimeMT.so.1"}) {
    if (std::filesystem::exists(path)) return path;
  }
  return {};
}

// Sets environment variables for children started in its lifetime, then restores them.
class ScopedEnv {
 public:
  void set(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else ::unsetenv(it->first.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

}  // namespace

TEST_CASE("the agent's wall clock jumps 30 days back and then 400 days forward while captures stream: exactly once") {
  const std::string faketime = faketime_library();
  REQUIRE_MESSAGE(!faketime.empty(), "libfaketime is missing (scripts/bootstrap installs the faketime package)");
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
  enroll_agent(collector, dir / "agent");
  const ReplayCorpus corpus = write_replay_corpus(dir / "events.jsonl", 6000, 5);
  write_file(dir / "clock", "+0\n");
  auto args = secure_agent_args(collector.address(), dir / "agent", dir / "events.jsonl", false);
  args.insert(args.end(), {"--batch-size", "2"});
  std::unique_ptr<ChildProcess> agent;
  {
    // Only the wall clock jumps, as on a real PC (NTP, a dead CMOS battery); monotonic time never does.
    ScopedEnv env;
    env.set("LD_PRELOAD", faketime);
    env.set("FAKETIME_TIMESTAMP_FILE", (dir / "clock").string());
    env.set("FAKETIME_NO_CACHE", "1");
    env.set("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    const char* asan = std::getenv("ASAN_OPTIONS");
    // The preloaded library comes before the sanitizer runtime; that is intended here.
    env.set("ASAN_OPTIONS", std::string(asan ? asan : "") + ":verify_asan_link_order=0:detect_leaks=0");
    agent = std::make_unique<ChildProcess>(args, dir / "agent.log");
  }
  const size_t total = corpus.expected.size();
  REQUIRE(wait_until([&] { return collector.stored_count() >= total / 4; }, kDeliveryTimeout));
  write_file(dir / "clock", "-30d\n");
  const uint64_t at_back = collector.stored_count();
  REQUIRE(wait_until([&] { return collector.stored_count() >= at_back + total / 4; }, kDeliveryTimeout));
  write_file(dir / "clock", "+400d\n");
  const uint64_t at_forward = collector.stored_count();
  INFO(read_file(dir / "agent.log").substr(0, 4000));
  REQUIRE(wait_until([&] { return collector.stored_count() >= total && outbox_depth(dir / "agent") == 0; }, kDeliveryTimeout));
  agent->signal(SIGTERM);
  CHECK(agent->wait_for(std::chrono::seconds(10)) == 0);
  const Totals t = count(collector.captures(), corpus);
  report("agent clock -30 d then +400 d", t,
         std::to_string(at_back) + " stored before the jump back, " + std::to_string(at_forward) + " before the jump forward");
  check_exactly_once(t);
  CHECK(at_forward < total);  // the jumps happened while captures were still streaming
}
