#include <doctest/doctest.h>

#include "collector/triage_fixture.h"
#include "vigil/sqlite_db.h"

using namespace vigil;
using namespace vigil::collector::triage;
using vigil::test::kMinute;
using vigil::test::kT0;

TEST_CASE("captures from one pupil and category within the window group into one item") {
  test::TriageFixture f;
  f.put("sam", "bullying", 3, kT0);
  f.put("sam", "bullying", 4, kT0 + 10 * kMinute);
  f.put("sam", "bullying", 3, kT0 + 35 * kMinute);  // within 30 minutes of the item's last activity
  f.put("sam", "suicide", 5, kT0 + 36 * kMinute);   // another category: its own item
  f.put("kim", "bullying", 3, kT0);                 // another pupil: its own item
  f.put("sam", "bullying", 3, kT0 + 200 * kMinute); // long after: a new item
  REQUIRE(f.triage->sync(4).ok());
  auto page = f.triage->inbox({});
  REQUIRE(page.ok());
  REQUIRE(page->total == 4);
  // Most severe first, then newest.
  CHECK(page->items[0].category == "suicide");
  CHECK(page->items[0].max_severity == 5);
  CHECK(page->items[1].max_severity == 4);
  CHECK(page->items[1].capture_count == 3);
  CHECK(page->items[1].first_at == kT0);
  CHECK(page->items[1].last_at == kT0 + 35 * kMinute);
  CHECK(page->items[2].last_at == kT0 + 200 * kMinute);
  CHECK(page->items[3].user == "kim");
  // Unknown pupils stay visible with their user name.
  CHECK(page->items[3].pupil.username == "kim");
  CHECK(page->items[3].pupil.name.empty());
}

TEST_CASE("each item alerts once, when it first reaches the alert severity") {
  test::TriageFixture f;
  f.put("sam", "suicide", 3, kT0);
  auto first = f.triage->sync(5);
  REQUIRE(first.ok());
  CHECK(first->empty());
  f.put("sam", "suicide", 5, kT0 + kMinute);  // joins the item and lifts it to 5
  f.put("sam", "suicide", 5, kT0 + 2 * kMinute);
  auto second = f.triage->sync(5);
  REQUIRE(second.ok());
  REQUIRE(second->size() == 1);
  CHECK((*second)[0].severity == 5);
  CHECK((*second)[0].user == "sam");
  f.put("sam", "suicide", 5, kT0 + 3 * kMinute);
  auto third = f.triage->sync(5);
  REQUIRE(third.ok());
  CHECK(third->empty());
  // Syncing again with nothing new changes nothing.
  CHECK(f.triage->sync(5)->empty());
  CHECK(f.triage->inbox({})->items[0].capture_count == 4);
}

TEST_CASE("status transitions follow the workflow and are recorded") {
  test::TriageFixture f;
  f.put("sam", "bullying", 3, kT0);
  REQUIRE(f.triage->sync(5).ok());
  const int64_t id = f.triage->inbox({})->items[0].id;
  REQUIRE(f.triage->set_status(id, Status::kInReview, "dsl1").ok());
  auto back = f.triage->set_status(id, Status::kNew, "dsl1");
  REQUIRE_FALSE(back.ok());
  CHECK(back.error().message.find("\"in_review\" cannot become \"new\"") != std::string::npos);
  REQUIRE(f.triage->assign(id, "dsl2", "dsl1").ok());
  REQUIRE(f.triage->add_note(id, "spoke to form tutor", "dsl1").ok());
  REQUIRE(f.triage->set_status(id, Status::kResolved, "dsl1").ok());
  CHECK(f.triage->set_status(999, Status::kResolved, "dsl1").error().code == ErrorCode::kNotFound);
  auto d = f.triage->item(id);
  REQUIRE(d.ok());
  REQUIRE(d->has_value());
  CHECK((*d)->summary.status == Status::kResolved);
  CHECK((*d)->summary.assignee == "dsl2");
  REQUIRE((*d)->notes.size() == 1);
  CHECK((*d)->notes[0].author == "dsl1");
  REQUIRE((*d)->history.size() == 4);
  CHECK((*d)->history[0].detail == "new -> in_review");
  // Resolved items leave the default (open) inbox but stay in "all".
  CHECK(f.triage->inbox({})->total == 0);
  InboxFilter all;
  all.all_statuses = true;
  CHECK(f.triage->inbox(all)->total == 1);
  // A closed item does not absorb new captures: a new concern is a new item.
  f.put("sam", "bullying", 3, kT0 + kMinute);
  REQUIRE(f.triage->sync(5).ok());
  CHECK(f.triage->inbox({})->total == 1);
}

