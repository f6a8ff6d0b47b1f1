#include "console/http.h"

#include "vigil/percent_encoding.h"

namespace vigil::collector::console {

std::string url_decode(std::string_view text) { return percent_decode(text, true); }

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Params parse_form(std::string_view body) {
  Params out;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) out[url_decode(pair)] = "";
    else out[url_decode(pair.substr(0, eq))] = url_decode(pair.substr(eq + 1));
  }
  return out;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

Params query_of(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  return parse_form(target.substr(q + 1));
}

std::string cookie(const Request& req, std::string_view name) {
  const auto range = req.equal_range(http::field::cookie);
  for (auto field = range.first; field != range.second; ++field) {
    std::string_view rest(field->value().data(), field->value().size());
    while (!rest.empty()) {
      const size_t semi = rest.find(';');
      std::string_view part = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      const size_t eq = part.find('=');
      if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
    }
  }
  return {};
}

Response text_response(http::status status, std::string content_type, std::string body) {
  Response res{status, 11};
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response redirect(std::string_view location) {
  Response res{http::status::see_other, 11};
  res.set(http::field::location, std::string(location));
  res.prepare_payload();
  return res;
}

}  // namespace vigil::collector::console
