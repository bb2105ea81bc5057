// SPDX-License-Identifier: Apache-2.0
// credential::parse: the credential text a login picture's QR code carries
// (the FM1: prefix, Base45, the body's fields, the signature's length).
#include "credential/credential.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuma::fuzz::bytes(data, size);
  const bool looks = fuma::credential::looks_like_credential(text);
  fuma::fuzz::expect_clean([&] {
    const fuma::credential::Parsed parsed = fuma::credential::parse(text);
    if (!looks) fuma::fuzz::finding("parsed a text that does not look like a credential");
    // What was parsed assembles back into a text that parses the same.
    const std::string again = fuma::credential::assemble(parsed.claims, parsed.signature);
    const fuma::credential::Parsed reparsed = fuma::credential::parse(again);
    if (reparsed.message != parsed.message || reparsed.signature != parsed.signature) {
      fuma::fuzz::finding("a parsed credential does not survive assemble and parse");
    }
  });
  return 0;
}
