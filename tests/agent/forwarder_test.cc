#include "forward/forwarder.h"

#include <doctest/doctest.h>

#include <deque>

#include "support/process.h"

using namespace vigil::agent;
using vigil::test::TempDir;

namespace {

// A scripted transport: each send() pops the next result. It is the one fault we cannot make with
// a real collector on demand (a partial ack, a poison capture), so it is faked here and the real
// path is covered by the integration tests.
class FakeTransport : public Transport {
 public:
  std::deque<SendResult> script;
  std::vector<size_t> batch_sizes;
  int heartbeats = 0;
  bool heartbeat_fails = false;
  int releases = 0;

  void release_connection() override { ++releases; }

  SendResult send(uint64_t, const std::vector<OutboxEntry>& batch) override {
    batch_sizes.push_back(batch.size());
    SendResult r = script.empty() ? ack_all(batch) : script.front();
    if (!script.empty()) script.pop_front();
    if (r.status == SendStatus::kAck && r.stored_ids.empty() && r.rejected.empty()) r = ack_all(batch);
    return r;
  }
  SendResult send_heartbeat(const vigil::v1::Heartbeat&) override {
    ++heartbeats;
    SendResult r;
    r.status = heartbeat_fails ? SendStatus::kRetry : SendStatus::kAck;
    r.error = "collector down";
    return r;
  }
  static SendResult ack_all(const std::vector<OutboxEntry>& batch) {
    SendResult r;
    r.status = SendStatus::kAck;
    for (const auto& e : batch) r.stored_ids.push_back(e.id);
    return r;
  }
};

SendResult retry() {
  SendResult r;
  r.status = SendStatus::kRetry;
  r.error = "unavailable";
  return r;
}

struct Fixture {
  TempDir dir;
  std::unique_ptr<Outbox> outbox;
  FakeTransport transport;
  std::chrono::steady_clock::time_point now{};
  std::unique_ptr<Forwarder> forwarder;
  uint64_t last_ceiling = 0;

  explicit Fixture(size_t captures, size_t batch = 256) {
    auto opened = Outbox::open(dir / "outbox.db");
    REQUIRE(opened.ok());
    outbox = std::move(*opened);
    std::vector<OutboxEntry> entries;
    for (size_t i = 0; i < captures; ++i) {
      std::string id(16, '\0');
      id[0] = static_cast<char>(i);
      id[1] = static_cast<char>(i >> 8);
      entries.push_back({id, 1, "payload"});
    }
    REQUIRE(outbox->append(entries, "s", std::nullopt).ok());
    ForwarderConfig config;
    config.max_batch_count = batch;
    config.backoff = {std::chrono::milliseconds(1000), std::chrono::milliseconds(8000)};
    // The "random" delay is the ceiling itself, so the test sees the exponential schedule.
    forwarder = std::make_unique<Forwarder>(*outbox, transport, config, [this](uint64_t max) { last_ceiling = max; return max; },
                                            [] { return vigil::v1::Heartbeat(); }, [this] { return now; });
  }
};

}  // namespace

TEST_CASE("acknowledged captures are deleted; nothing else is") {
  Fixture f(10, 4);
  SendResult partial;
  partial.status = SendStatus::kAck;
  partial.stored_ids = {std::string(16, '\0').replace(0, 1, 1, '\0')};
  f.transport.script.push_back(partial);
  CHECK(f.forwarder->step().kind == StepOutcome::Kind::kSent);
  CHECK(*f.outbox->depth() == 9);  // only the one acknowledged id went
  while (f.forwarder->step().kind == StepOutcome::Kind::kSent) {
  }
  CHECK(*f.outbox->depth() == 0);
  CHECK(f.transport.heartbeats == 1);
}

TEST_CASE("transient failures back off exponentially up to the cap, and success resets the backoff") {
  Fixture f(3);
  for (int i = 0; i < 6; ++i) f.transport.script.push_back(retry());
  std::vector<int64_t> waits;
  for (int i = 0; i < 6; ++i) {
    const StepOutcome o = f.forwarder->step();
    CHECK(o.kind == StepOutcome::Kind::kRetryLater);
    waits.push_back(o.wait.count());
  }
  CHECK(waits == std::vector<int64_t>{1000, 2000, 4000, 8000, 8000, 8000});
  CHECK(f.forwarder->last_error() == "unavailable");
  CHECK(*f.outbox->depth() == 3);  // nothing dropped while failing
  CHECK(f.forwarder->step().kind == StepOutcome::Kind::kSent);
  CHECK(*f.outbox->depth() == 0);
  f.transport.script.push_back(retry());
  REQUIRE(f.outbox->append({{std::string(16, 'z'), 1, "p"}}, "s", std::nullopt).ok());
  CHECK(f.forwarder->step().wait.count() == 1000);
}

