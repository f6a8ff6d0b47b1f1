// vigil-collector: receives captures from agents and keeps them for the school's DSL.
#include <grpcpp/grpcpp.h>
#include <sodium.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>

#include "accounts/sqlite_account_store.h"
#include "app/capture_json.h"
#include "app/command_error.h"
#include "alerts/alert_dispatcher.h"
#include "alerts/alert_watcher.h"
#include "app/feature_options.h"
#include "app/pupils_command.h"
#include "app/users_command.h"
#include "console/alert_hub.h"
#include "console/console_certificate.h"
#include "console/console_deps.h"
#include "console/pages/feature_routes.h"
#include "console/server.h"
#include "records/sqlite_records.h"
#include "retention/purge_job.h"
#include "triage/sqlite_triage_store.h"
#include "triage/triage_sync.h"
#include "enroll/enrollment_service.h"
#include "ingest/ingest_service.h"
#include "pki/certificate_authority.h"
#include "vigil/pki.h"
#include "store/sqlite_store.h"
#include "vigil/cli.h"
#include "vigil/platform/resource_limits.h"
#include "vigil/platform/shutdown_signal.h"
#include "vigil/version.h"

namespace vigil::collector {
namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:7443";
  std::string data_dir;
  std::string port_file;  // written with the bound port once listening (handy with port 0)
  bool insecure_loopback = false;
  std::string device_cert_lifetime;  // e.g. 730d; empty: kDefaultDeviceCertLifetime
  std::string console;               // HOST:PORT of the triage console; empty: no console
  std::string console_port_file;     // written with the console's bound port
  int alert_severity = 4;            // captures at or above this raise a live alert in DSL consoles
};

void write_port_file(const std::string& path, int port) {
  if (path.empty()) return;
  std::error_code ec;
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::filesystem::rename(tmp, path, ec);  // atomic: readers never see a half-written file
}

