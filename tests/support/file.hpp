// SPDX-License-Identifier: Apache-2.0
// A whole file as bytes, and bytes as a whole file: read_bytes and
// write_bytes throw std::runtime_error naming the path when the file cannot
// be opened or written, which fails the test that called them.
#ifndef FUMA_TESTS_SUPPORT_FILE_HPP
#define FUMA_TESTS_SUPPORT_FILE_HPP

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace fuma::test {

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_SUPPORT_FILE_HPP
