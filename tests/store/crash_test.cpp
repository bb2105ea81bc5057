// A writer process killed with SIGKILL in the middle of a stream of writes:
// the file stays intact and every write acknowledged before the kill is
// there.
#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "store/fixtures.hpp"
#include "support/temp_dir.hpp"

using fuma::store::Id;
using fuma::store::Transaction;
using namespace fuma::test;

namespace {

// The child: one transaction per number n (an event and an audit record,
// so a half-applied transaction would show), then n on the pipe as the
// acknowledgement. Never returns.
[[noreturn]] void write_forever(const std::string& path, Id application_id, std::int64_t first,
                                int ack_fd) {
  try {
    auto store = open_store(path);
    for (std::int64_t n = first;; ++n) {
      store->write([&](Transaction& tx) {
        tx.insert_event(event(application_id, std::to_string(n)));
        tx.append_audit({0, "t", "system", "crash.test", std::to_string(n), "", "", "", ""});
      });
      if (write(ack_fd, &n, sizeof n) != static_cast<ssize_t>(sizeof n)) _exit(2);
    }
  } catch (...) {
    _exit(3);
  }
}

// Reads whole acknowledgements from fd until `want` arrived, `timeout`
// passed, or the pipe closed.
void read_acks(int fd, std::vector<std::int64_t>& acks, std::string& partial, std::size_t want,
               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (acks.size() < want && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t got = read(fd, buf, sizeof buf);
    if (got <= 0) return;
    partial.append(buf, static_cast<std::size_t>(got));
    while (partial.size() >= sizeof(std::int64_t)) {
      std::int64_t n = 0;
      std::memcpy(&n, partial.data(), sizeof n);
      acks.push_back(n);
      partial.erase(0, sizeof n);
    }
  }
}

}  // namespace

TEST_CASE("SIGKILL in the middle of a stream of writes loses no acknowledged write") {
  TempDir dir;
  const std::string path = dir.file("fuma.db");
  Id application_id = 0;
  {
    // Set up and close before forking: a SQLite connection must not be
    // carried across fork().
    auto store = open_store(path);
    store->write([&](Transaction& tx) {
      const Id a = tx.insert_authority(authority());
      application_id = tx.insert_application(application(tx.insert_unit(unit(a, 1))));
    });
  }

  // Several rounds, each killed at a different point of the stream; each
  // round goes on from where the file says the last one got to.
  std::int64_t next = 1;
  std::size_t acknowledged_total = 0;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      write_forever(path, application_id, next, fds[1]);
    }
    close(fds[1]);
    std::vector<std::int64_t> acks;
    std::string partial;
    read_acks(fds[0], acks, partial, 60 + 40 * static_cast<std::size_t>(round),
              std::chrono::seconds(5));
    REQUIRE(kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    // Killed, not failed: a child that stopped on its own proves nothing.
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    // Acknowledgements already in the pipe were given before the kill.
    read_acks(fds[0], acks, partial, SIZE_MAX, std::chrono::seconds(1));
    close(fds[0]);
    REQUIRE(acks.size() >= 10);
    acknowledged_total += acks.size();

    CHECK(sql(path, "PRAGMA integrity_check") == "ok");
    CHECK(sql(path, "PRAGMA foreign_key_check") == "");

    auto store = open_store(path);
    std::set<std::int64_t> events, audit;
    store->read([&](Transaction& tx) {
      for (const auto& e : tx.events(application_id)) events.insert(std::stoll(e.reply));
      tx.scan_audit([&](const fuma::store::AuditRecord& r) {
        audit.insert(std::stoll(r.target));
        return true;
      });
    });
    for (std::int64_t n : acks) {
      if (!events.count(n)) FAIL_CHECK("acknowledged write " << n << " is missing");
    }
    // Whole transactions only, in order, without gaps.
    CHECK(events == audit);
    REQUIRE_FALSE(events.empty());
    CHECK(*events.begin() == 1);
    CHECK(*events.rbegin() == static_cast<std::int64_t>(events.size()));
    CHECK(*events.rbegin() >= acks.back());
    // At most the one transaction in flight was committed unacknowledged.
    CHECK(*events.rbegin() - acks.back() <= 1);
    next = *events.rbegin() + 1;
  }
  MESSAGE(acknowledged_total << " acknowledged writes over 3 killed writers, none lost");
}
