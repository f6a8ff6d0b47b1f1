#include "session/session_protocol.h"

#include <nlohmann/json.hpp>

namespace vigil::agent {
namespace {

using nlohmann::json;

const char* stage_name(UnitStage stage) {
  switch (stage) {
    case UnitStage::kOpen: return "open";
    case UnitStage::kDeleted: return "deleted";
    case UnitStage::kClosed: return "closed";
  }
  return "closed";
}

Result<std::string> string_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return make_error(ErrorCode::kInvalidArgument, std::string("field \"") + name + "\" must be a string");
  return it->get<std::string>();
}

Result<uint64_t> uint_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_unsigned()) return make_error(ErrorCode::kInvalidArgument, std::string("field \"") + name + "\" must be a non-negative integer");
  return it->get<uint64_t>();
}

Result<SessionMessage> parse(const json& j) {
  if (!j.is_object()) return make_error(ErrorCode::kInvalidArgument, "frame is not a JSON object");
  auto type = string_field(j, "type");
  if (!type) return type.error();
  if (*type == "hello") {
    auto version = uint_field(j, "version");
    if (!version) return version.error();
    auto display = string_field(j, "display");
    if (!display) return display.error();
    return SessionMessage(HelloMessage{static_cast<int>(*version), *display});
  }
  if (*type == "coverage") {
    auto state = string_field(j, "state");
    if (!state) return state.error();
    CoverageMessage c{*state, {}};
    if (j.contains("route")) {
      auto route = string_field(j, "route");
      if (!route) return route.error();
      if (route->empty() || route->size() > kMaxRouteBytes) return make_error(ErrorCode::kInvalidArgument, "field \"route\" must be 1.." + std::to_string(kMaxRouteBytes) + " bytes");
      c.route = *route;
    }
    return SessionMessage(std::move(c));
  }
  if (*type == "goodbye") {
    auto reason = string_field(j, "reason");
    if (!reason) return reason.error();
    return SessionMessage(GoodbyeMessage{*reason});
  }
  if (*type == "evdev") {
    EvdevMessage e;
    auto& k = e.keymap;
    for (auto [name, target] : {std::pair{"rules", &k.rules}, {"model", &k.model}, {"layout", &k.layout}, {"variant", &k.variant}, {"options", &k.options}}) {
      auto v = string_field(j, name);
      if (!v) return v.error();
      *target = std::move(*v);
    }
    return SessionMessage(std::move(e));
  }
  if (*type == "focus") {
    FocusMessage f;
    for (auto [name, target] : {std::pair{"window", &f.window.id}, {"app", &f.window.app}, {"app_path", &f.window.app_path}, {"title", &f.window.title}}) {
      auto v = string_field(j, name);
      if (!v) return v.error();
      *target = std::move(*v);
    }
    for (auto [name, target] : {std::pair{"password", &f.password}, {"grab", &f.grab}}) {
      auto it = j.find(name);
      if (it == j.end() || !it->is_boolean()) return make_error(ErrorCode::kInvalidArgument, std::string("field \"") + name + "\" must be a boolean");
      *target = it->get<bool>();
    }
    return SessionMessage(std::move(f));
  }
  if (*type != "unit") return make_error(ErrorCode::kInvalidArgument, "unknown frame type \"" + *type + "\"");
  UnitMessage u;
  auto line = uint_field(j, "line");
  if (!line) return line.error();
  u.line = *line;
  for (auto [name, target] : {std::pair{"stage", &u.stage}, {"text", &u.text}, {"app", &u.app}, {"app_path", &u.app_path}, {"title", &u.title}}) {
    auto v = string_field(j, name);
    if (!v) return v.error();
    *target = std::move(*v);
  }
  if (u.stage != "open" && u.stage != "deleted" && u.stage != "closed" && u.stage != "title" && u.stage != "url") {
    return make_error(ErrorCode::kInvalidArgument, "field \"stage\" must be open, deleted, closed, title or url, not \"" + u.stage + "\"");
  }
  if (u.stage == "url") {
    auto url = string_field(j, "url");
    if (!url) return url.error();
    if (url->empty()) return make_error(ErrorCode::kInvalidArgument, "field \"url\" must not be empty");
    u.url = std::move(*url);
  }
  auto unsubmitted = j.find("unsubmitted");
  if (unsubmitted == j.end() || !unsubmitted->is_boolean()) return make_error(ErrorCode::kInvalidArgument, "field \"unsubmitted\" must be a boolean");
  u.unsubmitted = unsubmitted->get<bool>();
  if (u.stage == "deleted") {
    auto b = uint_field(j, "deleted_begin");
    if (!b) return b.error();
    auto e = uint_field(j, "deleted_end");
    if (!e) return e.error();
    if (*b >= *e || *e > u.text.size()) return make_error(ErrorCode::kInvalidArgument, "fields \"deleted_begin\"/\"deleted_end\" are not a range inside \"text\"");
    u.deleted_begin = *b;
    u.deleted_end = *e;
  }
  auto observed = uint_field(j, "observed_ms");
  if (!observed) return observed.error();
  u.observed_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(*observed));
  return SessionMessage(std::move(u));
}

}  // namespace

