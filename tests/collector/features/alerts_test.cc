#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <future>
#include <set>

#include "alerts/alert_config.h"
#include "alerts/alert_dispatcher.h"
#include "alerts/alert_ledger.h"
#include "alerts/alert_message.h"
#include "alerts/alert_scheduler.h"
#include "alerts/alert_sender.h"
#include "support/alert_receivers.h"
#include "support/process.h"

using namespace vigil::collector;
using vigil::test::HttpReceiver;
using vigil::test::SmtpReceiver;
using vigil::test::TempDir;
using vigil::test::wait_until;

namespace {

AlertEvent event(const std::string& item, uint32_t severity = 5) {
  AlertEvent e;
  e.item_key = item;
  e.severity = severity;
  e.category = "suicide";
  e.year_group = "Year 9";
  e.device = "PC-07";
  e.observed_at = std::chrono::system_clock::time_point(std::chrono::seconds(1790000000));
  e.console_path = "/items/" + item;
  return e;
}

AlertConfig config_for(const HttpReceiver* http, const SmtpReceiver* smtp) {
  AlertConfig c;
  c.min_severity = 4;
  c.console_url = "https://vigil.school.example:8443/";
  if (http) c.webhook_url = http->url();
  if (smtp) {
    c.smtp_url = smtp->url();
    c.smtp_from = "vigil@school.example";
    c.email_to = {"dsl@school.example", "deputy@school.example"};
  }
  return c;
}

const SteadyTime kT0{std::chrono::hours(1000)};

}  // namespace

TEST_CASE("alert text carries severity, category, year group, device and link, and no content") {
  const AlertMessage m = render_alert(event("item-1"), "https://vigil.school.example:8443/");
  CHECK(m.subject == "Vigil urgent alert: severity 5, suicide (Year 9)");
  CHECK(m.link == "https://vigil.school.example:8443/items/item-1");
  CHECK(m.text.find("Device: PC-07") != std::string::npos);
  CHECK(m.text.find("2026-09-21T14:13:20Z") != std::string::npos);
  const auto body = nlohmann::json::parse(webhook_body(event("item-1"), m));
  CHECK(body["text"].get<std::string>().find(m.link) != std::string::npos);
  CHECK(body["vigil"]["severity"] == 5);
  CHECK(body["vigil"]["year_group"] == "Year 9");
  // AlertEvent has no field for text, title, URL or name: the type itself keeps content out.
  CHECK(body["vigil"].size() == 6);
}

TEST_CASE("header injection through a device name or category is flattened") {
  AlertEvent e = event("i");
  e.category = "x\r\nBcc: victim@example.com";
  e.device = "PC\r\n\r\nbody";
  const AlertMessage m = render_alert(e, "");
  const std::string mail = email_body(m, "vigil@school.example", {"dsl@school.example"}, e.observed_at, "id@vigil");
  const std::string headers = mail.substr(0, mail.find("\r\n\r\n"));
  CHECK(headers.find("\r\nBcc:") == std::string::npos);
  CHECK(headers.find("Subject: Vigil urgent alert: severity 5, x  Bcc: victim@example.com (Year 9)") != std::string::npos);
  CHECK(m.text.find("Device: PC    body") != std::string::npos);
  CHECK(m.link.empty());
}

TEST_CASE("config: flags are validated with the key named; TOML file, unknown keys refused") {
  AlertConfig c;
  c.smtp_url = "smtp://mail:25";
  CHECK(validate(c).error().message.find("alerts.email_to") != std::string::npos);
  c.email_to = {"dsl@school.example"};
  CHECK(validate(c).ok());
  c.email_to = {"dsl@school.example, evil@x"};
  CHECK(!validate(c).ok());
  c = AlertConfig{};
  c.webhook_url = "file:///etc/passwd";
  CHECK(validate(c).error().message.find("alerts.webhook_url") != std::string::npos);
  c.webhook_url = "https://hooks.example/x";
  c.min_severity = 6;
  CHECK(!validate(c).ok());

  TempDir dir;
  vigil::test::write_file(dir / "pw", "s3cret\n");
  vigil::test::write_file(dir / "alerts.toml", "[alerts]\nmin_severity = 4\nwebhook_url = \"https://hooks.example/x\"\n"
                                               "smtp_url = \"smtp://mail.school.example:587\"\nemail_to = [\"dsl@school.example\"]\n"
                                               "smtp_username = \"vigil\"\nsmtp_password_file = \"" + (dir / "pw").string() + "\"\n");
  AlertConfig loaded;
  REQUIRE(load_alert_config(dir / "alerts.toml", loaded).ok());
  CHECK(loaded.min_severity == 4);
  CHECK(loaded.smtp_password == "s3cret");
  CHECK(loaded.email_to == std::vector<std::string>{"dsl@school.example"});

  vigil::test::write_file(dir / "typo.toml", "[alerts]\nmin_severity = 4\nwebhok_url = \"https://x\"\n");
  AlertConfig typo;
  auto r = load_alert_config(dir / "typo.toml", typo);
  REQUIRE(!r.ok());
  CHECK(r.error().message == (dir / "typo.toml").string() + ":3: alerts.webhok_url is not a known key");
}

