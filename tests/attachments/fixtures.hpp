// Real files for the attachment tests: the committed fixtures in data/ (see
// data/README.md for how each was made and checked) and PNG chunks built with
// a correct CRC, so a test can change one header field and nothing else.
#ifndef FUMA_TESTS_ATTACHMENTS_FIXTURES_HPP
#define FUMA_TESTS_ATTACHMENTS_FIXTURES_HPP

#include <doctest/doctest.h>

#include <boost/crc.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "fuma/error.hpp"

namespace fuma::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string fixture(const std::string& name) {
  return read_file(std::string(FUMA_ATTACHMENTS_TEST_DATA) + "/" + name);
}

inline std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

inline std::string png_chunk(const std::string& type, const std::string& data) {
  boost::crc_32_type crc;
  crc.process_bytes(type.data(), type.size());
  crc.process_bytes(data.data(), data.size());
  return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(crc.checksum());
}

// The committed PNG with its IHDR replaced by one declaring these values.
inline std::string png_with_header(std::uint32_t width, std::uint32_t height, int depth = 8,
                                   int colour_type = 2) {
  std::string png = fixture("stamp.png");
  std::string ihdr = be32(width) + be32(height) + static_cast<char>(depth) +
                     static_cast<char>(colour_type) + std::string(3, '\0');
  return png.replace(8, 25, png_chunk("IHDR", ihdr));
}

// The error `f` throws; a failed check when it throws none.
template <class F>
Error refusal(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK_FALSE(e.detail().empty());
    return e;
  }
  FAIL_CHECK("no fuma::Error thrown");
  return Error(Errc::internal, "no error thrown", "未抛出错误");
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_ATTACHMENTS_FIXTURES_HPP
