#include "app/agent_runner.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <mutex>
#include <thread>

#include <google/protobuf/util/time_util.h>

#include "enroll/device_identity.h"
#include "events/evdev_source.h"
#include "events/replay_source.h"
#include "events/session_source.h"
#include "forward/forwarder.h"
#include "forward/delivery_process.h"
#include "outbox/outbox.h"
#include "outbox/sealer.h"
#include "pipeline/scan_pipeline.h"
#include "vigil/files.h"
#include "vigil/platform/resource_limits.h"
#include "vigil/platform/system_info.h"
#include "rules/child_rule_compiler.h"
#include "rules/rule_pack_watcher.h"
#include "vigil/signatures/live_matcher.h"
#include "vigil/signatures/matcher.h"
#include "vigil/uuid.h"
#include "vigil/version.h"

namespace vigil::agent {
namespace {

// Evictions reported per heartbeat; more go in the following ones (sent at once, not at the interval).
constexpr size_t kMaxEvictionsPerHeartbeat = 500;
// Development mode keeps the collector's sealing key, learned from its first answer, here.
constexpr const char* kDevSealKeyFile = "dev-seal.pub";

google::protobuf::Timestamp timestamp_ms(int64_t ms) { return google::protobuf::util::TimeUtil::MillisecondsToTimestamp(ms); }

uint64_t uniform_random(uint64_t max) { return max == 0 ? 0 : randombytes_uniform(static_cast<uint32_t>(std::min<uint64_t>(max, UINT32_MAX - 1)) + 1); }

Result<std::string> device_id(Outbox& outbox) {
  auto existing = outbox.meta("device_id");
  if (!existing) return existing.error();
  if (*existing) return **existing;
  std::array<uint8_t, 10> random;
  randombytes_buf(random.data(), random.size());
  const Uuid id = make_uuid_v7(std::chrono::system_clock::now(), random);
  const std::string text = uuid_to_string(std::string(id.begin(), id.end()));
  if (auto r = outbox.set_meta("device_id", text); !r) return r.error();
  return text;
}

Result<std::unique_ptr<EventSource>> make_source(const SourceSpec& spec, const std::atomic<bool>& stop, const AgentOptions& o,
                                                const std::shared_ptr<EvdevPairing>& pairing) {
  if (spec.kind == "replay") return std::unique_ptr<EventSource>(std::make_unique<ReplaySource>(std::filesystem::absolute(spec.target).string()));
  if (spec.kind == "evdev") {
    auto evdev = EvdevSource::open(spec.target, pairing, stop);
    if (!evdev) return evdev.error();
    return std::unique_ptr<EventSource>(std::move(*evdev));
  }
  auto session = SessionSource::open(spec.target, stop, {o.helper_grace, pairing});
  if (!session) return session.error();
  return std::unique_ptr<EventSource>(std::move(*session));
}

// A damaged outbox must not stop monitoring: it is moved aside (kept for inspection, never
// deleted), a fresh one is started, and the problem is reported in every heartbeat.
Result<std::unique_ptr<Outbox>> open_outbox(const std::filesystem::path& file, uint64_t max_bytes) {
  auto outbox = Outbox::open(file, max_bytes);
  if (outbox || outbox.error().code != ErrorCode::kCorrupt) return outbox;
  const std::string reason = outbox.error().message;
  const auto stamp = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch()).count());
  const std::filesystem::path quarantined = file.string() + ".corrupt-" + stamp;
  std::error_code ec;
  std::filesystem::rename(file, quarantined, ec);
  if (ec) return make_error(ErrorCode::kIo, file.string() + " is corrupt and cannot be moved aside: " + ec.message());
  for (const char* suffix : {"-wal", "-shm"}) {
    std::filesystem::rename(file.string() + suffix, quarantined.string() + suffix, ec);  // may not exist
  }
  const std::string problem = "outbox was corrupt (" + reason + "); quarantined as " + quarantined.filename().string() +
                              ", started afresh";
  spdlog::error("{}", problem);
  auto fresh = Outbox::open(file, max_bytes);
  if (!fresh) return fresh;
  if (auto r = (*fresh)->set_meta("outbox_problem", problem); !r) return r.error();
  return fresh;
}

}  // namespace

