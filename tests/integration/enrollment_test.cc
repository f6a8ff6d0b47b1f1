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

TEST_CASE("development mode never stores a capture unsealed: it waits for the collector's key, then seals to it") {
  TempDir dir;
  // Reserve a port for the development collector, then free it so nothing listens there yet.
  int port = 0;
  {
    CollectorProcess probe(dir / "collector", dir / "collector.log");
    port = probe.port();
    probe.process().signal(SIGTERM);
    REQUIRE(probe.process().wait_for(std::chrono::seconds(10)) == 0);
  }
  const std::string address = "127.0.0.1:" + std::to_string(port);
  const ReplayCorpus first = write_replay_corpus(dir / "first.jsonl", 100, 5);

  // Never heard from the collector: no key, so nothing is stored at all, and nothing is lost.
  auto args = agent_args(address, dir / "agent", dir / "first.jsonl", true);
  args.insert(args.end(), {"--timeout", "2"});
  const RunResult waiting = run(args, kDeliveryTimeout);
  CHECK(waiting.status == 1);
  CHECK(waiting.err.find("waiting for the collector's sealing key") != std::string::npos);
  CHECK(outbox_depth(dir / "agent") == 0);

  {
    // First contact: the key comes with the heartbeat acknowledgement; every capture of the
    // held events is then sealed and delivered.
    CollectorProcess collector(dir / "collector", dir / "collector.log", port);
    const RunResult delivered = run(agent_args(address, dir / "agent", dir / "first.jsonl", true), kDeliveryTimeout);
    INFO(delivered.err);
    REQUIRE(delivered.status == 0);
    CHECK(tokens_of(collector.captures()).size() == first.expected.size());
    CHECK(collector.stored_count() == first.expected.size());
    collector.process().signal(SIGTERM);
    REQUIRE(collector.process().wait_for(std::chrono::seconds(10)) == 0);
  }

  // Collector down again: captures wait in the outbox, sealed to the key it learned.
  const ReplayCorpus second = write_replay_corpus(dir / "second.jsonl", 300, 10);
  ChildProcess agent(agent_args(address, dir / "agent", dir / "second.jsonl", false), dir / "agent.log");
  REQUIRE(wait_until([&] { return outbox_depth(dir / "agent") == second.expected.size(); }, kDeliveryTimeout));
  const std::string on_disk = raw_outbox_bytes(dir / "agent");
  CHECK(on_disk.find("evt-0") == std::string::npos);
  CHECK(on_disk.find("kill") == std::string::npos);
  CHECK(on_disk.find("hates") == std::string::npos);
  CHECK(on_disk.find("firefox") == std::string::npos);
  CHECK(on_disk.find("pupil") == std::string::npos);
  CHECK(read_file(dir / "agent.log").find("UNSEALED") == std::string::npos);

  CollectorProcess collector(dir / "collector", dir / "collector.log", port);
  REQUIRE(wait_until([&] { return collector.stored_count() == first.expected.size() + second.expected.size(); }, kDeliveryTimeout));
  REQUIRE(wait_until([&] { return outbox_depth(dir / "agent") == 0; }, kDeliveryTimeout));
  agent.signal(SIGTERM);
  CHECK(agent.wait_for(std::chrono::seconds(10)) == 0);
}

TEST_CASE("enroll-token list shows id, state, uses and expiry but no secret; revoke refuses the token from then on") {
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
  const std::string data_dir = collector.data_dir().string();
  const std::string used = collector.create_token();
  const std::string spare = collector.create_token({"--uses", "3", "--expires", "12h"});
  REQUIRE(run({agent_binary(), "enroll", "--collector", collector.address(), "--token", used, "--data-dir", (dir / "a1").string()}).status == 0);

  const RunResult listed = run({collector_binary(), "enroll-token", "list", "--data-dir", data_dir, "--json"});
  INFO(listed.err);
  REQUIRE(listed.status == 0);
  const auto tokens = parse_json_lines(listed.out);
  REQUIRE(tokens.size() == 2);
  for (const std::string& token : {used, spare}) {
    const std::string secret = token.substr(token.rfind('.') + 1);
    CHECK(listed.out.find(secret) == std::string::npos);  // never the secret
  }
  CHECK(tokens[0]["state"] == "used");
  CHECK(tokens[0]["uses_left"] == 0);
  CHECK(tokens[1]["state"] == "active");
  CHECK(tokens[1]["uses_left"] == 3);
  CHECK(tokens[1]["revoked_at"].is_null());
  CHECK(tokens[1]["id"].get<std::string>().size() == 12);
  CHECK(!tokens[1]["expires_at"].get<std::string>().empty());
  const RunResult table = run({collector_binary(), "enroll-token", "list", "--data-dir", data_dir});
  REQUIRE(table.status == 0);
  CHECK(table.out.find(tokens[1]["id"].get<std::string>()) != std::string::npos);
  CHECK(table.out.find("active") != std::string::npos);

  const std::string id = tokens[1]["id"];
  const RunResult revoked = run({collector_binary(), "enroll-token", "revoke", id, "--data-dir", data_dir});
  INFO(revoked.err);
  REQUIRE(revoked.status == 0);
  const RunResult refused =
      run({agent_binary(), "enroll", "--collector", collector.address(), "--token", spare, "--data-dir", (dir / "a2").string()});
  CHECK(refused.status == 1);
  CHECK(refused.err.find("revoked") != std::string::npos);
  CHECK(parse_json_lines(run({collector_binary(), "enroll-token", "list", "--data-dir", data_dir, "--json"}).out)[1]["state"] == "revoked");

  const RunResult unknown = run({collector_binary(), "enroll-token", "revoke", "0123456789ab", "--data-dir", data_dir});
  CHECK(unknown.status == 1);
  CHECK(unknown.err.find("no enrollment token") != std::string::npos);
  const RunResult malformed = run({collector_binary(), "enroll-token", "revoke", "xyz", "--data-dir", data_dir});
  CHECK(malformed.status == 2);
  CHECK(malformed.err.find("token id") != std::string::npos);
}

