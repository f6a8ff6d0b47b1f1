#include <doctest/doctest.h>

#include "directory/csv_reader.h"
#include "directory/mis_import.h"
#include "directory/pupil_directory.h"
#include "support/process.h"

using namespace vigil::collector;
using vigil::test::TempDir;

TEST_CASE("CSV reader: BOM, CRLF, quoted commas, doubled quotes, line breaks in quotes") {
  const std::string text = "\xEF\xBB\xBFh1,h2\r\n\"a, b\",\"say \"\"hi\"\"\"\r\n\r\n\"multi\r\nline\",x\nlast,\"\"";
  auto r = read_csv(text, "f.csv");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 4);
  CHECK((*r)[0].fields == std::vector<std::string>{"h1", "h2"});
  CHECK((*r)[1].fields == std::vector<std::string>{"a, b", "say \"hi\""});
  CHECK((*r)[2].fields == std::vector<std::string>{"multi\r\nline", "x"});
  CHECK((*r)[2].line == 4);
  CHECK((*r)[3].line == 6);
  CHECK((*r)[3].fields == std::vector<std::string>{"last", ""});
}

TEST_CASE("CSV reader: broken quoting names FILE:LINE") {
  auto r = read_csv("a,b\nc,\"open\nd", "pupils.csv");
  REQUIRE(!r.ok());
  CHECK(r.error().message == "pupils.csv:2: a quoted field is never closed");
  auto r2 = read_csv("a,b\n\"x\"y,z", "pupils.csv");
  REQUIRE(!r2.ok());
  CHECK(r2.error().message == "pupils.csv:2: unexpected character after a closing quote");
}

TEST_CASE("year groups in the forms MIS systems write them") {
  for (const char* nine : {"Year 9", "Y9", "y9", "9", "Yr 9", "Yr9", "NC Year 9", "Year 09", " 9 ", "year9"}) {
    auto r = normalise_year_group(nine);
    REQUIRE_MESSAGE(r.ok(), nine);
    CHECK_MESSAGE(*r == "Year 9", nine);
  }
  CHECK(*normalise_year_group("R") == "Reception");
  CHECK(*normalise_year_group("Reception") == "Reception");
  CHECK(*normalise_year_group("N2") == "Nursery");
  CHECK(*normalise_year_group("13") == "Year 13");
  CHECK(*normalise_year_group("") == "");
  CHECK(!normalise_year_group("Year 15").ok());
  CHECK(!normalise_year_group("9R").ok());
  CHECK(normalise_year_group("banana").error().message.find("\"banana\"") != std::string::npos);
}

TEST_CASE("SIMS export: legal and preferred names, Year, Reg Group, username column") {
  const std::string sims =
      "\xEF\xBB\xBF\"Legal Surname\",\"Legal Forename\",\"Preferred Forename\",\"Year\",\"Reg Group\",\"Network Username\"\r\n"
      "\"O'Brien\",\"Siobhan\",\"Shiv\",\"Year 10\",\"10F\",\"sobrien\"\r\n"
      "\"Smith, Jr\",\"Alex\",\"\",\"Year 7\",\"7A\",\"asmith\"\r\n"
      "\"Nowak\",\"Zo\xC3\xAB\",\"\",\"Year 8\",\"8C\",\"znowak\"\r\n";
  auto r = parse_mis_csv(sims, "sims.csv");
  REQUIRE(r.ok());
  CHECK(r->rejected.empty());
  REQUIRE(r->pupils.size() == 3);
  CHECK(r->pupils[0].username == "sobrien");
  CHECK(r->pupils[0].display_name == "Shiv O'Brien");
  CHECK(r->pupils[0].year_group == "Year 10");
  CHECK(r->pupils[0].form == "10F");
  CHECK(r->pupils[1].display_name == "Alex Smith, Jr");
  CHECK(r->pupils[2].display_name == "Zo\xC3\xAB Nowak");
}

TEST_CASE("Arbor export: First name / Last name / Year / Registration form / Email address") {
  const std::string arbor =
      "First name,Last name,Preferred first name,Year,Registration form,Email address\n"
      "Sam,Lee,,Y11,11L,slee@pupils.school.example\n";
  auto r = parse_mis_csv(arbor, "arbor.csv");
  REQUIRE(r.ok());
  REQUIRE(r->pupils.size() == 1);
  CHECK(r->pupils[0].username == "slee");
  CHECK(r->pupils[0].display_name == "Sam Lee");
  CHECK(r->pupils[0].year_group == "Year 11");
}

TEST_CASE("Bromcom export: Forename/Surname/NC Year/Tutor Group in another order") {
  const std::string bromcom =
      "NC Year,Tutor Group,Surname,Forename,Username\r\n"
      "9,9B,Khan,Amir,akhan\r\n"
      "R,RB,Jones,Ella,ejones\r\n";
  auto r = parse_mis_csv(bromcom, "bromcom.csv");
  REQUIRE(r.ok());
  REQUIRE(r->pupils.size() == 2);
  CHECK(r->pupils[0].year_group == "Year 9");
  CHECK(r->pupils[0].form == "9B");
  CHECK(r->pupils[1].year_group == "Reception");
}

