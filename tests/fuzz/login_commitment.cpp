// SPDX-License-Identifier: Apache-2.0
// session::Commitment::parse: the login commitment (承诺书) file.
#include "fuzz.hpp"
#include "session/session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuma::fuzz::bytes(data, size);
  fuma::fuzz::expect_clean([&] { fuma::session::Commitment::parse(text, "fuzz.json"); });
  return 0;
}