TEST_CASE("scheduler: threshold, one alert per item per channel, retries back off with jitter under a cap") {
  AlertScheduler s(4, 2, nullptr, 7);
  CHECK(s.admit(event("low", 3), kT0) == Admission::kBelowThreshold);
  CHECK(s.admit(event("a", 4), kT0) == Admission::kQueued);
  CHECK(s.admit(event("a", 5), kT0) == Admission::kDuplicate);  // a repeated hit on the same item
  CHECK(s.pending() == 2);
  auto d = s.take_due(kT0);
  REQUIRE(d.has_value());
  CHECK(s.retry(*d, kT0) == AlertScheduler::Next::kRetryScheduled);
  auto other = s.take_due(kT0);
  REQUIRE(other.has_value());
  CHECK(other->channel != d->channel);
  CHECK(!s.take_due(kT0).has_value());  // the retry is not due yet...
  const auto due = s.next_due();
  REQUIRE(due.has_value());
  CHECK(*due - kT0 <= std::chrono::milliseconds(2000));
  CHECK(s.take_due(*due).has_value());  // ...until its time

  for (uint32_t n = 0; n < 40; ++n) {
    const auto wait = s.backoff(n);
    CHECK(wait >= std::chrono::milliseconds(0));
    CHECK(wait <= kAlertBackoffCap);
  }
  // Full jitter: waits after the same number of failures differ between retries.
  std::set<int64_t> spread;
  for (int i = 0; i < 20; ++i) spread.insert(s.backoff(10).count());
  CHECK(spread.size() > 10);
}

TEST_CASE("scheduler gives up after a day; a full queue drops the lowest severity first") {
  AlertScheduler s(1, 1, nullptr, 1);
  REQUIRE(s.admit(event("x"), kT0) == Admission::kQueued);
  auto d = s.take_due(kT0);
  REQUIRE(d.has_value());
  CHECK(s.retry(*d, kT0 + kAlertGiveUpAfter) == AlertScheduler::Next::kGaveUp);

  AlertScheduler full(1, 1, nullptr, 1);
  for (size_t i = 0; i < kMaxPendingDeliveries; ++i) REQUIRE(full.admit(event("low" + std::to_string(i), 2), kT0) == Admission::kQueued);
  REQUIRE(full.admit(event("urgent", 5), kT0) == Admission::kQueued);
  CHECK(full.pending() == kMaxPendingDeliveries);
  CHECK(full.dropped() == 1);
  CHECK(full.take_due(kT0)->event.item_key == "urgent");  // most severe first
}

TEST_CASE("the ledger keeps de-duplication across restarts") {
  TempDir dir;
  {
    auto ledger = AlertLedger::open(dir.path());
    REQUIRE(ledger.ok());
    CHECK(*ledger->claim("item-1") == true);
    CHECK(*ledger->claim("item-1") == false);
  }
  auto again = AlertLedger::open(dir.path());
  REQUIRE(again.ok());
  CHECK(*again->claim("item-1") == false);
  CHECK(*again->claim("item-2") == true);
}

TEST_CASE("webhook sender against a real HTTP receiver: 2xx sent, 5xx/429 retry, 4xx reject, down = retry") {
  HttpReceiver ok;
  auto sender = make_webhook_sender(config_for(&ok, nullptr));
  const AlertEvent e = event("w");
  CHECK(sender->send(e, render_alert(e, "")).result == SendResult::kSent);
  REQUIRE(ok.requests().size() == 1);
  CHECK(ok.requests()[0].method == "POST");
  CHECK(ok.requests()[0].content_type.find("application/json") == 0);
  CHECK(nlohmann::json::parse(ok.requests()[0].body)["vigil"]["category"] == "suicide");

  HttpReceiver busy(1, 429);
  CHECK(make_webhook_sender(config_for(&busy, nullptr))->send(e, render_alert(e, "")).result == SendResult::kRetry);
  HttpReceiver broken(1, 503);
  CHECK(make_webhook_sender(config_for(&broken, nullptr))->send(e, render_alert(e, "")).result == SendResult::kRetry);
  HttpReceiver gone(1, 404);
  const auto outcome = make_webhook_sender(config_for(&gone, nullptr))->send(e, render_alert(e, ""));
  CHECK(outcome.result == SendResult::kReject);
  CHECK(outcome.detail == "HTTP 404");

  AlertConfig down = config_for(nullptr, nullptr);
  {
    HttpReceiver closed;  // a port that was listening and is not any more
    down.webhook_url = closed.url();
  }
  CHECK(make_webhook_sender(down)->send(e, render_alert(e, "")).result == SendResult::kRetry);
}

