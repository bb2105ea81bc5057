// SPDX-License-Identifier: Apache-2.0
// forms::Template::parse: a form's layout file.
#include "forms/forms.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuma::fuzz::bytes(data, size);
  fuma::fuzz::expect_clean([&] { fuma::forms::Template::parse(text, "fuzz.json"); });
  return 0;
}
