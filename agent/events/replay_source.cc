#include "events/replay_source.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <ctime>
#include <sstream>

namespace vigil::agent {
namespace {

// Hostile files must not make the agent hold gigabytes: a longer line is reported and skipped.
constexpr size_t kMaxLineBytes = 1 << 20;

Result<std::chrono::system_clock::time_point> parse_timestamp(const std::string& ts) {
  std::tm tm{};
  std::istringstream in(ts);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return make_error(ErrorCode::kInvalidArgument, "\"ts\" is not an ISO-8601 UTC time: " + ts);
  long millis = 0;
  if (in.peek() == '.') {
    in.get();
    std::string digits;
    while (std::isdigit(in.peek())) digits.push_back(static_cast<char>(in.get()));
    digits = (digits + "000").substr(0, 3);
    millis = std::stol(digits);
  }
  if (in.peek() == 'Z') in.get();
  if (in.peek() != std::char_traits<char>::eof()) return make_error(ErrorCode::kInvalidArgument, "\"ts\" must end in Z (UTC): " + ts);
  const time_t seconds = timegm(&tm);
  return std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(millis);
}

Result<std::string> optional_string(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::string();
  if (!j[key].is_string()) return make_error(ErrorCode::kInvalidArgument, std::string("\"") + key + "\" must be a string");
  return j[key].get<std::string>();
}

std::string encode_position(uint64_t offset, uint64_t line) { return std::to_string(offset) + ":" + std::to_string(line); }

}  // namespace

ReplaySource::ReplaySource(std::string path) : path_(std::move(path)) {}

Result<void> ReplaySource::ensure_open() {
  if (in_.is_open()) return {};
  in_.open(path_, std::ios::binary);
  if (!in_) return make_error(ErrorCode::kNotFound, path_ + ": cannot open replay file");
  in_.seekg(static_cast<std::streamoff>(offset_));
  return {};
}

Result<void> ReplaySource::resume(const std::string& position) {
  const auto colon = position.find(':');
  try {
    offset_ = std::stoull(position.substr(0, colon));
    line_ = colon == std::string::npos ? 0 : std::stoull(position.substr(colon + 1));
  } catch (const std::exception&) {
    return make_error(ErrorCode::kCorrupt, path_ + ": saved position \"" + position + "\" is unreadable");
  }
  in_.close();
  return ensure_open();
}

Result<TextEvent> ReplaySource::parse_line(const std::string& line) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    return make_error(ErrorCode::kInvalidArgument, std::string("not JSON: ") + e.what());
  }
  if (!j.is_object()) return make_error(ErrorCode::kInvalidArgument, "not a JSON object");
  TextEvent ev;
  if (!j.contains("text") || !j["text"].is_string()) return make_error(ErrorCode::kInvalidArgument, "\"text\" is missing or not a string");
  ev.text = j["text"].get<std::string>();
  auto source = optional_string(j, "source");
  if (!source) return source.error();
  if (source->empty()) {
    ev.source = TextSource::kKeyboard;
  } else if (auto s = text_source_from_string(*source)) {
    ev.source = *s;
  } else {
    return make_error(ErrorCode::kInvalidArgument, "\"source\" must be keyboard, window_title, url or clipboard, not \"" + *source + "\"");
  }
  auto ts = optional_string(j, "ts");
  if (!ts) return ts.error();
  if (ts->empty()) {
    ev.observed_at = std::chrono::system_clock::now();
  } else {
    auto parsed = parse_timestamp(*ts);
    if (!parsed) return parsed.error();
    ev.observed_at = *parsed;
  }
  struct Field {
    const char* key;
    std::string* target;
  };
  for (const Field& f : {Field{"user", &ev.user}, Field{"app", &ev.app}, Field{"app_path", &ev.app_path}, Field{"title", &ev.title},
                         Field{"url", &ev.url}, Field{"session", &ev.session_id}}) {
    auto value = optional_string(j, f.key);
    if (!value) return value.error();
    *f.target = std::move(*value);
  }
  for (auto [key, target] : {std::pair{"deleted", &ev.deleted}, std::pair{"unsubmitted", &ev.unsubmitted}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_boolean()) return make_error(ErrorCode::kInvalidArgument, std::string("\"") + key + "\" must be true or false");
    *target = j[key].get<bool>();
  }
  return ev;
}

Result<std::optional<SourcedEvent>> ReplaySource::next() {
  if (auto opened = ensure_open(); !opened) return opened.error();
  std::string line;
  while (true) {
    line.clear();
    // Read by hand so an over-long line is skipped without being held in memory.
    bool too_long = false;
    bool any = false;
    for (int c = in_.get(); c != std::char_traits<char>::eof(); c = in_.get()) {
      any = true;
      ++offset_;
      if (c == '\n') break;
      if (line.size() < kMaxLineBytes) line.push_back(static_cast<char>(c));
      else too_long = true;
    }
    if (!any) {
      in_.clear();  // at end: a later call may find appended lines
      return std::optional<SourcedEvent>();
    }
    ++line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (too_long) {
      last_warning_ = path_ + ":" + std::to_string(line_) + ": line longer than 1 MiB, skipped";
      spdlog::warn("replay {}", last_warning_);
      continue;
    }
    auto ev = parse_line(line);
    if (!ev) {
      last_warning_ = path_ + ":" + std::to_string(line_) + ": " + ev.error().message + ", skipped";
      spdlog::warn("replay {}", last_warning_);
      continue;
    }
    return std::optional<SourcedEvent>(SourcedEvent{std::move(*ev), encode_position(offset_, line_)});
  }
}

}  // namespace vigil::agent