TEST_CASE("a heartbeat the collector does not answer backs off too") {
  Fixture f(1);
  f.transport.heartbeat_fails = true;
  const StepOutcome o = f.forwarder->step();
  CHECK(o.kind == StepOutcome::Kind::kRetryLater);
  CHECK(f.transport.batch_sizes.empty());
  CHECK(f.forwarder->last_error() == "collector down");
}

TEST_CASE("a refused batch is halved until the poison capture is alone, then only it is quarantined") {
  Fixture f(8);
  SendResult reject;
  reject.status = SendStatus::kReject;
  reject.error = "malformed capture";
  for (int i = 0; i < 4; ++i) f.transport.script.push_back(reject);
  for (int i = 0; i < 4; ++i) f.forwarder->step();
  CHECK(f.transport.batch_sizes == std::vector<size_t>{8, 4, 2, 1});
  CHECK(*f.outbox->quarantined() == 1);
  CHECK(*f.outbox->depth() == 7);
  while (f.forwarder->step().kind == StepOutcome::Kind::kSent) {
  }
  CHECK(*f.outbox->depth() == 0);
  CHECK(f.transport.batch_sizes.back() == 7);  // the full batch size came back after success
}

TEST_CASE("captures the collector rejects one by one are quarantined with its reason") {
  Fixture f(2);
  SendResult mixed;
  mixed.status = SendStatus::kAck;
  std::string first(16, '\0');
  std::string second(16, '\0');
  second[0] = 1;
  mixed.stored_ids = {first};
  mixed.rejected = {{second, "hit offsets outside the text"}};
  f.transport.script.push_back(mixed);
  f.forwarder->step();
  CHECK(*f.outbox->depth() == 0);
  CHECK(*f.outbox->quarantined() == 1);
}

TEST_CASE("idle until the next heartbeat is due") {
  Fixture f(0);
  f.now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  StepOutcome o = f.forwarder->step();
  CHECK(o.kind == StepOutcome::Kind::kIdle);
  const auto linger = ForwarderConfig{}.connection_linger;
  CHECK(o.wait == linger);  // then the heartbeat's connection is closed
  f.now += linger;
  o = f.forwarder->step();
  CHECK(o.kind == StepOutcome::Kind::kIdle);
  CHECK(o.wait == std::chrono::seconds(60) - linger);
  CHECK(f.transport.heartbeats == 1);
  f.now += std::chrono::seconds(60) - linger;
  f.forwarder->step();
  CHECK(f.transport.heartbeats == 2);
}

TEST_CASE("the connection is closed once nothing was sent for the linger, and reused within it") {
  Fixture f(2, 1);
  f.now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  CHECK(f.forwarder->step().kind == StepOutcome::Kind::kSent);  // heartbeat and the first capture
  CHECK(f.forwarder->step().kind == StepOutcome::Kind::kSent);
  StepOutcome o = f.forwarder->step();
  CHECK(o.kind == StepOutcome::Kind::kIdle);
  // It wakes when the linger ends, not at the next heartbeat, to close the connection.
  CHECK(o.wait == ForwarderConfig{}.connection_linger);
  CHECK(f.transport.releases == 0);
  f.now += ForwarderConfig{}.connection_linger / 2;
  o = f.forwarder->step();
  CHECK(o.wait == ForwarderConfig{}.connection_linger / 2);
  CHECK(f.transport.releases == 0);
  f.now += ForwarderConfig{}.connection_linger / 2;
  o = f.forwarder->step();
  CHECK(f.transport.releases == 1);
  CHECK(o.wait == std::chrono::seconds(60) - ForwarderConfig{}.connection_linger);
  f.forwarder->step();
  CHECK(f.transport.releases == 1);  // closed once
}

TEST_CASE("a failed send closes the connection before backing off") {
  Fixture f(1);
  f.now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  f.transport.script.push_back(retry());
  const StepOutcome o = f.forwarder->step();
  CHECK(o.kind == StepOutcome::Kind::kRetryLater);
  CHECK(o.wait == std::chrono::seconds(1));
  CHECK(f.transport.releases == 1);
  CHECK(*f.outbox->depth() == 1);
}
