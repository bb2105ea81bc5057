// SPDX-License-Identifier: Apache-2.0
// No write() returns before the WAL that holds it is synced (WAL with
// synchronous = FULL, see sqlite_store.cpp). Checked where it happens: the
// system calls of a writer, traced with strace, must show an fdatasync (or
// fsync) of the WAL between every write to the WAL and the acknowledgement
// that follows it.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "support/file.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fuma::test;

TEST_CASE("every acknowledged write follows a sync of the WAL that holds it" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string trace = dir.file("trace.txt");
  // LeakSanitizer cannot stop the threads of a traced process: a sanitizer
  // build's probe runs without it (its write path is the store suites').
  const Ran ran = run("ASAN_OPTIONS=detect_leaks=0 " + std::string(FUMA_STRACE) +
                      " -f -y -qq -e trace=pwrite64,write,fdatasync,fsync -o " + trace + " " +
                      FUMA_STORE_WRITE_PROBE + " " + dir.file("fuma.db") + " 200 2>&1");
  REQUIRE_MESSAGE(ran.status == 0, ran.output);
  CHECK(ran.output.find("ack") != std::string::npos);

  std::istringstream lines(read_bytes(trace));
  std::string line;
  bool unsynced = false;  // the WAL was written since its last sync
  int acks = 0, syncs = 0, wal_writes = 0;
  while (std::getline(lines, line)) {
    const bool on_wal = line.find("-wal>") != std::string::npos;
    if (on_wal && line.find("pwrite64(") != std::string::npos) {
      unsynced = true;
      ++wal_writes;
    } else if (on_wal && (line.find("fdatasync(") != std::string::npos ||
                          line.find("fsync(") != std::string::npos)) {
      REQUIRE_MESSAGE(line.find(") = 0") != std::string::npos, line);
      unsynced = false;
      ++syncs;
    } else if (line.find("write(1") != std::string::npos &&
               line.find("\"ack\\n\"") != std::string::npos) {
      ++acks;
      if (unsynced) FAIL_CHECK("acknowledgement " << acks << " before the WAL was synced");
    }
  }
  CHECK(acks == 200);
  CHECK(wal_writes >= 200);
  CHECK(syncs >= 200);
}
