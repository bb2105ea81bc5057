// SPDX-License-Identifier: Apache-2.0
// What the harnesses share. A harness feeds one input to one entry point
// that takes outside bytes. A fuma::Error is the answer bad input should get:
// it must carry a code, a Chinese message and an English detail. Anything
// else escaping (another exception, a crash, a leak, a hang) is a finding.
#ifndef FUMA_TESTS_FUZZ_FUZZ_HPP
#define FUMA_TESTS_FUZZ_FUZZ_HPP

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <string_view>

#include "fuma/error.hpp"

namespace fuma::fuzz {

inline std::string_view bytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void finding(const char* what) {
  std::fprintf(stderr, "fuzz: %s\n", what);
  std::abort();
}

// Runs f; an Error must be a complete one, any other exception is a finding.
template <typename F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    if (e.message().empty()) finding("an Error without a message");
    if (e.detail().empty()) finding("an Error without a detail");
  } catch (const std::bad_alloc&) {
    finding("std::bad_alloc: input that should have been refused by a limit");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: %s\n", e.what());
    finding("an exception that is not a fuma::Error");
  }
}

}  // namespace fuma::fuzz

#endif  // FUMA_TESTS_FUZZ_FUZZ_HPP
