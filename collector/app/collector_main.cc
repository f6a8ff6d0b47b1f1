// vigil-collector: receives captures from agents and keeps them for the school's DSL.
#include <grpcpp/grpcpp.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>

#include "app/capture_json.h"
#include "ingest/ingest_service.h"
#include "store/sqlite_store.h"
#include "vigil/cli.h"
#include "vigil/platform/shutdown_signal.h"
#include "vigil/version.h"

namespace vigil::collector {
namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:7443";
  std::string data_dir;
  std::string port_file;  // written with the bound port once listening (handy with port 0)
  bool insecure_loopback = false;
};

bool is_loopback(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Largest message an agent may send: batches are bounded at 1 MiB by the agent.
constexpr int kMaxReceiveBytes = 4 * 1024 * 1024;

int serve(const ServeOptions& o, platform::ShutdownSignal& shutdown) {
  if (o.listen.rfind(':') == std::string::npos) {
    std::cerr << "vigil-collector: --listen must be HOST:PORT, not \"" << o.listen << "\"\n";
    return kExitUsage;
  }
  if (o.insecure_loopback && !is_loopback(o.listen)) {
    std::cerr << "vigil-collector: --insecure-loopback only listens on loopback, not " << o.listen << "\n";
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
  IngestService service(**store);
  grpc::ServerBuilder builder;
  int port = 0;
  // Plaintext until enrollment and mutual TLS land.
  builder.AddListeningPort(o.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    spdlog::critical("cannot listen on {}", o.listen);
    return 1;
  }
  const std::string bound = o.listen.substr(0, o.listen.rfind(':')) + ":" + std::to_string(port);
  spdlog::info("listening on {} (data in {})", bound, o.data_dir);
  if (!o.port_file.empty()) {
    const std::string tmp = o.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::filesystem::rename(tmp, o.port_file, ec);  // atomic: readers never see a half-written file
  }
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
  return 0;
}

int list_captures(const std::string& data_dir) {
  auto store = open_sqlite_store(data_dir, OpenMode::kReadOnly);
  if (!store) {
    std::cerr << "vigil-collector: " << store.error().message << "\n";
    return 1;
  }
  auto r = (*store)->for_each_capture([](const StoredCapture& c) {
    // Pupil text is attacker-controlled: invalid UTF-8 is replaced, never allowed to abort output.
    std::cout << capture_to_json(c).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  });
  if (!r) {
    std::cerr << "vigil-collector: " << r.error().message << "\n";
    return 1;
  }
  return 0;
}

int list_devices(const std::string& data_dir) {
  auto store = open_sqlite_store(data_dir, OpenMode::kReadOnly);
  if (!store) {
    std::cerr << "vigil-collector: " << store.error().message << "\n";
    return 1;
  }
  auto devices = (*store)->devices();
  if (!devices) {
    std::cerr << "vigil-collector: " << devices.error().message << "\n";
    return 1;
  }
  const auto now = std::chrono::system_clock::now();
  for (const auto& d : *devices) std::cout << device_to_json(d, now).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
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
  serve_cmd->add_flag("--insecure-loopback", serve_options.insecure_loopback, "development only: plaintext, loopback only");

  std::string data_dir;
  bool json = false;
  auto* captures_cmd = app.add_subcommand("captures", "print stored captures, one JSON object per line");
  captures_cmd->add_option("--data-dir", data_dir, "the collector's data directory")->required();
  captures_cmd->add_flag("--json", json, "JSON Lines output (the only format so far)");

  auto* devices_cmd = app.add_subcommand("devices", "print enrolled devices and their coverage, one JSON object per line");
  devices_cmd->add_option("--data-dir", data_dir, "the collector's data directory")->required();
  devices_cmd->add_flag("--json", json, "JSON Lines output (the only format so far)");

  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  if (auto exit_code = vigil::parse_command_line(app, argc, argv)) return *exit_code;

  spdlog::set_default_logger(spdlog::stderr_color_mt("vigil-collector"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  if (serve_cmd->parsed()) {
    const int status = serve(serve_options, *shutdown);
    shutdown->stop();
    return status;
  }
  if (captures_cmd->parsed()) return list_captures(data_dir);
  if (devices_cmd->parsed()) return list_devices(data_dir);
  return vigil::kExitUsage;
}
