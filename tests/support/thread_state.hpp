// SPDX-License-Identifier: Apache-2.0
// Whether another thread of this process has gone to sleep, as the kernel
// tells it: how a test knows that a thread has blocked where it can block
// only on what the test is about (a write queued for the committer).
#ifndef FUMA_TESTS_SUPPORT_THREAD_STATE_HPP
#define FUMA_TESTS_SUPPORT_THREAD_STATE_HPP

#include <sys/types.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace fuma::test {

// Waits until thread `tid` of this process sleeps ('S' in its stat line).
// False after a minute.
inline bool sleeping(pid_t tid) {
  const std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream stat(path);
    std::string line;
    std::getline(stat, line);
    // "tid (comm) S ...": the state follows the last ')'.
    const std::size_t close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'S') {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_SUPPORT_THREAD_STATE_HPP