bool is_loopback(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Largest message an agent may send: batches are bounded at 1 MiB by the agent.
constexpr int kMaxReceiveBytes = 4 * 1024 * 1024;
// A token nobody used should not stay valid forever; a week covers a deployment window.
constexpr std::chrono::hours kDefaultTokenLifetime{7 * 24};
constexpr int64_t kMaxTokenUses = 100000;
// A connection that has not finished its TLS handshake by then is dropped: thousands of idle or
// half-open connections must not hold the collector's descriptors (gRPC's default is 120 s).
constexpr std::chrono::seconds kHandshakeTimeout{10};
// An established connection with no streams for this long is closed; agents reconnect on demand.
constexpr std::chrono::minutes kMaxConnectionIdle{5};

// Alerts look at items changed in the last minute (from a minute before start), so a restart does
// not miss what was grouped in its last moments, nor alert on old items.
constexpr std::chrono::seconds kAlertLookBack{60};

std::optional<std::chrono::seconds> parse_duration(const std::string& text);

int serve(const ServeOptions& o, const FeatureOptions& f, platform::ShutdownSignal& shutdown) {
  const auto device_cert_lifetime =
      o.device_cert_lifetime.empty() ? std::optional<std::chrono::seconds>(kDefaultDeviceCertLifetime) : parse_duration(o.device_cert_lifetime);
  if (!device_cert_lifetime) {
    std::cerr << "vigil-collector: --device-cert-lifetime must be a positive number followed by d, h, m or s (e.g. 730d), not \""
              << o.device_cert_lifetime << "\"\n";
    return kExitUsage;
  }
  if (o.listen.rfind(':') == std::string::npos) {
    std::cerr << "vigil-collector: --listen must be HOST:PORT, not \"" << o.listen << "\"\n";
    return kExitUsage;
  }
  if (o.insecure_loopback && !is_loopback(o.listen)) {
    std::cerr << "vigil-collector: --insecure-loopback only listens on loopback, not " << o.listen << "\n";
    return kExitUsage;
  }
  if (!o.console.empty() && o.console.rfind(':') == std::string::npos) {
    std::cerr << "vigil-collector: --console must be HOST:PORT, not \"" << o.console << "\"\n";
    return kExitUsage;
  }
  if (!o.console.empty() && o.insecure_loopback && !is_loopback(o.console)) {
    std::cerr << "vigil-collector: --insecure-loopback serves the console over plain HTTP on loopback only, not " << o.console << "\n";
    return kExitUsage;
  }
  auto alert_config = resolve_alert_config(f);
  if (!alert_config) return command_failed(alert_config.error(), kExitUsage);
  auto retention = make_retention_policy(f.retention_months);
  if (!retention) {
    std::cerr << "vigil-collector: --retention-months: " << retention.error().message << "\n";
    return kExitUsage;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec) {
    spdlog::critical("data dir {}: {}", o.data_dir, ec.message());
    return 1;
  }
  auto store = open_sqlite_store(o.data_dir, OpenMode::kReadWrite);
  if (!store) {
    spdlog::critical("store: {}", store.error().message);
    return 1;
  }
  if (const uint64_t files = platform::raise_open_file_limit(); files > 0) spdlog::info("open-file limit {}", files);
  // The CA and the sealing key pair are created on first start and kept under --data-dir/pki.
  auto pki = load_or_create_pki(o.data_dir);
  if (!pki) {
    spdlog::critical("pki: {}", pki.error().message);
    return 1;
  }
  auto triage_store = triage::open_sqlite_triage_store(o.data_dir);
  if (!triage_store) {
    spdlog::critical("triage store: {}", triage_store.error().message);
    return 1;
  }
  auto accounts = open_sqlite_account_store(o.data_dir);
  if (!accounts) {
    spdlog::critical("accounts: {}", accounts.error().message);
    return 1;
  }
  console::AlertHub alerts;
  triage::TriageSync triage_sync(**triage_store, o.alert_severity, [&alerts](const triage::AlertCandidate& a) { alerts.publish(a); });
  console::Sessions sessions;
  console::LoginLimiter limiter;
  auto records = SqliteRecords::open(o.data_dir);
  if (!records) {
    spdlog::critical("records: {}", records.error().message);
    return 1;
  }
  auto directory = PupilDirectory::open(o.data_dir);
  if (!directory) {
    spdlog::critical("pupil directory: {}", directory.error().message);
    return 1;
  }
  console::FeatureDeps features{**records, *directory, ""};
  console::ConsoleDeps console_deps{**triage_store, **accounts, **store, sessions, limiter, &features};
  console::Router router(sessions);
  console::add_console_routes(router, console_deps);
  std::unique_ptr<console::ConsoleServer> console_server;
  if (!o.console.empty()) {
    console::ServerOptions console_options{o.console, std::nullopt};
    if (!o.insecure_loopback) {
      auto identity = console::load_or_issue_console_certificate(o.data_dir, *pki, o.console.substr(0, o.console.rfind(':')));
      if (!identity) {
        spdlog::critical("console certificate: {}", identity.error().message);
        return 1;
      }
      console_options.tls = *identity;
    }
    auto started = console::ConsoleServer::start(console_options, router, alerts);
    if (!started) {
      spdlog::critical("{}", started.error().message);
      return 1;
    }
    console_server = std::move(*started);
    spdlog::info("console on {}://{}:{}", o.insecure_loopback ? "http" : "https", o.console.substr(0, o.console.rfind(':')), console_server->port());
    write_port_file(o.console_port_file, console_server->port());
    if (alert_config->console_url.empty()) {
      alert_config->console_url = std::string(o.insecure_loopback ? "http" : "https") + "://" + o.console.substr(0, o.console.rfind(':')) + ":" +
                                  std::to_string(console_server->port());
    }
  }
  // Urgent alerts (email, webhook) and the retention purge run beside ingest, on their own threads.
  auto dispatcher = make_alert_dispatcher(*alert_config, o.data_dir);
  if (!dispatcher) {
    spdlog::critical("alerts: {}", dispatcher.error().message);
    return 1;
  }
  std::unique_ptr<AlertWatcher> alert_watcher;
  if (*dispatcher) {
    const uint32_t min_severity = alert_config->min_severity;
    // Each poll looks back kAlertLookBack from the previous successful poll, so the window stays
    // small however long serve runs, and a slow or failed poll leaves no gap.
    auto source = [&records, min_severity, since = std::chrono::system_clock::now() - kAlertLookBack]() mutable {
      const auto polled = std::chrono::system_clock::now();
      auto events = (*records)->alert_events(min_severity, since);
      if (events) since = std::max(since, polled - kAlertLookBack);
      return events;
    };
    alert_watcher = std::make_unique<AlertWatcher>(std::move(source), **dispatcher);
    spdlog::info("urgent alerts at severity {} and above by {}{}", min_severity, alert_config->webhook_url.empty() ? "" : "webhook",
                 alert_config->smtp_url.empty() ? "" : (alert_config->webhook_url.empty() ? "email" : " and email"));
  }
  PurgeScheduler purge(**records, *retention);
  IngestService service(**store, SealKeys{pki->seal_public_key, pki->seal_secret_key}, !o.insecure_loopback);
  EnrollmentService enrollment(**store, *pki, *device_cert_lifetime);
  grpc::ServerBuilder builder;
  int port = 0;
  if (o.insecure_loopback) {
    // Development only, and only on loopback (checked above): no TLS, no device identity, no enrollment.
    builder.AddListeningPort(o.listen, grpc::InsecureServerCredentials(), &port);
  } else {
    // Client certificates are requested and verified when presented, but not required at the
    // handshake: enrolling devices have none yet. Ingest refuses any stream without one.
    grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
    tls.pem_root_certs = pki->ca_cert_pem;
    tls.pem_key_cert_pairs.push_back({pki->server_key_pem, pki->server_chain_pem});
    builder.AddListeningPort(o.listen, grpc::SslServerCredentials(tls), &port);
    builder.RegisterService(&enrollment);
  }
  builder.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(kHandshakeTimeout).count()));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(kMaxConnectionIdle).count()));
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    spdlog::critical("cannot listen on {}", o.listen);
    return 1;
  }
  const std::string bound = o.listen.substr(0, o.listen.rfind(':')) + ":" + std::to_string(port);
  spdlog::info("listening on {} ({}; data in {})", bound, o.insecure_loopback ? "plaintext, development only" : "mutual TLS", o.data_dir);
  write_port_file(o.port_file, port);
  std::mutex m;
  std::condition_variable cv;
  bool stopping = false;
  shutdown.start([&] {
    std::lock_guard lock(m);
    stopping = true;
    cv.notify_all();
  });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return stopping; });
  }
  spdlog::info("stopping");
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (console_server) console_server->stop();
  return 0;
}

