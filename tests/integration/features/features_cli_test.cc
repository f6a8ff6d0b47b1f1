// Command lines of the console features: `pupils import` and the alert/retention flags of `serve`.
#include <doctest/doctest.h>

#include "support/process.h"
#include "support/vigil_harness.h"

using namespace vigil::test;

TEST_CASE("pupils import: counts on stdout, rejected rows as FILE:LINE on stderr, re-import updates") {
  TempDir dir;
  const auto csv = dir / "sims.csv";
  write_file(csv,
             "\xEF\xBB\xBF\"Legal Surname\",\"Legal Forename\",\"Preferred Forename\",\"Year\",\"Reg Group\",\"Username\"\r\n"
             "\"Bloggs\",\"Joanne\",\"Jo\",\"Year 9\",\"9R\",\"jo\"\r\n"
             "\"Lee\",\"Sam\",\"\",\"Y10\",\"10L\",\"sam\"\r\n"
             "\"Bad\",\"Row\",\"\",\"Year 99\",\"10L\",\"bad\"\r\n");
  const auto data = (dir / "data").string();
  const RunResult first = run({collector_binary(), "pupils", "import", csv.string(), "--data-dir", data});
  CHECK(first.status == 1);  // one row refused: the others are in, and the status says "look"
  CHECK(first.out == "added 2, updated 0, unchanged 0, rejected 1\n");
  CHECK(first.err == csv.string() + ":4: year group \"Year 99\" is above Year 14\n");

  write_file(csv, "Username,Forename,Surname,NC Year,Tutor Group\njo,Jo,Bloggs,10,10R\nsam,Sam,Lee,10,10L\n");
  const RunResult second = run({collector_binary(), "pupils", "import", csv.string(), "--data-dir", data});
  CHECK(second.status == 0);
  CHECK(second.out == "added 0, updated 1, unchanged 1, rejected 0\n");
  CHECK(second.err.empty());
}

TEST_CASE("pupils import: a file it cannot use is one clear line and nothing changes") {
  TempDir dir;
  const auto csv = dir / "names.csv";
  write_file(csv, "Surname,Forename\nA,B\n");
  const RunResult r = run({collector_binary(), "pupils", "import", csv.string(), "--data-dir", (dir / "data").string()});
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find(csv.string() + ":1: no username column") != std::string::npos);
  const RunResult missing = run({collector_binary(), "pupils", "import", (dir / "nope.csv").string(), "--data-dir", (dir / "data").string()});
  CHECK(missing.status == 1);
  CHECK(missing.err.find("nope.csv") != std::string::npos);
  const RunResult usage = run({collector_binary(), "pupils", "import", "--data-dir", (dir / "data").string()});
  CHECK(usage.status == 2);
}
