// SPDX-License-Identifier: Apache-2.0
// guide::Locality::parse: the locality's contact details (联系电话及其他) and
// its registry of 事业单位.
#include "fuzz.hpp"
#include "guide/guide.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuma::fuzz::bytes(data, size);
  fuma::fuzz::expect_clean([&] { fuma::guide::Locality::parse(text, "fuzz.json"); });
  return 0;
}
