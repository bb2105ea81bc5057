// SPDX-License-Identifier: Apache-2.0
// attachments::Rules::parse: a locality's attachment checklists file, checked
// against the six shipped businesses.
#include "fuma/attachments.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuma::fuzz::bytes(data, size);
  fuma::fuzz::expect_clean([&] { fuma::attachments::Rules::parse(text, "fuzz.json"); });
  return 0;
}
