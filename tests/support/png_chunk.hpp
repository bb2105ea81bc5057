// SPDX-License-Identifier: Apache-2.0
// Bytes of a PNG built by hand: a big-endian 32-bit number and a chunk with
// its length and a correct CRC, so that a test can change one header field
// and nothing else a reader could notice.
#ifndef FUMA_TESTS_SUPPORT_PNG_CHUNK_HPP
#define FUMA_TESTS_SUPPORT_PNG_CHUNK_HPP

#include <boost/crc.hpp>

#include <cstdint>
#include <string>

namespace fuma::test {

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

}  // namespace fuma::test

#endif  // FUMA_TESTS_SUPPORT_PNG_CHUNK_HPP
