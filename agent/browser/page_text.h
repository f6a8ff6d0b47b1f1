#pragma once
// Turns a visited page into the text unit the agent scans: the search query, the page title and
// the words of the URL. Hosts and paths are split on . / - _ and the like, so
// "example.com/how-to-kill-myself" scans as "example com how to kill myself".

#include <string>
#include <string_view>

#include "browser/browser_message.h"

namespace vigil::agent {

// The words of `url`: host and path (percent-decoded), then query and fragment unless
// `with_query` is false, every separator turned into one space. Always valid UTF-8 (undecodable
// bytes become spaces): the text travels in a protobuf string.
std::string url_words(std::string_view url, bool with_query = true);

// Query, title and URL words, one per line, empty parts left out. When the page is a search the
// query line stands for the URL's query string, so the query is not scanned twice.
std::string page_text(const PageVisit& page);

// Whether a window belongs to a browser the extension covers, from its process name or path
// (chromium, chrome, msedge, firefox and relatives; ".exe" ignored).
bool is_browser_app(const std::string& app, const std::string& app_path);

}  // namespace vigil::agent