bool is_loopback_target(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

Result<AgentConfig> validate(const AgentOptions& options) {
  AgentConfig config{options, {}};
  const auto colon = options.collector.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == options.collector.size()) {
    return make_error(ErrorCode::kInvalidArgument, "--collector must be HOST:PORT, not \"" + options.collector + "\"");
  }
  if (options.insecure_loopback && !is_loopback_target(options.collector)) {
    return make_error(ErrorCode::kInvalidArgument, "--insecure-loopback only talks to a collector on loopback, not " + options.collector);
  }
  size_t evdev_sources = 0;
  for (const auto& s : options.sources) {
    if (s == "evdev") {  // discover keyboards: no target
      config.sources.push_back({"evdev", ""});
      ++evdev_sources;
      continue;
    }
    const auto sep = s.find(':');
    if (sep == std::string::npos || sep + 1 == s.size()) {
      return make_error(ErrorCode::kInvalidArgument, "--source must be KIND:TARGET (e.g. replay:events.jsonl), not \"" + s + "\"");
    }
    SourceSpec spec{s.substr(0, sep), s.substr(sep + 1)};
    if (spec.kind != "replay" && spec.kind != "session" && spec.kind != "evdev") {
      return make_error(ErrorCode::kInvalidArgument,
                        "--source kind \"" + spec.kind + "\" is not supported (supported: replay, session, evdev, evdev:PATH)");
    }
    evdev_sources += spec.kind == "evdev";
    config.sources.push_back(std::move(spec));
  }
  // One seat: every keyboard pairs with the one helper that focused last (session/PROTOCOL.md).
  if (evdev_sources > 1) return make_error(ErrorCode::kInvalidArgument, "--source evdev may be given once (evdev or evdev:PATH)");
  return config;
}

AgentRunner::AgentRunner(AgentConfig config) : config_(std::move(config)) {}

void AgentRunner::request_stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stop_requested_ = true;
    stop_ = true;
    for (EventSource* source : live_sources_) source->interrupt();
  }
  stop_changed_.notify_all();
}

