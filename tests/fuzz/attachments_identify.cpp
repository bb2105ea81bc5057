// SPDX-License-Identifier: Apache-2.0
// attachments::identify: what an uploaded file is (PDF, JPEG, PNG), from
// its bytes.
#include "fuma/attachments.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = fuma::fuzz::bytes(data, size);
  fuma::fuzz::expect_clean([&] { fuma::attachments::identify(bytes); });
  return 0;
}
