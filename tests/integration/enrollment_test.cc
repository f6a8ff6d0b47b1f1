// Enrollment, mutual TLS, revocation, sealing at rest and the fleet view, through real processes.
#include <doctest/doctest.h>
#include <signal.h>

#include <map>
#include <set>

#include "support/process.h"
#include "support/replay_corpus.h"
#include "support/vigil_harness.h"

using namespace vigil::test;

namespace {

constexpr std::chrono::seconds kDeliveryTimeout{120};

std::string raw_outbox_bytes(const std::filesystem::path& agent_dir) {
  return read_file(agent_dir / "outbox.db") + read_file(agent_dir / "outbox.db-wal");
}

std::set<std::string> tokens_of(const std::vector<nlohmann::json>& captures) {
  std::set<std::string> out;
  for (const auto& c : captures) out.insert(token_in(c["text"].get<std::string>()));
  return out;
}

}  // namespace

TEST_CASE("enroll-token prints the token alone; an enrolled agent delivers over mutual TLS, sealed at rest") {
  TempDir dir;
  int port = 0;
  {
    CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
    port = collector.port();
    const RunResult token = run({collector_binary(), "enroll-token", "create", "--data-dir", (dir / "collector").string()});
    REQUIRE(token.status == 0);
    CHECK(token.out.rfind("vigil1.", 0) == 0);
    CHECK(std::count(token.out.begin(), token.out.end(), '\n') == 1);
    CHECK(token.out.size() == std::string("vigil1.").size() + 64 + 1 + 32 + 1);

    const RunResult enrolled = run({agent_binary(), "enroll", "--collector", collector.address(), "--token", token.out.substr(0, token.out.size() - 1),
                                    "--data-dir", (dir / "agent").string()});
    INFO(enrolled.err);
    REQUIRE(enrolled.status == 0);
    CHECK(enrolled.out.size() == 36 + 1);  // the device id
    CHECK(std::filesystem::exists(dir / "agent" / "identity" / "device.key"));
    CHECK((std::filesystem::status(dir / "agent" / "identity" / "device.key").permissions() & std::filesystem::perms::others_read) ==
          std::filesystem::perms::none);
    collector.process().signal(SIGTERM);
    REQUIRE(collector.process().wait_for(std::chrono::seconds(10)) == 0);
  }

  // With the collector down, captures wait in the outbox: sealed, so no pupil text is on disk.
  const ReplayCorpus corpus = write_replay_corpus(dir / "events.jsonl", 300, 10);
  ChildProcess agent(secure_agent_args("127.0.0.1:" + std::to_string(port), dir / "agent", dir / "events.jsonl", false), dir / "agent.log");
  REQUIRE(wait_until([&] { return outbox_depth(dir / "agent") == corpus.expected.size(); }, kDeliveryTimeout));
  const std::string on_disk = raw_outbox_bytes(dir / "agent");
  CHECK(on_disk.find("evt-0") == std::string::npos);
  CHECK(on_disk.find("kill") == std::string::npos);
  CHECK(on_disk.find("hates") == std::string::npos);
  CHECK(on_disk.find("firefox") == std::string::npos);

  CollectorProcess collector(dir / "collector", dir / "collector.log", port, false);
  REQUIRE(wait_until([&] { return collector.stored_count() == corpus.expected.size(); }, kDeliveryTimeout));
  const auto captures = collector.captures();
  CHECK(tokens_of(captures).size() == corpus.expected.size());
  const std::string device = read_file(dir / "agent" / "identity" / "device_id");
  for (const auto& c : captures) CHECK(c["device"] == device);  // named by the certificate
  agent.signal(SIGTERM);
  CHECK(agent.wait_for(std::chrono::seconds(10)) == 0);
}

TEST_CASE("tokens: replayed, used up, expired, malformed or for another collector are refused with a clear reason") {
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
  const auto enroll = [&](const std::string& token, const std::string& name) {
    return run({agent_binary(), "enroll", "--collector", collector.address(), "--token", token, "--data-dir", (dir / name).string()});
  };

  const std::string once = collector.create_token();
  CHECK(enroll(once, "a1").status == 0);
  const RunResult replayed = enroll(once, "a2");
  CHECK(replayed.status == 1);
  CHECK(replayed.err.find("already been used") != std::string::npos);
  CHECK(!std::filesystem::exists(dir / "a2" / "identity"));

  const std::string twice = collector.create_token({"--uses", "2"});
  CHECK(enroll(twice, "b1").status == 0);
  CHECK(enroll(twice, "b2").status == 0);
  CHECK(enroll(twice, "b3").err.find("already been used") != std::string::npos);

  const std::string brief = collector.create_token({"--expires", "1s"});
  const auto expiry = std::chrono::steady_clock::now() + std::chrono::milliseconds(1100);
  REQUIRE(wait_until([&] { return std::chrono::steady_clock::now() >= expiry; }, std::chrono::seconds(5)));
  const RunResult expired = enroll(brief, "c1");
  CHECK(expired.status == 1);
  CHECK(expired.err.find("expired") != std::string::npos);

  const RunResult garbled = enroll("vigil1.abc.def", "d1");
  CHECK(garbled.status == 2);
  CHECK(garbled.err.find("enrollment token") != std::string::npos);

  // A token carries its collector's CA fingerprint: another collector is refused before anything is sent.
  CollectorProcess other(dir / "other", dir / "other.log", 0, false);
  const RunResult wrong = run({agent_binary(), "enroll", "--collector", other.address(), "--token", collector.create_token(), "--data-dir",
                               (dir / "e1").string()});
  CHECK(wrong.status == 1);
  CHECK(wrong.err.find("fingerprint") != std::string::npos);

  const RunResult bad_expiry = run({collector_binary(), "enroll-token", "create", "--data-dir", (dir / "collector").string(), "--expires", "soon"});
  CHECK(bad_expiry.status == 2);
  CHECK(bad_expiry.err.find("--expires") != std::string::npos);
}

