#include "support/vigil_harness.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "vigil/sqlite_db.h"

namespace vigil::test {
namespace {

constexpr std::chrono::seconds kStartTimeout{30};

uint64_t count_rows(const std::filesystem::path& db_path, const char* sql) {
  if (!std::filesystem::exists(db_path)) return 0;
  auto db = SqliteDb::open(db_path.string(), true);
  if (!db) return 0;
  Statement q(db->handle(), sql);
  if (!q.ok() || q.step() != SQLITE_ROW) return 0;
  return static_cast<uint64_t>(q.column_int(0));
}

}  // namespace

std::string agent_binary() { return VIGIL_AGENT_BIN; }
std::string collector_binary() { return VIGIL_COLLECTOR_BIN; }
std::string scan_binary() { return VIGIL_SCAN_BIN; }
std::string small_pack_dir() { return VIGIL_TEST_DATA_DIR "/pack_small"; }
std::string shipped_pack_dir() { return VIGIL_SHIPPED_PACK_DIR; }

CollectorProcess::CollectorProcess(const std::filesystem::path& data_dir, const std::filesystem::path& log, int port,
                                   bool insecure_loopback)
    : data_dir_(data_dir) {
  const auto port_file = data_dir.parent_path() / (data_dir.filename().string() + ".port");
  std::filesystem::remove(port_file);
  std::vector<std::string> args{collector_binary(), "serve", "--listen", "127.0.0.1:" + std::to_string(port), "--data-dir",
                                data_dir.string(), "--port-file", port_file.string()};
  if (insecure_loopback) args.push_back("--insecure-loopback");
  process_ = std::make_unique<ChildProcess>(args, log);
  const bool up = wait_until([&] { return std::filesystem::exists(port_file) || !process_->running(); }, kStartTimeout);
  if (!up || !std::filesystem::exists(port_file)) throw std::runtime_error("collector did not start: " + read_file(log));
  port_ = std::stoi(read_file(port_file));
}

uint64_t CollectorProcess::stored_count() const { return count_rows(data_dir_ / "collector.db", "SELECT count(*) FROM captures"); }

std::vector<nlohmann::json> CollectorProcess::captures() const {
  const RunResult r = run({collector_binary(), "captures", "--data-dir", data_dir_.string(), "--json"});
  if (r.status != 0) throw std::runtime_error("captures failed: " + r.err);
  return parse_json_lines(r.out);
}

std::optional<nlohmann::json> CollectorProcess::wait_for_capture(const std::string& needle, std::chrono::milliseconds timeout) const {
  std::optional<nlohmann::json> found;
  wait_until(
      [&] {
        for (auto& c : captures()) {
          if (c["text"].get<std::string>().find(needle) != std::string::npos) {
            found = c;
            return true;
          }
        }
        return false;
      },
      timeout);
  return found;
}

std::vector<nlohmann::json> CollectorProcess::devices() const {
  const RunResult r = run({collector_binary(), "devices", "--data-dir", data_dir_.string(), "--json"});
  if (r.status != 0) throw std::runtime_error("devices failed: " + r.err);
  return parse_json_lines(r.out);
}

std::vector<nlohmann::json> CollectorProcess::evictions() const {
  const RunResult r = run({collector_binary(), "evictions", "--data-dir", data_dir_.string(), "--json"});
  if (r.status != 0) throw std::runtime_error("evictions failed: " + r.err);
  return parse_json_lines(r.out);
}

std::string CollectorProcess::create_token(const std::vector<std::string>& extra) const {
  std::vector<std::string> args{collector_binary(), "enroll-token", "create", "--data-dir", data_dir_.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  const RunResult r = run(args);
  if (r.status != 0) throw std::runtime_error("enroll-token create failed: " + r.err);
  std::string token = r.out;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

std::string enroll_agent(const CollectorProcess& collector, const std::filesystem::path& agent_data_dir) {
  const RunResult r = run({agent_binary(), "enroll", "--collector", collector.address(), "--token", collector.create_token(), "--data-dir",
                           agent_data_dir.string()});
  if (r.status != 0) throw std::runtime_error("enroll failed: " + r.err);
  std::string id = r.out;
  while (!id.empty() && id.back() == '\n') id.pop_back();
  return id;
}

std::vector<std::string> secure_agent_args(const std::string& collector, const std::filesystem::path& data_dir,
                                           const std::filesystem::path& replay, bool once) {
  std::vector<std::string> args = agent_args(collector, data_dir, replay, once);
  args.erase(std::find(args.begin(), args.end(), "--insecure-loopback"));
  return args;
}

std::vector<std::string> agent_args(const std::string& collector, const std::filesystem::path& data_dir,
                                    const std::filesystem::path& replay, bool once) {
  std::vector<std::string> args{agent_binary(), "--collector", collector, "--data-dir", data_dir.string(),
                                "--source", "replay:" + replay.string(), "--rules", small_pack_dir(), "--insecure-loopback",
                                "--backoff-initial-ms", "200", "--backoff-max-ms", "1000"};
  if (once) args.push_back("--once");
  return args;
}

uint64_t outbox_depth(const std::filesystem::path& agent_data_dir) {
  return count_rows(agent_data_dir / "outbox.db", "SELECT count(*) FROM outbox");
}

std::vector<nlohmann::json> parse_json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace vigil::test
