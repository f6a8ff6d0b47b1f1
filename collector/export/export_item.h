#pragma once
// What an export needs to know about a triage item, as plain data: the console's store fills it,
// the writers never touch the store. Text fields hold pupil text as received (unescaped).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace vigil::collector {

struct ExportHit {
  std::string rule;
  std::string category;
  uint32_t severity = 0;
  uint32_t start = 0;  // UTF-8 byte offsets into ExportCapture::text, end exclusive
  uint32_t end = 0;
};

struct ExportCapture {
  std::string id;  // printable (UUID text)
  std::chrono::system_clock::time_point observed_at;
  std::string device;
  std::string source;  // keyboard, window_title, url, clipboard
  std::string application;
  std::string window_title;
  std::string url;
  std::string text;  // the bounded context window
  bool deleted = false;
  bool unsubmitted = false;
  std::vector<ExportHit> hits;
};

struct ExportNote {
  std::string author;
  std::chrono::system_clock::time_point at;
  std::string text;
};

struct ExportItem {
  std::string id;
  std::string status;
  std::string category;
  uint32_t severity = 0;
  std::string username;
  std::string pupil_name;  // empty when the username is not in the pupil directory
  std::string year_group;
  std::string form;
  std::chrono::system_clock::time_point first_seen;
  std::chrono::system_clock::time_point last_seen;
  bool legal_hold = false;
  std::vector<ExportCapture> captures;
  std::vector<ExportNote> notes;
};

// "2026-11-26T09:15:02Z"
std::string utc_iso8601(std::chrono::system_clock::time_point t);

}  // namespace vigil::collector