TEST_CASE("only enrolled devices talk: plaintext, unenrolled and other-CA agents are refused; a revoked device at once") {
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
  const std::string device = enroll_agent(collector, dir / "agent");
  write_replay_corpus(dir / "first.jsonl", 50, 5);
  auto first = secure_agent_args(collector.address(), dir / "agent", dir / "first.jsonl", true);
  first.insert(first.end(), {"--heartbeat-interval", "1"});
  const RunResult delivered = run(first, kDeliveryTimeout);
  INFO(delivered.err);
  REQUIRE(delivered.status == 0);
  CHECK(collector.stored_count() == 10);

  SUBCASE("not enrolled, no --insecure-loopback: the agent says how to enroll") {
    const RunResult r = run(secure_agent_args(collector.address(), dir / "fresh", dir / "first.jsonl", true), kDeliveryTimeout);
    CHECK(r.status == 1);
    CHECK(r.err.find("not enrolled") != std::string::npos);
  }
  SUBCASE("a plaintext agent gets nothing through") {
    auto args = agent_args(collector.address(), dir / "plain", dir / "first.jsonl", true);
    args.insert(args.end(), {"--timeout", "3"});
    const RunResult r = run(args, kDeliveryTimeout);
    CHECK(r.status == 1);
    CHECK(collector.stored_count() == 10);
  }
  SUBCASE("a device enrolled with another collector is refused") {
    CollectorProcess other(dir / "other", dir / "other.log", 0, false);
    enroll_agent(other, dir / "stranger");
    auto args = secure_agent_args(collector.address(), dir / "stranger", dir / "first.jsonl", true);
    args.insert(args.end(), {"--timeout", "3"});
    const RunResult r = run(args, kDeliveryTimeout);
    CHECK(r.status == 1);
    CHECK(collector.stored_count() == 10);
  }
  SUBCASE("revoked: refused with the reason, captures kept on the device") {
    auto devices = collector.devices();
    REQUIRE(devices.size() == 1);
    CHECK(devices[0]["id"] == device);
    CHECK(devices[0]["state"] == "ok");
    const RunResult revoke = run({collector_binary(), "devices", "revoke", device, "--data-dir", collector.data_dir().string()});
    INFO(revoke.err);
    REQUIRE(revoke.status == 0);
    CHECK(collector.devices()[0]["state"] == "revoked");
    const RunResult unknown = run({collector_binary(), "devices", "revoke", "no-such-device", "--data-dir", collector.data_dir().string()});
    CHECK(unknown.status == 1);
    CHECK(unknown.err.find("no-such-device") != std::string::npos);

    write_replay_corpus(dir / "second.jsonl", 50, 5);
    auto args = secure_agent_args(collector.address(), dir / "agent", dir / "second.jsonl", true);
    args.insert(args.end(), {"--timeout", "3"});
    const RunResult r = run(args, kDeliveryTimeout);
    CHECK(r.status == 1);
    CHECK(r.err.find("has been revoked") != std::string::npos);
    CHECK(collector.stored_count() == 10);
    CHECK(outbox_depth(dir / "agent") == 10);
  }
}

TEST_CASE("devices --json: id, hostname, last_seen, state (ok, silent), versions and coverage, while serve runs") {
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
  const std::string device = enroll_agent(collector, dir / "agent");
  const auto enrolled = collector.devices();
  REQUIRE(enrolled.size() == 1);
  CHECK(enrolled[0]["state"] == "silent");  // enrolled, never heard from
  CHECK(enrolled[0]["last_seen"].is_null());

  write_replay_corpus(dir / "events.jsonl", 20, 5);
  auto args = secure_agent_args(collector.address(), dir / "agent", dir / "events.jsonl", false);
  args.insert(args.end(), {"--heartbeat-interval", "1"});
  ChildProcess agent(args, dir / "agent.log");
  nlohmann::json d;
  REQUIRE(wait_until([&] {
    d = collector.devices().at(0);
    return d["state"] == "ok";
  }, kDeliveryTimeout));
  CHECK(d["id"] == device);
  CHECK(!d["hostname"].get<std::string>().empty());
  CHECK(d["agent_version"] == VIGIL_VERSION);
  CHECK(!d["rule_pack_version"].get<std::string>().empty());
  CHECK(d["heartbeat_interval_s"] == 1);
  CHECK(d["coverage"]["sources"].size() == 1);
  CHECK(d["coverage"]["evicted_captures"] == 0);

  // Three missed heartbeats (3 s here) and the device is silent, with no coverage.
  agent.signal(SIGKILL);
  REQUIRE(agent.wait_for(std::chrono::seconds(10)).has_value());
  REQUIRE(wait_until([&] { return collector.devices().at(0)["state"] == "silent"; }, std::chrono::seconds(30)));
  CHECK(collector.devices().at(0)["coverage"]["state"] == "none");
}
