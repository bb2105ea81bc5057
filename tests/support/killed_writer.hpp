// SPDX-License-Identifier: Apache-2.0
// A writer process killed with SIGKILL in the middle of its work, and what it
// had acknowledged before it died: the harness of the crash tests.
//
// The child runs `body(send)`, calling send(ack) after each piece of work
// has returned; the parent waits for `want` acknowledgements (or `wait`),
// kills the child, makes sure it died of the kill and not of its own
// accord, and returns every acknowledgement that reached the pipe.
// Include after doctest.
#ifndef FUMA_TESTS_SUPPORT_KILLED_WRITER_HPP
#define FUMA_TESTS_SUPPORT_KILLED_WRITER_HPP

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace fuma::test {

namespace detail {

// Reads whole records until `want` arrived, `timeout` passed or the pipe
// closed.
template <class Ack>
void read_acks(int fd, std::vector<Ack>& acks, std::string& partial, std::size_t want,
               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (acks.size() < want && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t got = read(fd, buf, sizeof buf);
    if (got <= 0) return;
    partial.append(buf, static_cast<std::size_t>(got));
    while (partial.size() >= sizeof(Ack)) {
      Ack a;
      std::memcpy(&a, partial.data(), sizeof a);
      acks.push_back(a);
      partial.erase(0, sizeof a);
    }
  }
}

}  // namespace detail

template <class Ack, class Body>
std::vector<Ack> kill_midstream(Body body, std::size_t want, std::chrono::milliseconds wait) {
  // Records no larger than PIPE_BUF arrive whole, even from a dying writer.
  static_assert(std::is_trivially_copyable_v<Ack> && sizeof(Ack) <= PIPE_BUF);
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    const int fd = fds[1];
    try {
      body([fd](const Ack& a) {
        if (write(fd, &a, sizeof a) != static_cast<ssize_t>(sizeof a)) _exit(2);
      });
    } catch (...) {
      _exit(3);
    }
    _exit(4);  // the body works until it is killed
  }
  close(fds[1]);
  std::vector<Ack> acks;
  std::string partial;
  detail::read_acks(fds[0], acks, partial, want, wait);
  REQUIRE(kill(pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  // Killed, not failed: a child that stopped on its own proves nothing.
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  // Acknowledgements already in the pipe were given before the kill.
  detail::read_acks(fds[0], acks, partial, SIZE_MAX, std::chrono::seconds(1));
  close(fds[0]);
  return acks;
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_SUPPORT_KILLED_WRITER_HPP
