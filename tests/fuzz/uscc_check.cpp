// SPDX-License-Identifier: Apache-2.0
// uscc::check and uscc::validate: any bytes as a Unified Social Credit Code.
#include "fuma/uscc.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuma::fuzz::bytes(data, size);
  fuma::fuzz::expect_clean([&] {
    const fuma::uscc::Check c = fuma::uscc::check(input);
    // The hot path gives the same verdict without building the result.
    if (fuma::uscc::validate(input) != c.reason)
      fuma::fuzz::finding("validate disagrees with check");
    const bool valid = c.reason == fuma::uscc::Reason::valid;
    if (valid != c.message.empty() || valid != c.detail.empty()) {
      fuma::fuzz::finding("a verdict whose message does not match it");
    }
  });
  return 0;
}