// One object a line (the `--json` listings). Pupil text is attacker-controlled: invalid UTF-8 is
// replaced, never allowed to abort the output.
void print_json_line(const nlohmann::json& j) { std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n"; }

int list_captures(const std::string& data_dir) {
  auto store = open_sqlite_store(data_dir, OpenMode::kReadOnly);
  if (!store) return command_failed(store.error());
  auto r = (*store)->for_each_capture([](const StoredCapture& c) { print_json_line(capture_to_json(c)); });
  if (!r) return command_failed(r.error());
  return 0;
}

// "7d", "12h", "30m", "90s".
std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  int64_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || n > 1000000) return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  if (n <= 0) return std::nullopt;
  switch (text.back()) {
    case 'd': return std::chrono::seconds(n * 24 * 3600);
    case 'h': return std::chrono::seconds(n * 3600);
    case 'm': return std::chrono::seconds(n * 60);
    case 's': return std::chrono::seconds(n);
    default: return std::nullopt;
  }
}

int create_token(const std::string& data_dir, int64_t uses, const std::string& expires) {
  const auto lifetime = expires.empty() ? std::optional<std::chrono::seconds>(kDefaultTokenLifetime) : parse_duration(expires);
  if (!lifetime) {
    std::cerr << "vigil-collector: --expires must be a positive number followed by d, h, m or s (e.g. 7d), not \"" << expires << "\"\n";
    return kExitUsage;
  }
  if (uses < 1 || uses > kMaxTokenUses) {
    std::cerr << "vigil-collector: --uses must be 1.." << kMaxTokenUses << "\n";
    return kExitUsage;
  }
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  auto store = open_sqlite_store(data_dir, OpenMode::kReadWrite);
  if (!store) return command_failed(store.error());
  auto pki = load_or_create_pki(data_dir);
  if (!pki) return command_failed(pki.error());
  const vigil::pki::EnrollToken token{pki->ca_sha256, vigil::pki::random_hex(16)};
  if (auto r = (*store)->add_enroll_token(vigil::pki::sha256_hex(token.secret), uses, std::chrono::system_clock::now() + *lifetime); !r) {
    return command_failed(r.error());
  }
  // The token alone on stdout, so scripts can capture it; the collector keeps only its hash.
  std::cout << vigil::pki::format_token(token) << std::endl;
  return 0;
}

