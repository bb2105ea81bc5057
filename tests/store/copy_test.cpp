// SPDX-License-Identifier: Apache-2.0
// copy_store at the store's level: which tables a copy carries, and what a
// copy keeps of a SQLite store's ids and audit chain on PostgreSQL. The
// host suite (tests/host/test_copy_store.py) moves a whole authority.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "store/copy.hpp"
#include "store/fixtures.hpp"
#include "support/temp_dir.hpp"

using fuma::Errc;
using fuma::store::Id;
using fuma::store::Location;
using fuma::store::Transaction;
using namespace fuma::test;

namespace {

// Every table a copy carries or leaves out, by name.
std::set<std::string> listed_tables(bool sqlite) {
  std::set<std::string> out;
  for (const auto& t : fuma::store::copied_tables()) out.emplace(t.name);
  for (const auto& t : fuma::store::uncopied_tables()) {
    CHECK_FALSE(t.why.empty());
    if (sqlite || !t.sqlite_only) out.emplace(t.name);
  }
  return out;
}

std::set<std::string> words(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.insert(w);
  return out;
}

fuma::store::AuditRecord record(char hash, char prev) {
  fuma::store::AuditRecord r;
  r.at = "2026-01-05T08:00:00Z";
  r.actor = "system";
  r.command = "application.start";
  r.prev_hash = sha(prev);
  r.hash = sha(hash);
  return r;
}

}  // namespace

TEST_CASE("every table of the SQLite schema is one a copy carries or leaves out with a reason" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  fuma::store::open_sqlite(dir.file("fuma.db"), 5000);
  const std::string tables = RawDb(dir.file("fuma.db"))
                                 .text(
                                     "SELECT group_concat(name, ' ') FROM sqlite_schema "
                                     "WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  CHECK(words(tables) == listed_tables(true));
}

TEST_SUITE("postgresql") {
  TEST_CASE("every table of the PostgreSQL schema is one a copy carries or leaves out") {
    TempDir dir;
    open_store(dir.file("fuma.db"));
    const std::string tables =
        sql(dir.file("fuma.db"),
            "SELECT string_agg(tablename, ' ') FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename NOT IN ('fuma_schema', 'audit_head')");
    CHECK(words(tables) == listed_tables(false));
  }

  TEST_CASE("a copy keeps every id and the chain, and never gives a deleted case's id again") {
    TempDir dir;
    const std::string source = dir.file("source.db");
    Id unit_id = 0;
    Id deleted = 0;
    {
      auto s = fuma::store::open_sqlite(source, 5000);
      s->write([&](Transaction& tx) {
        const Id a = tx.insert_authority(authority());
        unit_id = tx.insert_unit(unit(a, 1));
        tx.insert_unit(unit(a, 2));
        const Id first = tx.insert_application(application(unit_id));
        // More than one batch of rows, and a part of one.
        for (int i = 0; i < 1201; ++i) tx.insert_event(event(first, std::to_string(i)));
        tx.append_audit(record('1', '0'));
        tx.append_audit(record('2', '1'));
      });
      // The newest application goes: SQLite's AUTOINCREMENT still
      // remembers its id.
      s->write([&](Transaction& tx) {
        tx.update_application(
            [&] {
              auto app = *tx.open_application(unit_id);
              app.open = false;
              return app;
            }(),
            1);
        deleted = tx.insert_application(application(unit_id));
        tx.delete_application(deleted);
      });
    }
    const std::string target = test_store(dir.file("target"));
    const fuma::store::CopyReport report =
        fuma::store::copy_store(Location::parse(source), Location::parse(target), {});
    CHECK(report.last_audit_hash == sha('2'));
    const auto units = std::find_if(report.rows.begin(), report.rows.end(),
                                    [](const auto& r) { return r.first == "units"; });
    REQUIRE(units != report.rows.end());
    CHECK(units->second == 2);
    const auto events = std::find_if(report.rows.begin(), report.rows.end(),
                                     [](const auto& r) { return r.first == "events"; });
    REQUIRE(events != report.rows.end());
    CHECK(events->second == 1201);

    auto copy = fuma::store::open(Location::parse(target), {});
    copy->write([&](Transaction& tx) {
      CHECK(tx.unit(unit_id)->uscc == uscc(1));
      const auto copied = tx.events(1);
      REQUIRE(copied.size() == 1201);
      CHECK(copied.front().reply == "0");
      CHECK(copied.back().reply == "1200");
      CHECK(copied.back().id == 1201);
      CHECK(tx.last_audit_hash() == sha('2'));
      CHECK(tx.insert_application(application(unit_id)) > deleted);
      CHECK(tx.insert_unit(unit(tx.authority_by_code("sz")->id, 3)) == 3);
      CHECK(tx.append_audit(record('3', '2')).seq == 3);
    });
  }

  TEST_CASE("a target that holds a record is refused, and nothing is written to it") {
    TempDir dir;
    const std::string source = dir.file("source.db");
    fuma::store::open_sqlite(source, 5000)->write([](Transaction& tx) {
      tx.insert_authority(authority("gz"));
    });
    const std::string target = test_store(dir.file("target"));
    fuma::store::open(Location::parse(target), {})->write([](Transaction& tx) {
      tx.insert_authority(authority("sz"));
    });
    CHECK(error_of([&] {
            fuma::store::copy_store(Location::parse(source), Location::parse(target), {});
          }) == Errc::conflict);
    CHECK(sql(dir.file("target"), "SELECT string_agg(code, ' ') FROM authorities") == "sz");
  }
}