int AgentRunner::run() {
  const AgentOptions& o = config_.options;
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  // Session helpers run as pupils: the outbox and device identity must stay unreadable to them.
  if (!ec) std::filesystem::permissions(o.data_dir, std::filesystem::perms::owner_all, ec);
  if (ec) {
    spdlog::critical("data dir {}: {}", o.data_dir, ec.message());
    return 1;
  }
  auto identity = load_identity(o.data_dir);
  if (!identity) {
    spdlog::critical("device identity: {}", identity.error().message);
    return 1;
  }
  if (!*identity && !o.insecure_loopback) {
    spdlog::critical("this device is not enrolled: run `vigil-agent enroll --collector HOST:PORT --token TOKEN --data-dir {}` "
                     "first (or --insecure-loopback for development)",
                     o.data_dir);
    return 1;
  }
  auto outbox = open_outbox(std::filesystem::path(o.data_dir) / "outbox.db", o.outbox_max_bytes);
  if (!outbox) {
    spdlog::critical("outbox: {}", outbox.error().message);
    return 1;
  }
  if (*identity) {
    // The device key is vigil-delivery's alone (it reads it again for each connection).
    sodium_memzero((*identity)->key_pem.data(), (*identity)->key_pem.size());
    (*identity)->key_pem.clear();
    // The certificate names the device; the outbox copy only labels captures the same way.
    if (auto r = (*outbox)->set_meta("device_id", (*identity)->device_id); !r) {
      spdlog::critical("outbox: {}", r.error().message);
      return 1;
    }
  }
  Sealer sealer;
  const std::filesystem::path dev_key_file = std::filesystem::path(o.data_dir) / kDevSealKeyFile;
  if (*identity) {
    sealer.set_key((*identity)->seal_public_key);
  } else if (auto key = read_file(dev_key_file); key && key->size() == crypto_box_PUBLICKEYBYTES) {
    sealer.set_key(*key);
    spdlog::warn("development mode: not enrolled; captures are sealed to the key the collector sent on first contact");
  } else {
    spdlog::warn("development mode: not enrolled; captures wait for the collector's sealing key (sent on first contact), "
                 "they are never stored unsealed");
  }
  auto device = device_id(**outbox);
  if (!device) {
    spdlog::critical("outbox: {}", device.error().message);
    return 1;
  }
  // Compiled databases are cached beside the outbox: restarts load them instead of compiling.
  RulePackWatcher rule_pack(o.rules_dir, *signatures::parse_phase(o.phase), std::filesystem::path(o.data_dir) / "rule-cache",
                            compile_rules_in_child);
  auto matcher = rule_pack.load();
  if (!matcher) {
    spdlog::critical("rule pack: {}", matcher.error().message);
    return 1;
  }
  platform::release_free_memory();  // the pack's parse tree and any compilation are gone now
  signatures::LiveMatcher rules(*matcher);
  const std::string pack_version = (*matcher)->pack().version;
  spdlog::info("device {} with rule pack {} ({} rules); collector {}", *device, pack_version, (*matcher)->pack().rules.size(),
               o.collector);

  std::vector<std::unique_ptr<EventSource>> sources;
  // Shared by the session and evdev sources only when both halves of the Wayland key path run.
  std::shared_ptr<EvdevPairing> pairing;
  if (std::any_of(config_.sources.begin(), config_.sources.end(), [](const SourceSpec& s) { return s.kind == "evdev"; })) {
    pairing = std::make_shared<EvdevPairing>();
  }
  for (const auto& spec : config_.sources) {
    auto source = make_source(spec, stop_, o, pairing);
    if (!source) {
      spdlog::critical("--source {}:{}: {}", spec.kind, spec.target, source.error().message);
      return 1;
    }
    sources.push_back(std::move(*source));
  }
  {
    std::lock_guard lock(stop_mutex_);
    for (auto& source : sources) {
      live_sources_.push_back(source.get());
      if (stop_) source->interrupt();
    }
  }
  struct ForgetSources {  // before `sources` is destroyed, whichever way run() returns
    AgentRunner& runner;
    ~ForgetSources() {
      std::lock_guard lock(runner.stop_mutex_);
      runner.live_sources_.clear();
    }
  } forget_sources{*this};

  // The collector is reached through vigil-delivery, started per exchange burst: it loads gRPC and
  // the device key (mutual TLS), so this long-running service does neither.
  auto program = delivery_program();
  if (!program) {
    spdlog::critical("cannot find vigil-delivery beside this program: {}", program.error().message);
    return 1;
  }
  DeliveryProcessConfig delivery{{*program, "--collector", o.collector, "--data-dir", o.data_dir, "--log-level", o.log_level}};
  if (o.insecure_loopback) delivery.command.push_back("--insecure-loopback");  // validate() restricted this to loopback
  DeliveryProcess transport(std::move(delivery));

  const std::string hostname = platform::system_info().hostname();
  std::mutex status_mutex;
  std::vector<std::string> source_states(sources.size(), "active");
  Forwarder* forwarder_ptr = nullptr;
  auto heartbeat = [&]() {
    v1::Heartbeat hb;
    hb.set_device_id(*device);
    hb.set_hostname(hostname);
    hb.set_agent_version(kVersion);
    hb.set_rule_pack_version(rules.current()->pack().version);
    *hb.mutable_sent_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    hb.set_heartbeat_interval_s(static_cast<uint32_t>(o.heartbeat_interval.count()));
    if (auto st = (*outbox)->stats()) {
      hb.set_outbox_depth(st->depth);
      hb.set_outbox_bytes(st->bytes);
      hb.set_evicted_captures(st->evicted);
      hb.set_trimmed_captures(st->trimmed);
    }
    std::string problem;
    if (auto stored = (*outbox)->meta("outbox_problem"); stored && *stored) problem = **stored;
    const std::string storage = (*outbox)->storage_problem();
    if (!storage.empty()) problem += (problem.empty() ? "" : "; ") + storage;
    hb.set_outbox_problem(problem);
    if (forwarder_ptr) hb.set_last_error(forwarder_ptr->last_error());
    // A heartbeat that gets through makes an old transport error stale; a full disk is not.
    if (!storage.empty()) hb.set_last_error(storage);
    if (auto evictions = (*outbox)->unreported_evictions(kMaxEvictionsPerHeartbeat)) {
      for (const auto& e : *evictions) {
        auto* ev = hb.add_evictions();
        ev->set_id(e.id);
        ev->set_severity(static_cast<uint32_t>(e.severity));
        ev->set_sealed_category(e.category);
        *ev->mutable_created_at() = timestamp_ms(e.created_at_ms);
        *ev->mutable_evicted_at() = timestamp_ms(e.evicted_at_ms);
      }
    }
    std::lock_guard lock(status_mutex);
    for (size_t i = 0; i < sources.size(); ++i) {
      auto* s = hb.add_sources();
      s->set_name(sources[i]->name());
      const std::string live = sources[i]->state();
      s->set_state(source_states[i] == "active" && !live.empty() ? live : source_states[i]);
    }
    return hb;
  };
  ForwarderConfig forwarder_config;
  forwarder_config.backoff = {o.backoff_initial, o.backoff_max};
  forwarder_config.heartbeat_interval = o.heartbeat_interval;
  forwarder_config.connection_linger = o.connection_linger;
  forwarder_config.max_batch_count = o.batch_size;
  Forwarder forwarder(**outbox, transport, forwarder_config, uniform_random, heartbeat, [] { return std::chrono::steady_clock::now(); });
  forwarder_ptr = &forwarder;
  forwarder.on_heartbeat_wanted([&] {
    auto pending = (*outbox)->has_unreported_evictions();
    return pending && *pending;
  });
  const bool learns_key = !*identity;
  forwarder.on_heartbeat_acked([&](const v1::Heartbeat& sent, const SendResult& ack) {
    if (sent.evictions_size() > 0) {
      std::vector<std::string> ids;
      for (const auto& e : sent.evictions()) ids.push_back(e.id());
      if (auto r = (*outbox)->mark_evictions_reported(ids); !r) spdlog::warn("outbox: {}", r.error().message);
    }
    // An enrolled agent keeps the key pinned at enrollment; only development mode learns it here.
    if (learns_key && ack.seal_public_key.size() == crypto_box_PUBLICKEYBYTES && ack.seal_public_key != sealer.public_key()) {
      if (auto r = write_file(dev_key_file, ack.seal_public_key, FileAccess::kWorldReadable); !r) spdlog::warn("{}", r.error().message);
      sealer.set_key(ack.seal_public_key);
      spdlog::info("development mode: captures are sealed to the collector's key from now on");
    }
  });
  std::thread forward_thread([&] { forwarder.run(stop_); });
  // A pack deployed into the rules directory is compiled here, off the scanning threads, and
  // swapped in; a broken one is reported and the pack in use stays.
  std::thread rules_thread([&] {
    if (o.rules_check_interval.count() <= 0) return;
    std::unique_lock lock(stop_mutex_);
    while (!stop_changed_.wait_for(lock, o.rules_check_interval, [&] { return stop_.load(); })) {
      lock.unlock();
      auto next = rule_pack.check();
      if (!next) {
        spdlog::error("new rule pack refused, still using {}: {}", rules.current()->pack().version, next.error().message);
      } else if (*next) {
        spdlog::info("rule pack {} replaced by {} ({} rules)", rules.current()->pack().version, (**next)->pack().version,
                     (**next)->pack().rules.size());
        rules.replace(std::move(**next));
        platform::release_free_memory();
      }
      lock.lock();
    }
  });

  const CaptureIdentity capture_identity{*device, kVersion, pack_version, kDefaultContextChars};
  std::atomic<int> source_failures{0};
  size_t sources_done = 0;  // guarded by stop_mutex_
  // With --once the timeout covers everything, scanning included: a source held by a full disk or
  // a missing sealing key must not keep a --once run alive for ever.
  const auto deadline = std::chrono::steady_clock::now() + o.timeout;
  std::vector<std::thread> source_threads;
  for (size_t i = 0; i < sources.size(); ++i) {
    source_threads.emplace_back([&, i] {
      ScanPipeline pipeline(rules, **outbox, capture_identity, [&] { forwarder.notify(); }, sealer);
      auto stats = pipeline.run(*sources[i], stop_);
      {
        std::lock_guard done(stop_mutex_);
        ++sources_done;
      }
      stop_changed_.notify_all();
      std::lock_guard lock(status_mutex);
      if (!stats) {
        ++source_failures;
        source_states[i] = "failed: " + stats.error().message;
        spdlog::error("source {}: {}", sources[i]->name(), stats.error().message);
        return;
      }
      source_states[i] = "finished";
      spdlog::info("source {} finished: {} events, {} captures", sources[i]->name(), stats->events, stats->captures);
    });
  }
  bool scanned = true;
  if (o.once) {
    std::unique_lock lock(stop_mutex_);
    scanned = stop_changed_.wait_until(lock, deadline, [&] { return stop_.load() || sources_done == sources.size(); }) &&
              sources_done == sources.size();
  }
  if (!scanned && !stop_requested_) {
    const std::string storage = (*outbox)->storage_problem();
    spdlog::error("timed out after {} s before every event was scanned and stored{}", o.timeout.count(),
                  storage.empty() ? (sealer.seals() ? "" : ": still waiting for the collector's sealing key") : ": " + storage);
    stop_ = true;
  }
  for (auto& t : source_threads) t.join();

  int status = 0;
  if (o.once && !scanned) {
    status = 1;  // the events not scanned stay in the source, unread: a later run resumes there
  } else if (o.once && !stop_requested_) {
    if (forwarder.wait_until_drained(deadline)) {
      spdlog::info("all captures acknowledged");
      status = source_failures > 0 ? 1 : 0;
    } else {
      auto depth = (*outbox)->depth();
      spdlog::error("timed out after {} s with {} captures not acknowledged: {}", o.timeout.count(), depth ? *depth : 0,
                    forwarder.last_error());
      status = 1;
    }
    stop_ = true;
  } else {
    std::unique_lock lock(stop_mutex_);
    stop_changed_.wait(lock, [&] { return stop_.load(); });
  }
  if (o.once && stop_requested_) status = 1;  // stopped before every capture was acknowledged
  forwarder.wake_for_shutdown();
  forward_thread.join();
  {
    std::lock_guard lock(stop_mutex_);
    stop_ = true;
  }
  stop_changed_.notify_all();
  rules_thread.join();
  return status;
}

}  // namespace vigil::agent
