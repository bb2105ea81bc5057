// SPDX-License-Identifier: Apache-2.0
// A stream of acknowledged writes for the store's sync test: opens FILE,
// makes COUNT writes (one status event each) and prints "ack" on stdout
// each time write() returns. The test runs it under strace and finds where
// each acknowledgement stands among the WAL's writes and syncs.
//
//   store_write_probe FILE COUNT
#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/records.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_write_probe FILE COUNT\n");
    return 2;
  }
  using namespace fuma::test;
  auto store = open_store(argv[1]);
  Id application_id = 0;
  store->write([&](fuma::store::Transaction& tx) {
    application_id = tx.insert_application(
        application(tx.insert_unit(unit(tx.insert_authority(authority()), 1))));
  });
  const int count = std::atoi(argv[2]);
  for (int n = 0; n < count; ++n) {
    store->write([&](fuma::store::Transaction& tx) {
      tx.insert_event(event(application_id, std::to_string(n)));
    });
    std::printf("ack\n");
    std::fflush(stdout);
  }
  return 0;
}
