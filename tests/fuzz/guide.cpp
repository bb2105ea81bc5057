// SPDX-License-Identifier: Apache-2.0
// guide::Guide::parse: the service guide file, checked against the shipped
// workflow's businesses.
#include "guide/guide.hpp"
#include "fuzz.hpp"

namespace {
const std::vector<std::string> kBusinesses = {"initial", "change", "reissue",
                                              "replace", "revoke", "extension"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuma::fuzz::bytes(data, size);
  fuma::fuzz::expect_clean([&] { fuma::guide::Guide::parse(text, "fuzz.json", kBusinesses); });
  return 0;
}
