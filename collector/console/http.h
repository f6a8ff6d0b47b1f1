#pragma once
// The console's HTTP vocabulary: Beast request/response types and the small parsers every route
// needs (query strings, form bodies, cookies). No socket here, so handlers are tested without one.

#include <boost/beast/http.hpp>

#include <map>
#include <string>
#include <string_view>

namespace vigil::collector::console {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// What a handler produces. `event_stream` asks the server to keep the connection open and push
// server-sent events to it (the response then carries only headers).
struct Reply {
  Response response;
  bool event_stream = false;
  std::string session_token;  // for event streams: re-checked so a logout ends the stream
};

using Params = std::map<std::string, std::string>;

std::string url_decode(std::string_view text);
std::string url_encode(std::string_view text);
// application/x-www-form-urlencoded, also used for query strings. Later duplicates win.
Params parse_form(std::string_view body);
// The path without the query string, and the query parsed.
std::string_view path_of(std::string_view target);
Params query_of(std::string_view target);
std::string cookie(const Request& req, std::string_view name);

Response text_response(http::status status, std::string content_type, std::string body);
Response redirect(std::string_view location);  // 303 See Other

}  // namespace vigil::collector::console
