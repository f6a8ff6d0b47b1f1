#include "vigil/signatures/live_matcher.h"

namespace vigil::signatures {

Result<std::vector<Hit>> LiveMatcher::Session::scan(std::string_view text) {
  auto now = live_.current();
  if (now != matcher_ || !scratch_) {
    auto scratch = now->make_scratch();
    if (!scratch) return scratch.error();
    scratch_.emplace(std::move(*scratch));
    matcher_ = std::move(now);
  }
  return matcher_->scan(text, *scratch_);
}

}  // namespace vigil::signatures