UnitMessage unit_message(const TextUnit& unit, std::chrono::system_clock::time_point observed_at) {
  UnitMessage m;
  m.line = unit.line_id;
  m.stage = stage_name(unit.stage);
  m.text = unit.text;
  m.unsubmitted = unit.unsubmitted;
  m.deleted_begin = unit.deleted_begin;
  m.deleted_end = unit.deleted_end;
  m.app = unit.window.app;
  m.app_path = unit.window.app_path;
  m.title = unit.window.title;
  m.observed_at = observed_at;
  return m;
}

std::string encode_frame(const SessionMessage& message) {
  json j;
  if (const auto* h = std::get_if<HelloMessage>(&message)) {
    j = {{"type", "hello"}, {"version", h->version}, {"display", h->display}};
  } else if (const auto* c = std::get_if<CoverageMessage>(&message)) {
    j = {{"type", "coverage"}, {"state", c->state}};
    if (!c->route.empty()) j["route"] = c->route;
  } else if (const auto* g = std::get_if<GoodbyeMessage>(&message)) {
    j = {{"type", "goodbye"}, {"reason", g->reason}};
  } else if (const auto* e = std::get_if<EvdevMessage>(&message)) {
    const auto& k = e->keymap;
    j = {{"type", "evdev"}, {"rules", k.rules}, {"model", k.model}, {"layout", k.layout}, {"variant", k.variant}, {"options", k.options}};
  } else if (const auto* f = std::get_if<FocusMessage>(&message)) {
    j = {{"type", "focus"},          {"window", f->window.id},  {"app", f->window.app}, {"app_path", f->window.app_path},
         {"title", f->window.title}, {"password", f->password}, {"grab", f->grab}};
  } else {
    const auto& u = std::get<UnitMessage>(message);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(u.observed_at.time_since_epoch()).count();
    j = {{"type", "unit"},        {"line", u.line}, {"stage", u.stage},       {"text", u.text},
         {"unsubmitted", u.unsubmitted}, {"app", u.app},   {"app_path", u.app_path}, {"title", u.title},
         {"observed_ms", static_cast<uint64_t>(std::max<int64_t>(ms, 0))}};
    if (u.stage == "url") j["url"] = u.url;
    if (u.stage == "deleted") {
      j["deleted_begin"] = u.deleted_begin;
      j["deleted_end"] = u.deleted_end;
    }
  }
  // Invalid UTF-8 (a broken keymap) is replaced rather than aborting the helper.
  std::string payload = j.dump(-1, ' ', false, json::error_handler_t::replace);
  const auto n = static_cast<uint32_t>(payload.size());
  std::string frame{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
  return frame + payload;
}

Result<std::optional<SessionMessage>> FrameDecoder::next() {
  if (buffer_.size() < 4) return std::optional<SessionMessage>{};
  const auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(buffer_[i])); };
  const uint32_t n = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
  if (n == 0 || n > kMaxFrameBytes) {
    return make_error(ErrorCode::kInvalidArgument, "frame length " + std::to_string(n) + " is outside 1.." + std::to_string(kMaxFrameBytes));
  }
  if (buffer_.size() < 4 + n) return std::optional<SessionMessage>{};
  const json j = json::parse(buffer_.begin() + 4, buffer_.begin() + 4 + n, nullptr, false);
  buffer_.erase(0, 4 + n);
  if (j.is_discarded()) return make_error(ErrorCode::kInvalidArgument, "frame is not valid JSON");
  auto message = parse(j);
  if (!message) return message.error();
  return std::optional<SessionMessage>(std::move(*message));
}

}  // namespace vigil::agent
