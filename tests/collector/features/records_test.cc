// The features' queries over a real collector.db: captures stored by the capture store, grouped by
// the triage store, then exported, held, reported, alerted and purged.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "../capture_fixture.h"
#include "records/sqlite_records.h"
#include "store/sqlite_store.h"
#include "support/process.h"
#include "triage/sqlite_triage_store.h"

using namespace vigil::collector;
using vigil::test::TempDir;
using vigil::test::valid_capture;

namespace {

struct Fixture {
  TempDir dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<triage::TriageStore> triage;
  std::unique_ptr<SqliteRecords> records;

  Fixture() {
    store = open_sqlite_store(dir.path(), OpenMode::kReadWrite).value();
    triage = triage::open_sqlite_triage_store(dir.path()).value();
    auto r = SqliteRecords::open(dir.path());
    REQUIRE(r.ok());
    records = std::move(r).value();
  }

  // Stores captures and groups them; returns the item ids, oldest first.
  std::vector<int64_t> ingest(const std::vector<vigil::v1::Capture>& captures) {
    std::vector<const vigil::v1::Capture*> ptrs;
    for (const auto& c : captures) ptrs.push_back(&c);
    REQUIRE(store->put_captures(ptrs).ok());
    REQUIRE(triage->sync(5).ok());
    triage::InboxFilter all;
    all.all_statuses = true;
    auto page = triage->inbox(all);
    REQUIRE(page.ok());
    std::vector<int64_t> ids;
    for (const auto& i : page->items) ids.push_back(i.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }
};

vigil::v1::Capture capture(char id, const std::string& user, const std::string& text, uint32_t severity = 5, const std::string& category = "suicide") {
  auto c = valid_capture(id, text);
  c.set_user(user);
  c.mutable_hits(0)->set_severity(severity);
  c.mutable_hits(0)->set_category(category);
  c.mutable_hits(0)->set_start(0);
  c.mutable_hits(0)->set_end(static_cast<uint32_t>(std::min<size_t>(4, text.size())));
  c.set_window_title("<b>title</b>");
  return c;
}

}  // namespace

TEST_CASE("an exported item has every capture oldest first, the pupil, notes and the hold") {
  Fixture f;
  auto second = capture('b', "jo", "second kill myself");
  second.set_source(vigil::v1::SOURCE_WINDOW_TITLE);
  const auto ids = f.ingest({capture('a', "jo", "=cmd first"), second});
  REQUIRE(ids.size() == 1);  // same pupil, same category, minutes apart: one item
  REQUIRE(f.triage->upsert_pupil({"jo", "Jo Bloggs", "Year 9", "9R"}).ok());
  REQUIRE(f.triage->add_note(ids[0], "spoke to Jo", "dsl1").ok());
  REQUIRE(f.records->set_legal_hold(ids[0], true, "dsl1").ok());
  auto item = f.records->export_item(ids[0]);
  REQUIRE(item.ok());
  REQUIRE(item->has_value());
  const ExportItem& e = **item;
  CHECK(e.pupil_name == "Jo Bloggs");
  CHECK(e.year_group == "Year 9");
  CHECK(e.legal_hold);
  REQUIRE(e.captures.size() == 2);
  CHECK(e.captures[0].window_title == "<b>title</b>");
  CHECK(e.captures[0].hits.size() == 1);
  // Spelt as `captures --json` spells it.
  CHECK(e.captures[0].source == "keyboard");
  CHECK(e.captures[1].source == "window_title");
  REQUIRE(e.notes.size() == 1);
  CHECK(e.notes[0].author == "dsl1");
  CHECK(!f.records->export_item(9999)->has_value());
  // The hold is in the item's history.
  auto detail = f.triage->item(ids[0]);
  REQUIRE(detail.ok());
  bool recorded = false;
  for (const auto& ev : (*detail)->history) recorded |= ev.kind == "legal_hold";
  CHECK(recorded);
  CHECK(f.records->set_legal_hold(9999, true, "dsl1").error().code == vigil::ErrorCode::kNotFound);
}

TEST_CASE("retention purges resolved items past the period, keeps held and open ones, audits counts") {
  Fixture f;
  const auto ids = f.ingest({capture('a', "jo", "kill myself"), capture('b', "sam", "kill myself too"), capture('c', "amir", "kill myself now"),
                             capture('d', "amir", "kill myself again")});
  REQUIRE(ids.size() == 3);
  for (const int64_t id : {ids[0], ids[1]}) {
    REQUIRE(f.triage->set_status(id, triage::Status::kInReview, "dsl1").ok());
    REQUIRE(f.triage->set_status(id, triage::Status::kResolved, "dsl1").ok());
  }
  REQUIRE(f.triage->add_note(ids[0], "closed", "dsl1").ok());
  REQUIRE(f.records->set_legal_hold(ids[1], true, "dsl1").ok());
  const auto policy = *make_retention_policy(15);

  // Not yet due: nothing goes, the run is still audited.
  auto early = run_purge(*f.records, policy, std::chrono::system_clock::now() + std::chrono::days(30));
  REQUIRE(early.ok());
  CHECK(early->items == 0);

  auto later = run_purge(*f.records, policy, std::chrono::system_clock::now() + std::chrono::days(16 * 31));
  REQUIRE(later.ok());
  CHECK(later->items == 1);
  CHECK(later->captures == 1);
  CHECK(later->notes == 1);
  CHECK(!f.records->export_item(ids[0])->has_value());
  CHECK(f.records->export_item(ids[1])->has_value());  // held
  CHECK(f.records->export_item(ids[2])->has_value());  // open
  // The capture itself is gone from the capture store, not just unlinked.
  int stored = 0;
  REQUIRE(f.store->for_each_capture([&](const StoredCapture&) { ++stored; }).ok());
  CHECK(stored == 3);
  auto audit = f.triage->audit_entries(10, 0);
  REQUIRE(audit.ok());
  REQUIRE(audit->size() == 2);
  CHECK(audit->front().action == "purge");
  CHECK(audit->front().actor == "retention");
  CHECK(audit->front().target == "items:1 captures:1 notes:1 retention_months:15");

  // Lifting the hold lets the next run purge it.
  REQUIRE(f.records->set_legal_hold(ids[1], false, "dsl1").ok());
  auto after = run_purge(*f.records, policy, std::chrono::system_clock::now() + std::chrono::days(16 * 31));
  REQUIRE(after.ok());
  CHECK(after->items == 1);
}

TEST_CASE("report rows carry category, year group and open time only") {
  Fixture f;
  f.ingest({capture('a', "jo", "kill myself"), capture('b', "sam", "bully", 3, "bullying")});
  REQUIRE(f.triage->upsert_pupil({"jo", "Jo Bloggs", "Year 9", "9R"}).ok());
  const auto now = std::chrono::system_clock::now();
  auto rows = f.records->report_items(now - std::chrono::days(1), now + std::chrono::days(1));
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 2);
  std::set<std::pair<std::string, std::string>> got;
  for (const auto& r : *rows) got.insert({r.category, r.year_group});
  CHECK(got == std::set<std::pair<std::string, std::string>>{{"suicide", "Year 9"}, {"bullying", ""}});
}

TEST_CASE("alert events: open items at or above the threshold, with year group and device, no content") {
  Fixture f;
  const auto start = std::chrono::system_clock::now() - std::chrono::seconds(1);
  const auto ids = f.ingest({capture('a', "jo", "kill myself"), capture('b', "sam", "bully", 3, "bullying")});
  REQUIRE(f.triage->upsert_pupil({"jo", "Jo Bloggs", "Year 9", "9R"}).ok());
  auto events = f.records->alert_events(5, start);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  CHECK((*events)[0].item_key == "item:" + std::to_string(ids[0]));
  CHECK((*events)[0].year_group == "Year 9");
  CHECK((*events)[0].device == "device-1");
  CHECK((*events)[0].console_path == "/items/" + std::to_string(ids[0]));
  CHECK(f.records->alert_events(3, start)->size() == 2);
  CHECK(f.records->alert_events(5, std::chrono::system_clock::now() + std::chrono::hours(1))->empty());
}
