#pragma once
// A collector data directory with the real SQLite stores (captures, triage, accounts) for tests.

#include <google/protobuf/util/time_util.h>

#include <filesystem>
#include <memory>
#include <random>

#include "accounts/sqlite_account_store.h"
#include "store/sqlite_store.h"
#include "triage/sqlite_triage_store.h"

namespace vigil::test {

class TriageFixture {
 public:
  TriageFixture() {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("vigil-triage-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    store = must(collector::open_sqlite_store(dir_, collector::OpenMode::kReadWrite));
    triage = must(collector::triage::open_sqlite_triage_store(dir_));
    accounts = must(collector::open_sqlite_account_store(dir_));
  }
  ~TriageFixture() {
    accounts.reset();
    triage.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::filesystem::path& dir() const { return dir_; }

  // Stores one capture from `user` with one hit, observed at `observed_ms`.
  void put(const std::string& user, const std::string& category, int severity, int64_t observed_ms, const std::string& text = "some text",
           const std::string& rule = "") {
    v1::Capture c;
    std::string id(16, '\0');
    const uint64_t n = ++next_id_;
    for (int i = 0; i < 8; ++i) id[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    c.set_id(id);
    c.set_device_id("device-1");
    c.set_user(user);
    c.set_source(v1::SOURCE_KEYBOARD);
    c.mutable_application()->set_process_name("firefox");
    c.set_text(text);
    auto* h = c.add_hits();
    h->set_rule_id(rule.empty() ? category + ".rule" : rule);
    h->set_category(category);
    h->set_severity(static_cast<uint32_t>(severity));
    h->set_start(0);
    h->set_end(static_cast<uint32_t>(std::min<size_t>(4, text.size())));
    *c.mutable_observed_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(observed_ms);
    auto r = store->put_captures({&c});
    if (!r) throw std::runtime_error(r.error().message);
  }

  std::unique_ptr<collector::Store> store;
  std::unique_ptr<collector::triage::TriageStore> triage;
  std::unique_ptr<collector::AccountStore> accounts;

 private:
  template <class T>
  static T must(Result<T> r) {
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(r).value();
  }

  std::filesystem::path dir_;
  uint64_t next_id_ = 0;
};

inline constexpr int64_t kMinute = 60 * 1000;
inline constexpr int64_t kT0 = 1764148500000;  // 2025-11-26 09:15 UTC

}  // namespace vigil::test
