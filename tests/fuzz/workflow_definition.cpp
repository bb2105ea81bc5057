// SPDX-License-Identifier: Apache-2.0
// workflow::Definition::parse: a locality's workflow definition file.
#include "fuma/workflow.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuma::fuzz::bytes(data, size);
  fuma::fuzz::expect_clean([&] { fuma::workflow::Definition::parse(text, "fuzz.json"); });
  return 0;
}