TEST_CASE("SMTP sender against a real SMTP receiver: envelope, headers, body, 4xx retried") {
  SmtpReceiver smtp;
  const AlertEvent e = event("m");
  auto sender = make_smtp_sender(config_for(nullptr, &smtp));
  const auto outcome = sender->send(e, render_alert(e, "https://vigil.example"));
  CHECK_MESSAGE(outcome.result == SendResult::kSent, outcome.detail);
  const auto messages = smtp.messages();
  REQUIRE(messages.size() == 1);
  const auto& m = messages[0];
  CHECK(m.from == "vigil@school.example");
  CHECK(m.to == std::vector<std::string>{"dsl@school.example", "deputy@school.example"});
  CHECK(m.data.find("Subject: Vigil urgent alert: severity 5, suicide (Year 9)\r\n") != std::string::npos);
  CHECK(m.data.find("Review it in the console: https://vigil.example/items/m\r\n") != std::string::npos);

  SmtpReceiver later(1);
  const auto first = make_smtp_sender(config_for(nullptr, &later))->send(e, render_alert(e, ""));
  CHECK(first.result == SendResult::kRetry);
  CHECK(first.detail.find("451") != std::string::npos);
}

TEST_CASE("dispatcher: one alert per item on each channel within seconds, retried through failures") {
  HttpReceiver http(2, 503);  // the webhook fails twice first
  SmtpReceiver smtp(1);       // the mail server says "try later" once
  TempDir dir;
  const AlertConfig config = config_for(&http, &smtp);
  auto dispatcher = make_alert_dispatcher(config, dir.path());
  REQUIRE(dispatcher.ok());
  REQUIRE(*dispatcher != nullptr);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) (*dispatcher)->submit(event("item-1"));  // repeated hits on one item
  (*dispatcher)->submit(event("item-2", 4));
  (*dispatcher)->submit(event("item-3", 3));  // below the threshold
  REQUIRE(wait_until([&] { return http.accepted() == 2 && smtp.messages().size() == 2; }, std::chrono::seconds(10)));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  MESSAGE("two alerts through 2 webhook failures and 1 SMTP deferral in "
          << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms");
  std::set<std::string> webhook_items;
  for (const auto& r : http.requests()) {
    if (r.status == 200) webhook_items.insert(nlohmann::json::parse(r.body)["vigil"]["link"].get<std::string>());
  }
  CHECK(webhook_items == std::set<std::string>{"https://vigil.school.example:8443/items/item-1", "https://vigil.school.example:8443/items/item-2"});
  const auto stats = (*dispatcher)->stats();
  CHECK(stats.queued == 2);
  CHECK(stats.duplicates == 4);
  CHECK(stats.sent == 4);
  CHECK(stats.retries == 3);
  // A restarted collector remembers what it alerted.
  dispatcher->reset();
  auto restarted = make_alert_dispatcher(config, dir.path());
  REQUIRE(restarted.ok());
  (*restarted)->submit(event("item-1"));
  (*restarted)->submit(event("item-4"));
  REQUIRE(wait_until([&] { return http.accepted() == 3; }, std::chrono::seconds(10)));
  REQUIRE(wait_until([&] { const auto s = (*restarted)->stats(); return s.duplicates == 1 && s.sent == 2; }, std::chrono::seconds(10)));
  CHECK(smtp.messages().size() == 3);
  CHECK(http.accepted() == 3);
}

// A sender that blocks until released: the one fake here, because "the receiver is hung right
// now" must be a known state for the check below, which a socket cannot signal.
class BlockingSender final : public AlertSender {
 public:
  std::string name() const override { return "blocking"; }
  SendOutcome send(const AlertEvent&, const AlertMessage&) override {
    entered.fetch_add(1);
    release.wait();
    return {SendResult::kSent, "ok"};
  }
  std::atomic<int> entered{0};
  std::shared_future<void> release;
};

TEST_CASE("submit never waits for a receiver that hangs") {
  std::promise<void> gate;
  auto blocking = std::make_unique<BlockingSender>();
  blocking->release = gate.get_future().share();
  BlockingSender& sender = *blocking;
  std::vector<std::unique_ptr<AlertSender>> senders;
  senders.push_back(std::move(blocking));
  AlertConfig config;
  config.min_severity = 4;
  spdlog::set_level(spdlog::level::warn);  // a thousand "sent" lines say nothing here
  {
    AlertDispatcher d(config, std::move(senders), nullptr);
    d.submit(event("first"));
    REQUIRE(wait_until([&] { return sender.entered.load() == 1; }, std::chrono::seconds(10)));
    for (int i = 0; i < 1000; ++i) d.submit(event("flood-" + std::to_string(i)));
    CHECK(d.stats().submitted == 1001);  // all taken while the only worker is stuck in send()
    CHECK(sender.entered.load() == 1);
    gate.set_value();
    CHECK(wait_until([&] { return d.stats().sent == 1001; }, std::chrono::seconds(30)));
  }
}
