#pragma once
// Valid captures for collector tests, built field by field so each test can break one.

#include <google/protobuf/util/time_util.h>

#include <string>

#include "vigil/v1/capture.pb.h"

namespace vigil::test {

inline v1::Capture valid_capture(char id_byte, const std::string& text = "i want to kill myself") {
  v1::Capture c;
  c.set_id(std::string(16, id_byte));
  c.set_device_id("device-1");
  c.set_user("jo");
  c.set_source(v1::SOURCE_KEYBOARD);
  c.mutable_application()->set_process_name("firefox");
  c.set_text(text);
  auto* h = c.add_hits();
  h->set_rule_id("suicide.kill-myself");
  h->set_category("suicide");
  h->set_severity(5);
  h->set_start(10);
  h->set_end(21);
  *c.mutable_observed_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  return c;
}

}  // namespace vigil::test
