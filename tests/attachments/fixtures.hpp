// SPDX-License-Identifier: Apache-2.0
// Real files for the attachment tests: the committed fixtures in data/ (see
// data/README.md for how each was made and checked) and PNG chunks built with
// a correct CRC, so a test can change one header field and nothing else.
#ifndef FUMA_TESTS_ATTACHMENTS_FIXTURES_HPP
#define FUMA_TESTS_ATTACHMENTS_FIXTURES_HPP

#include <doctest/doctest.h>

#include <cstdint>
#include <sstream>
#include <string>

#include "fuma/error.hpp"
#include "support/file.hpp"
#include "support/png_chunk.hpp"
#include "support/refusal.hpp"

namespace fuma::test {

inline std::string fixture(const std::string& name) {
  return read_bytes(std::string(FUMA_ATTACHMENTS_TEST_DATA) + "/" + name);
}

// The committed PNG with its IHDR replaced by one declaring these values.
inline std::string png_with_header(std::uint32_t width, std::uint32_t height, int depth = 8,
                                   int colour_type = 2) {
  std::string png = fixture("stamp.png");
  std::string ihdr = be32(width) + be32(height) + static_cast<char>(depth) +
                     static_cast<char>(colour_type) + std::string(3, '\0');
  return png.replace(8, 25, png_chunk("IHDR", ihdr));
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_ATTACHMENTS_FIXTURES_HPP
