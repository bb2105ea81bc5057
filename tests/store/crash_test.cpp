// SPDX-License-Identifier: Apache-2.0
// A writer process killed with SIGKILL in the middle of a stream of writes:
// the file stays intact and every write acknowledged before the kill is
// there.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "store/fixtures.hpp"
#include "support/killed_writer.hpp"
#include "support/temp_dir.hpp"

using fuma::store::Id;
using fuma::store::Transaction;
using namespace fuma::test;

namespace {

// The child: one transaction per number n (an event and an audit record,
// so a half-applied transaction would show), then n as the acknowledgement.
template <class Send>
void write_forever(const std::string& path, Id application_id, std::int64_t first, Send send) {
  auto store = open_store(path);
  for (std::int64_t n = first;; ++n) {
    store->write([&](Transaction& tx) {
      tx.insert_event(event(application_id, std::to_string(n)));
      tx.append_audit({0, "t", "system", "crash.test", std::to_string(n), "", "", "", "", ""});
    });
    send(n);
  }
}

}  // namespace

TEST_CASE("SIGKILL in the middle of a stream of writes loses no acknowledged write" *
          doctest::test_suite("sqlite")) {
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
    const auto acks = kill_midstream<std::int64_t>(
        [&](auto send) { write_forever(path, application_id, next, send); },
        60 + 40 * static_cast<std::size_t>(round), std::chrono::seconds(120));
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
