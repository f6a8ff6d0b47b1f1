#pragma once
// How a capture's source is spelt in everything the collector prints or exports
// (`captures --json`, the CSV and printable records): one table, so they can never disagree.

#include "vigil/v1/capture.pb.h"

namespace vigil::collector {

constexpr const char* source_name(v1::Source s) {
  switch (s) {
    case v1::SOURCE_KEYBOARD: return "keyboard";
    case v1::SOURCE_WINDOW_TITLE: return "window_title";
    case v1::SOURCE_URL: return "url";
    case v1::SOURCE_CLIPBOARD: return "clipboard";
    default: return "unspecified";
  }
}

}  // namespace vigil::collector
