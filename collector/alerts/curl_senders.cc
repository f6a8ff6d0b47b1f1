// Webhook and SMTP senders over libcurl. One easy handle per attempt: attempts are rare (urgent
// alerts only), so connection reuse is not worth the shared state.
#include <curl/curl.h>

#include <atomic>
#include <cstring>
#include <mutex>

#include "alerts/alert_sender.h"
#include <random>

namespace vigil::collector {
namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Unique enough for a Message-ID header; not a secret.
std::string message_id() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return std::to_string(ms) + "." + std::to_string(rd()) + "." + std::to_string(counter++) + "@vigil";
}

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

struct Upload {
  std::string_view data;
  size_t at = 0;
};

size_t read_upload(char* buffer, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t count = std::min(size * n, up->data.size() - up->at);
  std::memcpy(buffer, up->data.data() + up->at, count);
  up->at += count;
  return count;
}

void common_options(CURL* c, const AlertConfig& config, char* error_buffer) {
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // worker thread: no SIGALRM for DNS timeouts
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(std::chrono::milliseconds(kSendTimeout).count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::chrono::milliseconds(kSendTimeout).count()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  if (!config.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config.ca_file.c_str());
  // Never follow redirects or use other protocols: an alert goes exactly where it was configured.
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps");
}

std::string curl_reason(CURLcode rc, const char* error_buffer) {
  return error_buffer[0] != '\0' ? std::string(error_buffer) : std::string(curl_easy_strerror(rc));
}

class WebhookSender final : public AlertSender {
 public:
  explicit WebhookSender(AlertConfig config) : config_(std::move(config)) { global_init_once(); }
  std::string name() const override { return "webhook"; }

  SendOutcome send(const AlertEvent& event, const AlertMessage& message) override {
    CurlHandle c(curl_easy_init());
    if (!c) return {SendResult::kRetry, "curl_easy_init failed"};
    char error_buffer[CURL_ERROR_SIZE] = {};
    common_options(c.get(), config_, error_buffer);
    const std::string body = webhook_body(event, message);
    Slist headers(curl_slist_append(nullptr, "Content-Type: application/json; charset=utf-8"));
    curl_easy_setopt(c.get(), CURLOPT_URL, config_.webhook_url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, discard);
    const CURLcode rc = curl_easy_perform(c.get());
    if (rc != CURLE_OK) return {SendResult::kRetry, curl_reason(rc, error_buffer)};
    long status = 0;
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
    const std::string detail = "HTTP " + std::to_string(status);
    // Same mapping as fluent-bit's out_http: 2xx done, 408/429 and 5xx later, other 4xx never.
    if (status >= 200 && status < 300) return {SendResult::kSent, detail};
    if (status == 408 || status == 429 || status >= 500) return {SendResult::kRetry, detail};
    return {SendResult::kReject, detail};
  }

 private:
  AlertConfig config_;
};

class SmtpSender final : public AlertSender {
 public:
  explicit SmtpSender(AlertConfig config) : config_(std::move(config)) { global_init_once(); }
  std::string name() const override { return "email"; }

  SendOutcome send(const AlertEvent&, const AlertMessage& message) override {
    CurlHandle c(curl_easy_init());
    if (!c) return {SendResult::kRetry, "curl_easy_init failed"};
    char error_buffer[CURL_ERROR_SIZE] = {};
    common_options(c.get(), config_, error_buffer);
    const std::string id = message_id();
    const std::string mail = email_body(message, config_.smtp_from, config_.email_to, std::chrono::system_clock::now(), id);
    Upload upload{mail};
    curl_slist* raw = nullptr;
    for (const auto& to : config_.email_to) raw = curl_slist_append(raw, ("<" + to + ">").c_str());
    Slist recipients(raw);
    const std::string from = "<" + config_.smtp_from + ">";
    curl_easy_setopt(c.get(), CURLOPT_URL, config_.smtp_url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(c.get(), CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(c.get(), CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c.get(), CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(c.get(), CURLOPT_READDATA, &upload);
    curl_easy_setopt(c.get(), CURLOPT_INFILESIZE, static_cast<long>(mail.size()));
    // STARTTLS whenever the server offers it; required if configured so.
    curl_easy_setopt(c.get(), CURLOPT_USE_SSL, config_.smtp_require_tls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_TRY));
    if (!config_.smtp_username.empty()) {
      curl_easy_setopt(c.get(), CURLOPT_USERNAME, config_.smtp_username.c_str());
      curl_easy_setopt(c.get(), CURLOPT_PASSWORD, config_.smtp_password.c_str());
    }
    const CURLcode rc = curl_easy_perform(c.get());
    long code = 0;
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_OK) return {SendResult::kSent, "SMTP " + std::to_string(code)};
    const std::string detail = curl_reason(rc, error_buffer) + (code > 0 ? " (SMTP " + std::to_string(code) + ")" : "");
    // SMTP 5xx is permanent (unknown recipient, relay denied, bad credentials); 4xx and
    // connection failures are transient.
    if (code >= 500 && code < 600) return {SendResult::kReject, detail};
    if (rc == CURLE_LOGIN_DENIED || rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) return {SendResult::kReject, detail};
    return {SendResult::kRetry, detail};
  }

 private:
  AlertConfig config_;
};

}  // namespace

std::unique_ptr<AlertSender> make_webhook_sender(const AlertConfig& config) { return std::make_unique<WebhookSender>(config); }
std::unique_ptr<AlertSender> make_smtp_sender(const AlertConfig& config) { return std::make_unique<SmtpSender>(config); }

}  // namespace vigil::collector
