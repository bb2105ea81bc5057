// SPDX-License-Identifier: Apache-2.0
// Boost's assertions in the host's builds without NDEBUG (a Debug build, and
// a distribution's, whose build type sets no NDEBUG): they fail as assert()
// fails (BOOST_ENABLE_ASSERT_DEBUG_HANDLER, CMakeLists.txt), but for one.
//
// Beast's basic_parser::parse_chunk_header asserts that the header of the
// last chunk (size 0) is read again, once more of the request has come,
// with at least five bytes at hand, while four are valid: "0\r\n" and the
// first byte of the CRLF that ends the request, split across two reads. The
// code after the assertion handles them (it answers need_more); the
// assertion alone is wrong, and was removed upstream (boostorg/beast#2861).
// With it, any client could abort such a host with one request sent in two
// pieces; the fuzz harness host_request found it
// (tests/fuzz/regressions/host_request/last-chunk-header-read-again).
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost {
namespace {

bool ends_with(const char* text, const char* tail) {
  const std::size_t n = std::strlen(text);
  const std::size_t m = std::strlen(tail);
  return n >= m && std::strcmp(text + n - m, tail) == 0;
}

}  // namespace

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  if (std::strcmp(expr, "n >= 5") == 0 && ends_with(file, "beast/http/impl/basic_parser.ipp")) {
    return;
  }
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.\n", file, line, function, expr);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file,
                          long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed: %s\n", file, line, function, expr, msg);
  std::abort();
}

}  // namespace boost