int revoke_device(const std::string& data_dir, const std::string& id) {
  auto store = open_sqlite_store(data_dir, OpenMode::kReadWrite);
  if (!store) return command_failed(store.error());
  if (auto r = (*store)->revoke_device(id); !r) return command_failed(r.error());
  std::cerr << "vigil-collector: device " << id << " revoked; the collector refuses it from its next message\n";
  return 0;
}

int list_evictions(const std::string& data_dir) {
  auto store = open_sqlite_store(data_dir, OpenMode::kReadOnly);
  if (!store) return command_failed(store.error());
  auto evictions = (*store)->evictions();
  if (!evictions) return command_failed(evictions.error());
  for (const auto& e : *evictions) print_json_line(eviction_to_json(e));
  return 0;
}

int list_tokens(const std::string& data_dir, bool json) {
  auto store = open_sqlite_store(data_dir, OpenMode::kReadOnly);
  if (!store) return command_failed(store.error());
  auto tokens = (*store)->enroll_tokens();
  if (!tokens) return command_failed(tokens.error());
  const auto now = std::chrono::system_clock::now();
  if (!json) std::cout << "ID            STATE    USES LEFT  EXPIRES\n";
  for (const auto& t : *tokens) {
    const nlohmann::json j = token_to_json(t, now);
    if (json) {
      print_json_line(j);
      continue;
    }
    const std::string state = j["state"].get<std::string>();
    const std::string uses = std::to_string(t.uses_left);
    std::cout << j["id"].get<std::string>() << "  " << state << std::string(state.size() < 9 ? 9 - state.size() : 1, ' ') << uses
              << std::string(uses.size() < 11 ? 11 - uses.size() : 1, ' ') << j["expires_at"].get<std::string>() << "\n";
  }
  return 0;
}

int revoke_token(const std::string& data_dir, const std::string& id) {
  auto store = open_sqlite_store(data_dir, OpenMode::kReadWrite);
  if (!store) return command_failed(store.error());
  if (auto r = (*store)->revoke_enroll_token(id); !r) {
    return command_failed(r.error(), r.error().code == vigil::ErrorCode::kInvalidArgument ? kExitUsage : 1);
  }
  std::cerr << "vigil-collector: enrollment token " << id << " revoked; devices already enrolled with it are not affected\n";
  return 0;
}

