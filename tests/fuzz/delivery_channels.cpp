// SPDX-License-Identifier: Apache-2.0
// credential::parse_channels: the delivery channels file.
#include "credential/credential.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuma::fuzz::bytes(data, size);
  fuma::fuzz::expect_clean([&] { fuma::credential::parse_channels(text, "fuzz.json"); });
  return 0;
}
