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

TEST_CASE("serve refuses unusable alert and retention settings with status 2, naming the setting") {
  TempDir dir;
  const auto data = (dir / "data").string();
  const std::vector<std::string> base = {collector_binary(), "serve", "--listen", "127.0.0.1:0", "--data-dir", data, "--insecure-loopback"};
  const auto serve_with = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv, std::chrono::seconds(30));
  };
  const RunResult webhook = serve_with({"--alert-webhook", "ftp://hooks.example/x"});
  CHECK(webhook.status == 2);
  CHECK(webhook.err.find("alerts.webhook_url must start with https:// or http://") != std::string::npos);
  const RunResult no_recipient = serve_with({"--alert-smtp", "smtp://127.0.0.1:25"});
  CHECK(no_recipient.status == 2);
  CHECK(no_recipient.err.find("alerts.email_to") != std::string::npos);
  const RunResult severity = serve_with({"--alert-min-severity", "9", "--alert-webhook", "https://hooks.example/x"});
  CHECK(severity.status == 2);
  CHECK(severity.err.find("--alert-min-severity must be 1..5") != std::string::npos);
  const RunResult retention = serve_with({"--retention-months", "0"});
  CHECK(retention.status == 2);
  CHECK(retention.err.find("--retention-months") != std::string::npos);
  write_file(dir / "alerts.toml", "[alerts]\nwebhook_url = \"https://hooks.example/x\"\nmin_severty = 4\n");
  const RunResult typo = serve_with({"--alert-config", (dir / "alerts.toml").string()});
  CHECK(typo.status == 2);
  CHECK(typo.err.find("alerts.toml:3: alerts.min_severty is not a known key") != std::string::npos);
}
