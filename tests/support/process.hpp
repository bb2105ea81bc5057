// SPDX-License-Identifier: Apache-2.0
// Running a shell command the way the tests check their output with outside
// tools (qpdf, poppler, zbarimg, qrencode, python3): run(command) hands the
// command to /bin/sh through popen, reads all it writes to stdout (stderr
// goes wherever the command line sends it: add 2>&1 to capture it) and
// returns that with the exit status, WEXITSTATUS-style: the command's own
// exit code, or -1 when it did not exit (killed by a signal). A command
// that cannot be started at all throws std::runtime_error. No doctest here,
// so that the benchmarks can use it too.
#ifndef FUMA_TESTS_SUPPORT_PROCESS_HPP
#define FUMA_TESTS_SUPPORT_PROCESS_HPP

#include <stdio.h>
#include <sys/wait.h>

#include <cstddef>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace fuma::test {

struct Ran {
  std::string output;
  int status = -1;
};

inline Ran run(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  Ran r;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.status = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_SUPPORT_PROCESS_HPP