TEST_CASE("an exception is proposed only for a false positive and a rule that fired; approval is once") {
  test::TriageFixture f;
  f.put("jo", "drugs", 3, kT0, "buy weed for the play", "drugs.buy-weed");
  REQUIRE(f.triage->sync(5).ok());
  const int64_t id = f.triage->inbox({})->items[0].id;
  auto early = f.triage->propose_exception(id, "drugs.buy-weed", "a play", "dsl1");
  REQUIRE_FALSE(early.ok());
  CHECK(early.error().message.find("false positive first") != std::string::npos);
  REQUIRE(f.triage->set_status(id, Status::kFalsePositive, "dsl1").ok());
  CHECK_FALSE(f.triage->propose_exception(id, "suicide.kms", "no", "dsl1").ok());
  auto proposal = f.triage->propose_exception(id, "drugs.buy-weed", "a play", "dsl1");
  REQUIRE(proposal.ok());
  auto list = f.triage->exception_proposals();
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].state == "pending");
  CHECK((*list)[0].category == "drugs");
  REQUIRE(f.triage->decide_exception(*proposal, true, "nm").ok());
  CHECK_FALSE(f.triage->decide_exception(*proposal, false, "nm").ok());
  CHECK((*f.triage->exception_proposals())[0].state == "approved");
}

TEST_CASE("the audit log is append-only, enforced by the database") {
  test::TriageFixture f;
  REQUIRE(f.triage->append_audit({0, 0, "dsl1", "dsl", "view_item", "item:1", "127.0.0.1"}).ok());
  auto db = SqliteDb::open((f.dir() / "collector.db").string());
  REQUIRE(db.ok());
  auto upd = db->exec("UPDATE audit_log SET actor = 'someone else'");
  REQUIRE_FALSE(upd.ok());
  CHECK(upd.error().message.find("append-only") != std::string::npos);
  CHECK_FALSE(db->exec("DELETE FROM audit_log").ok());
  auto entries = f.triage->audit_entries(10, 0);
  REQUIRE(entries->size() == 1);
  CHECK((*entries)[0].actor == "dsl1");
  CHECK((*entries)[0].remote == "127.0.0.1");
}

TEST_CASE("filters: text (quotes are not query syntax), year group, category, severity, dates") {
  test::TriageFixture f;
  f.put("sam", "bullying", 3, kT0, "everyone hates you \"loser\"");
  f.put("kim", "suicide", 5, kT0 + 2 * 24 * 60 * kMinute, "i want to kill myself");
  REQUIRE(f.triage->upsert_pupil({"kim", "Kim Lee", "9", "9B"}).ok());
  REQUIRE(f.triage->sync(5).ok());
  InboxFilter text;
  text.text = "hates you \"loser";
  CHECK(f.triage->inbox(text)->total == 1);
  text.text = "kill OR hates";  // FTS operators in pupil text are just words
  CHECK(f.triage->inbox(text)->total == 0);
  InboxFilter year;
  year.year_group = "9";
  auto y = f.triage->inbox(year);
  REQUIRE(y->total == 1);
  CHECK(y->items[0].pupil.name == "Kim Lee");
  CHECK(y->items[0].pupil.form == "9B");
  InboxFilter severity;
  severity.min_severity = 4;
  CHECK(f.triage->inbox(severity)->total == 1);
  InboxFilter category;
  category.category = "bullying";
  CHECK(f.triage->inbox(category)->items.at(0).user == "sam");
  InboxFilter dates;
  dates.from = kT0 + 24 * 60 * kMinute;
  CHECK(f.triage->inbox(dates)->items.at(0).user == "kim");
  dates.from.reset();
  dates.to = kT0 + kMinute;
  CHECK(f.triage->inbox(dates)->items.at(0).user == "sam");
  auto timeline = f.triage->timeline("kim", 10, 0);
  REQUIRE(timeline->size() == 1);
  CHECK(timeline->at(0).capture.text() == "i want to kill myself");
  CHECK(timeline->at(0).item_id > 0);
}