TEST_CASE("failed enrollments are rate-limited per source address, with a clear error") {
  TempDir dir;
  CollectorProcess collector(dir / "collector", dir / "collector.log", 0, false);
  const std::string good = collector.create_token();
  // A token for this collector (right CA fingerprint) with a secret it never issued.
  const std::string guessed = good.substr(0, good.rfind('.') + 1) + std::string(32, '0');
  const auto enroll = [&](const std::string& token, const std::string& name) {
    return run({agent_binary(), "enroll", "--collector", collector.address(), "--token", token, "--data-dir", (dir / name).string()});
  };
  int refused_as_unknown = 0;
  RunResult last;
  for (int i = 0; i < 12; ++i) {
    last = enroll(guessed, "guess" + std::to_string(i));
    CHECK(last.status == 1);
    if (last.err.find("not known") != std::string::npos) ++refused_as_unknown;
    if (last.err.find("too many failed enrollment attempts") != std::string::npos) break;
  }
  CHECK(refused_as_unknown == 10);  // the burst
  CHECK(last.err.find("too many failed enrollment attempts from 127.0.0.1") != std::string::npos);
  CHECK(last.err.find("try again in") != std::string::npos);
  // While limited, even a good token from that address waits; the token is not spent.
  const RunResult held = enroll(good, "good");
  CHECK(held.status == 1);
  CHECK(held.err.find("too many failed enrollment attempts") != std::string::npos);
  CHECK(parse_json_lines(run({collector_binary(), "enroll-token", "list", "--data-dir", collector.data_dir().string(), "--json"}).out)[0]["uses_left"] ==
        1);
}

TEST_CASE("a device certificate is renewed over mutual TLS before it expires, and delivery carries on past the old expiry") {
  TempDir dir;
  // Certificates valid for 30 s: the agent renews once less than a third (10 s) is left.
  constexpr int kLifetimeSeconds = 30;
  const auto port_file = dir / "collector.port";
  ChildProcess server({collector_binary(), "serve", "--listen", "127.0.0.1:0", "--data-dir", (dir / "collector").string(), "--port-file",
                       port_file.string(), "--device-cert-lifetime", std::to_string(kLifetimeSeconds) + "s"},
                      dir / "collector.log");
  REQUIRE(wait_until([&] { return std::filesystem::exists(port_file); }, kDeliveryTimeout));
  const std::string address = "127.0.0.1:" + read_file(port_file).substr(0, read_file(port_file).find('\n'));
  const RunResult token = run({collector_binary(), "enroll-token", "create", "--data-dir", (dir / "collector").string()});
  REQUIRE(token.status == 0);
  const RunResult enrolled = run({agent_binary(), "enroll", "--collector", address, "--token", token.out.substr(0, token.out.size() - 1),
                                  "--data-dir", (dir / "agent").string()});
  INFO(enrolled.err);
  REQUIRE(enrolled.status == 0);
  const auto enrolled_at = std::chrono::steady_clock::now();
  const std::string original = read_file(dir / "agent" / "identity" / "device.crt");
  const std::string device = read_file(dir / "agent" / "identity" / "device_id");

  write_replay_corpus(dir / "none.jsonl", 0, 1);
  auto args = secure_agent_args(address, dir / "agent", dir / "none.jsonl", false);
  args.insert(args.end(), {"--heartbeat-interval", "1"});
  ChildProcess agent(args, dir / "agent.log");
  REQUIRE(wait_until([&] { return read_file(dir / "agent" / "identity" / "device.crt") != original; }, std::chrono::seconds(kLifetimeSeconds)));
  const auto renewed_after = std::chrono::steady_clock::now() - enrolled_at;
  CHECK(renewed_after >= std::chrono::seconds(kLifetimeSeconds * 2 / 3 - 2));  // not before it was due
  // The new certificate is on disk a moment before either side has logged it.
  CHECK(wait_until([&] { return read_file(dir / "agent.log").find("renewed the device certificate") != std::string::npos; },
                   std::chrono::seconds(10)));
  CHECK(wait_until([&] { return read_file(dir / "collector.log").find("renewed the certificate of device " + device) != std::string::npos; },
                   std::chrono::seconds(10)));

  // Past the first certificate's expiry the same device still delivers (over the new one).
  const auto expired = enrolled_at + std::chrono::seconds(kLifetimeSeconds + 1);
  REQUIRE(wait_until([&] { return std::chrono::steady_clock::now() >= expired; }, std::chrono::seconds(kLifetimeSeconds + 5)));
  agent.signal(SIGTERM);
  REQUIRE(agent.wait_for(std::chrono::seconds(10)) == 0);
  const ReplayCorpus corpus = write_replay_corpus(dir / "later.jsonl", 50, 5);
  const RunResult later = run(secure_agent_args(address, dir / "agent", dir / "later.jsonl", true), kDeliveryTimeout);
  INFO(later.err);
  REQUIRE(later.status == 0);
  const auto devices = parse_json_lines(run({collector_binary(), "devices", "--data-dir", (dir / "collector").string(), "--json"}).out);
  REQUIRE(devices.size() == 1);
  CHECK(devices[0]["id"] == device);  // the same device, not a new enrollment
  server.signal(SIGTERM);
  CHECK(server.wait_for(std::chrono::seconds(10)) == 0);
}