TEST_CASE("bad rows are rejected with FILE:LINE and the reason; good rows kept") {
  const std::string text =
      "Username,Name,Year Group,Form\n"
      "ok1,Ann A,7,7A\n"
      ",No Login,7,7A\n"
      "bad year,Bee B,7,7A\n"
      "ok2,Cee C,Year 42,7A\n"
      "OK1,Dup D,7,7A\n"
      "ok3,\"Multi\nLine\",8,8A\n"
      "ok4,Bad \xff,8,8A\n"
      "ok5,Too,8,8A,extra\n"
      "ok6,Fine F,,\n";
  auto r = parse_mis_csv(text, "p.csv");
  REQUIRE(r.ok());
  std::vector<std::string> names;
  for (const auto& p : r->pupils) names.push_back(p.username);
  CHECK(names == std::vector<std::string>{"ok1", "ok3", "ok6"});
  CHECK(r->pupils[1].display_name == "Multi Line");
  CHECK(r->pupils[2].year_group == "");  // no year given: kept, shown as unknown
  REQUIRE(r->rejected.size() == 6);
  CHECK(r->rejected[0] == "p.csv:3: no username");
  CHECK(r->rejected[1] == "p.csv:4: username \"bad year\" has a space or control character");
  CHECK(r->rejected[2].rfind("p.csv:5: year group \"Year 42\"", 0) == 0);
  CHECK(r->rejected[3] == "p.csv:6: username OK1 already given on line 2");
  CHECK(r->rejected[4] == "p.csv:9: not UTF-8 (save the export as CSV UTF-8)");
  CHECK(r->rejected[5] == "p.csv:10: 5 fields, but the header has 4");
}

TEST_CASE("a file without a username or name column is refused as a whole") {
  auto r = parse_mis_csv("Surname,Forename,Year\nA,B,7\n", "x.csv");
  REQUIRE(!r.ok());
  CHECK(r.error().message.rfind("x.csv:1: no username column", 0) == 0);
  auto r2 = parse_mis_csv("Username,Year\na,7\n", "x.csv");
  REQUIRE(!r2.ok());
  CHECK(r2.error().message.rfind("x.csv:1: no name column", 0) == 0);
  CHECK(!parse_mis_csv("", "empty.csv").ok());
}

TEST_CASE("the directory adds, updates and keeps pupils, in the table the console joins") {
  TempDir dir;
  auto directory = PupilDirectory::open(dir.path());
  REQUIRE(directory.ok());
  auto first = import_pupil_csv(*directory, "Username,Name,Year\njo,Jo Bloggs,9\nsam,Sam Lee,10\nbad user,X,9\n", "a.csv");
  REQUIRE(first.ok());
  CHECK(first->counts.added == 2);
  CHECK(first->counts.rejected == 1);
  auto second = import_pupil_csv(*directory, "Username,Name,Year\njo,Jo Bloggs,10\nsam,Sam Lee,10\nnew,New Pupil,7\n", "b.csv");
  REQUIRE(second.ok());
  CHECK(second->counts.added == 1);
  CHECK(second->counts.updated == 1);  // moved up a year
  CHECK(second->counts.unchanged == 1);
  auto jo = directory->find("jo");
  REQUIRE(jo.ok());
  REQUIRE(jo->has_value());
  CHECK((*jo)->year_group == "Year 10");
  CHECK((*jo)->display_name == "Jo Bloggs");
  CHECK(!directory->find("nobody")->has_value());
  CHECK(directory->all()->size() == 3);  // a partial file never wipes the directory

  // The triage store sees the same pupils (the inbox shows names and year groups from them).
  auto db = vigil::SqliteDb::open((dir.path() / "collector.db").string());
  REQUIRE(db.ok());
  vigil::Statement q(db->handle(), "SELECT name, year_group FROM pupils WHERE username = 'jo'");
  REQUIRE(q.step() == SQLITE_ROW);
  CHECK(q.column_text(0) == "Jo Bloggs");
  CHECK(q.column_text(1) == "Year 10");
}

TEST_CASE("an import that fails part way leaves the directory as it was, and the next one works") {
  TempDir dir;
  auto directory = PupilDirectory::open(dir.path());
  REQUIRE(directory.ok());
  REQUIRE(import_pupil_csv(*directory, "Username,Name,Year\njo,Jo Bloggs,9\n", "a.csv").ok());
  // A real SQLite failure on the third row of the next file.
  auto db = vigil::SqliteDb::open((dir.path() / "collector.db").string());
  REQUIRE(db.ok());
  REQUIRE(db->exec("CREATE TRIGGER refuse_poison BEFORE INSERT ON pupils WHEN NEW.username = 'poison' "
                   "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
              .ok());
  auto failed = import_pupil_csv(*directory, "Username,Name,Year\njo,Jo Bloggs,10\nsam,Sam Lee,10\npoison,P,7\n", "b.csv");
  REQUIRE(!failed.ok());
  CHECK(failed.error().message.find("writing the pupil directory") != std::string::npos);
  CHECK(failed.error().message.find("refused by the test") != std::string::npos);
  auto pupils = directory->all();
  REQUIRE(pupils.ok());
  REQUIRE(pupils->size() == 1);
  CHECK((*pupils)[0].year_group == "Year 9");  // jo's update went with the rest
  auto next = import_pupil_csv(*directory, "Username,Name,Year\njo,Jo Bloggs,10\nsam,Sam Lee,10\n", "c.csv");
  REQUIRE(next.ok());
  CHECK(next->counts.added == 1);
  CHECK(next->counts.updated == 1);
}