int group_device(const std::string& data_dir, const std::string& id, const std::string& group) {
  auto store = open_sqlite_store(data_dir, OpenMode::kReadWrite);
  if (!store) return command_failed(store.error());
  auto triage_store = triage::open_sqlite_triage_store(data_dir);
  if (!triage_store) return command_failed(triage_store.error());
  if (auto r = (*triage_store)->set_device_group(id, group); !r) return command_failed(r.error());
  std::cerr << "vigil-collector: device " << id << " is in group \"" << group << "\"\n";
  return 0;
}

int list_devices(const std::string& data_dir) {
  auto store = open_sqlite_store(data_dir, OpenMode::kReadOnly);
  if (!store) return command_failed(store.error());
  auto devices = (*store)->devices();
  if (!devices) return command_failed(devices.error());
  const auto now = std::chrono::system_clock::now();
  for (const auto& d : *devices) print_json_line(device_to_json(d, now));
  return 0;
}

}  // namespace
}  // namespace vigil::collector

int main(int argc, char** argv) {
  auto shutdown = vigil::platform::make_shutdown_signal();  // before any thread starts
  using namespace vigil::collector;

  CLI::App app{"Vigil collector: receives safeguarding captures from agents and stores them for the DSL."};
  app.name("vigil-collector");
  app.set_version_flag("--version", std::string("vigil-collector ") + vigil::kVersion);
  app.require_subcommand(1);

  ServeOptions serve_options;
  auto* serve_cmd = app.add_subcommand("serve", "run the ingest server");
  serve_cmd->add_option("--listen", serve_options.listen, "gRPC ingest address HOST:PORT (port 0 picks a free one)")->capture_default_str();
  serve_cmd->add_option("--data-dir", serve_options.data_dir, "directory holding collector.db")->required();
  serve_cmd->add_option("--port-file", serve_options.port_file, "write the bound port here once listening");
  serve_cmd->add_flag("--insecure-loopback", serve_options.insecure_loopback, "development only: plaintext gRPC and console, loopback only");
  serve_cmd->add_option("--device-cert-lifetime", serve_options.device_cert_lifetime,
                        "validity of device certificates, e.g. 730d (default); agents renew when a third is left");
  serve_cmd->add_option("--console", serve_options.console, "serve the triage console on HOST:PORT (HTTPS; port 0 picks a free one)");
  serve_cmd->add_option("--console-port-file", serve_options.console_port_file, "write the console's bound port here once listening");
  serve_cmd->add_option("--alert-severity", serve_options.alert_severity, "live alert in DSL consoles at or above this severity")
      ->check(CLI::Range(1, 5))->capture_default_str();

  UsersAddOptions users_options;
  users_options.data_dir = "/var/lib/vigil-collector";
  auto* users_cmd = app.add_subcommand("users", "manage console users");
  users_cmd->require_subcommand(1);
  auto* users_add_cmd = users_cmd->add_subcommand("add", "add a console user; prints a generated password unless --password-stdin");
  users_add_cmd->add_option("NAME", users_options.name, "user name (letters, digits, . _ -)")->required();
  users_add_cmd->add_option("--role", users_options.role, "dsl, deputy_dsl, network_manager or governor")->required();
  users_add_cmd->add_option("--data-dir", users_options.data_dir, "the collector's data directory")->capture_default_str();
  users_add_cmd->add_flag("--password-stdin", users_options.password_stdin, "read the password (12+ characters) from the first line of stdin");
  users_add_cmd->add_flag("--totp", users_options.totp, "require an authenticator code at sign-in; prints the otpauth:// URI");

  std::string data_dir;
  bool json = false;
  auto* captures_cmd = app.add_subcommand("captures", "print stored captures, one JSON object per line");
  captures_cmd->add_option("--data-dir", data_dir, "the collector's data directory")->required();
  captures_cmd->add_flag("--json", json, "JSON Lines output (the only format so far)");

  auto* devices_cmd = app.add_subcommand("devices", "print enrolled devices and their coverage, one JSON object per line");
  devices_cmd->add_option("--data-dir", data_dir, "the collector's data directory");
  devices_cmd->add_flag("--json", json, "JSON Lines output (the only format so far)");
  std::string revoke_id;
  auto* revoke_cmd = devices_cmd->add_subcommand("revoke", "refuse a device from now on (checked on every message)");
  revoke_cmd->add_option("ID", revoke_id, "the device id (see `devices --json`)")->required();
  revoke_cmd->add_option("--data-dir", data_dir, "the collector's data directory")->required();

  std::string group_id, group_name;
  auto* group_cmd = devices_cmd->add_subcommand("group", "put a device in a group (the console filters by device group)");
  group_cmd->add_option("ID", group_id, "the device id (see `devices --json`)")->required();
  group_cmd->add_option("GROUP", group_name, "group name, e.g. \"ICT suite\"")->required();
  group_cmd->add_option("--data-dir", data_dir, "the collector's data directory")->required();

  auto* token_cmd = app.add_subcommand("enroll-token", "manage enrollment tokens");
  token_cmd->require_subcommand(1);
  int64_t token_uses = 1;
  std::string token_expires;
  auto* token_create_cmd = token_cmd->add_subcommand("create", "print a new enrollment token alone on stdout");
  token_create_cmd->add_option("--data-dir", data_dir, "the collector's data directory")->required();
  token_create_cmd->add_option("--uses", token_uses, "how many devices may enroll with it")->capture_default_str();
  token_create_cmd->add_option("--expires", token_expires, "lifetime, e.g. 7d, 12h, 30m (default 7d)");

  auto* token_list_cmd = token_cmd->add_subcommand("list", "list enrollment tokens (id, state, uses left, expiry; never the secret)");
  token_list_cmd->add_option("--data-dir", data_dir, "the collector's data directory")->required();
  token_list_cmd->add_flag("--json", json, "one JSON object per token");
  std::string token_id;
  auto* token_revoke_cmd = token_cmd->add_subcommand("revoke", "refuse a token from now on (devices it enrolled are not affected)");
  token_revoke_cmd->add_option("ID", token_id, "the token id (see `enroll-token list`)")->required();
  token_revoke_cmd->add_option("--data-dir", data_dir, "the collector's data directory")->required();

  auto* evictions_cmd = app.add_subcommand("evictions", "print captures that agents' bounded outboxes dropped, one JSON object per line");
  evictions_cmd->add_option("--data-dir", data_dir, "the collector's data directory")->required();
  evictions_cmd->add_flag("--json", json, "JSON Lines output (the only format so far)");

  FeatureOptions feature_options;
  add_feature_options(*serve_cmd, feature_options);
  auto& pupils_command = add_pupils_command(app);

  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  if (auto exit_code = vigil::parse_command_line(app, argc, argv)) return *exit_code;

  spdlog::set_default_logger(spdlog::stderr_color_mt("vigil-collector"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  if (sodium_init() < 0) {
    spdlog::critical("libsodium failed to initialise");
    return 1;
  }
  if (serve_cmd->parsed()) {
    const int status = serve(serve_options, feature_options, *shutdown);
    shutdown->stop();
    return status;
  }
  if (captures_cmd->parsed()) return list_captures(data_dir);
  if (pupils_command.import->parsed()) return run_pupils_import(pupils_command);
  if (users_add_cmd->parsed()) return users_add(users_options);
  if (token_create_cmd->parsed()) return create_token(data_dir, token_uses, token_expires);
  if (token_list_cmd->parsed()) return list_tokens(data_dir, json);
  if (token_revoke_cmd->parsed()) return revoke_token(data_dir, token_id);
  if (evictions_cmd->parsed()) return list_evictions(data_dir);
  if (revoke_cmd->parsed()) return revoke_device(data_dir, revoke_id);
  if (group_cmd->parsed()) return group_device(data_dir, group_id, group_name);
  if (devices_cmd->parsed()) {
    if (data_dir.empty()) return vigil::usage_error(app, "devices: --data-dir is required");
    return list_devices(data_dir);
  }
  return vigil::kExitUsage;
}
