// The command-line contracts: exact forms other scripts rely on.
#include <doctest/doctest.h>

#include "support/process.h"
#include "support/vigil_harness.h"

using namespace vigil::test;

TEST_CASE("every binary answers --help and --version with status 0 and bad usage with status 2 and one line") {
  for (const std::string& binary : {agent_binary(), collector_binary(), scan_binary()}) {
    INFO(binary);
    const RunResult help = run({binary, "--help"});
    CHECK(help.status == 0);
    CHECK(help.out.find("Usage") != std::string::npos);
    const RunResult version = run({binary, "--version"});
    CHECK(version.status == 0);
    CHECK(version.out.find(VIGIL_VERSION) != std::string::npos);
    const RunResult bad = run({binary, "--no-such-option"});
    CHECK(bad.status == 2);
    CHECK(bad.err.find("--no-such-option") != std::string::npos);
    CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);
  }
}

TEST_CASE("vigil-agent refuses unusable options with status 2 and says which") {
  TempDir dir;
  const RunResult no_port = run({agent_binary(), "--collector", "localhost", "--data-dir", (dir / "a").string(), "--source", "replay:x"});
  CHECK(no_port.status == 2);
  CHECK(no_port.err.find("HOST:PORT") != std::string::npos);
  const RunResult bad_source = run({agent_binary(), "--collector", "127.0.0.1:1", "--data-dir", (dir / "a").string(), "--source", "carrier-pigeon:x"});
  CHECK(bad_source.status == 2);
  CHECK(bad_source.err.find("carrier-pigeon") != std::string::npos);
  const RunResult remote = run({agent_binary(), "--collector", "192.0.2.1:7443", "--data-dir", (dir / "a").string(), "--source", "replay:x",
                                "--insecure-loopback"});
  CHECK(remote.status == 2);
  const RunResult missing = run({collector_binary(), "serve"});
  CHECK(missing.status == 2);
  CHECK(missing.err.find("--data-dir") != std::string::npos);
}

TEST_CASE("vigil-scan prints one JSON line per matching input line, with line numbers and offsets") {
  const RunResult r = run({scan_binary(), "--rules", small_pack_dir(), "-"}, std::chrono::seconds(60),
                          "nothing to see\ni want to kill myself\nkill the lights\neveryone hates u and kys\n");
  REQUIRE(r.status == 0);
  const auto lines = parse_json_lines(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["line"] == 2);
  REQUIRE(lines[0]["hits"].size() == 1);
  CHECK(lines[0]["hits"][0]["category"] == "suicide");
  CHECK(lines[0]["hits"][0]["severity"] == 5);
  CHECK(lines[0]["hits"][0]["rule"] == "suicide.kill-myself");
  CHECK(lines[0]["hits"][0]["start"] == 10);
  CHECK(lines[0]["hits"][0]["end"] == 21);
  CHECK(lines[1]["line"] == 4);
  CHECK(lines[1]["hits"].size() == 2);
}

TEST_CASE("vigil-scan refuses a broken pack naming file, line, rule and reason") {
  TempDir dir;
  std::filesystem::create_directories(dir / "pack");
  write_file(dir / "pack" / "manifest.toml", "format = 1\nname = \"t\"\nversion = \"1\"\n");
  write_file(dir / "pack" / "suicide.toml",
             "category = \"suicide\"\n\n[[rule]]\nid = \"suicide.a\"\nseverity = 9\npattern = \"x\"\nmatches = [\"x\"]\nnot_matches = [\"y\"]\n");
  const RunResult r = run({scan_binary(), "--rules", (dir / "pack").string(), "-"}, std::chrono::seconds(30), "x\n");
  CHECK(r.status == 1);
  CHECK(r.err.find("suicide.toml:5: rule suicide.a: severity must be 1..5") != std::string::npos);
}

TEST_CASE("vigil-agent compile-rules stores a pack's compiled databases; a broken pack or an unusable cache is refused") {
  TempDir dir;
  const RunResult ok = run({agent_binary(), "compile-rules", "--rules", small_pack_dir(), "--cache-dir", (dir / "cache").string()},
                           std::chrono::seconds(60));
  INFO(ok.err);
  CHECK(ok.status == 0);
  size_t databases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "cache")) databases += entry.path().extension() == ".hsdb";
  CHECK(databases >= 1);

  std::filesystem::create_directories(dir / "pack");
  write_file(dir / "pack" / "manifest.toml", "format = 1\nname = \"t\"\nversion = \"1\"\n");
  write_file(dir / "pack" / "suicide.toml",
             "category = \"suicide\"\n\n[[rule]]\nid = \"suicide.a\"\nseverity = 9\npattern = \"x\"\nmatches = [\"x\"]\nnot_matches = [\"y\"]\n");
  const RunResult broken = run({agent_binary(), "compile-rules", "--rules", (dir / "pack").string(), "--cache-dir", (dir / "c2").string()},
                               std::chrono::seconds(60));
  CHECK(broken.status == 1);
  CHECK(broken.err.find("suicide.toml:5: rule suicide.a: severity must be 1..5") != std::string::npos);

  write_file(dir / "not-a-dir", "");
  const RunResult unusable = run({agent_binary(), "compile-rules", "--rules", small_pack_dir(), "--cache-dir", (dir / "not-a-dir").string()},
                                 std::chrono::seconds(60));
  CHECK(unusable.status == 1);
  CHECK(unusable.err.find("could not store the compiled rule pack in") != std::string::npos);
}
