// SPDX-License-Identifier: Apache-2.0
// What only the PostgreSQL store does: its schema in a database others may
// share, refusing what is not its own, the server going away and coming
// back. Runs on the database FUMA_TEST_STORE names (tests/support/pg-server).
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/fixtures.hpp"
#include "store/schema.hpp"
#include "support/temp_dir.hpp"
#include "support/thread_state.hpp"

using fuma::Errc;
using fuma::store::Id;
using fuma::store::Transaction;
using namespace fuma::test;

namespace {

// A fresh schema of the test database, and its URI.
struct Schema {
  TempDir dir;
  std::string uri = test_store(dir.file("fuma.db"));
  std::string name = postgresql_schema(dir.file("fuma.db"));

  std::string value(const std::string& sql) const { return postgresql_value(sql, uri); }
  void admin(const std::string& sql) const { postgresql_admin(sql, uri); }
};

std::unique_ptr<fuma::store::Store> open_uri(const std::string& uri) {
  return fuma::store::open(fuma::store::Location::parse(uri), {});
}

// A write that reads its case, has another program change the case
// meanwhile (on its first run only), then updates the case at the version
// it first read and records an event. What each run's update answered goes
// to `answers`.
struct RacedStep {
  const Schema& schema;
  Id application;
  std::vector<bool> answers;
  std::optional<std::int64_t> first_read;

  void operator()(Transaction& tx) {
    std::optional<fuma::store::Application> a = tx.application(application);
    REQUIRE(a);
    if (!first_read) {
      first_read = a->version;
      schema.admin("UPDATE applications SET version = version + 1 WHERE id = " +
                   std::to_string(application));
    }
    a->latest_reply = "raced";
    answers.push_back(tx.update_application(*a, *first_read));
    tx.insert_event(event(application, "step"));
  }
};

}  // namespace

TEST_SUITE("postgresql") {
  TEST_CASE("a new schema gets the tables of the latest version and its creation time") {
    Schema s;
    auto store = open_uri(s.uri);
    CHECK(store->schema_version() == fuma::store::latest_schema_version());
    CHECK(s.value("SELECT version FROM fuma_schema") ==
          std::to_string(fuma::store::latest_schema_version()));
    CHECK(s.value("SELECT application_id FROM fuma_schema") == std::to_string(0x46554D41));
    CHECK_FALSE(s.value("SELECT value FROM meta WHERE key = 'created_at'").empty());
    // Version 8's column is there.
    CHECK(s.value("SELECT count(*) FROM information_schema.columns WHERE table_schema = '" +
                  s.name + "' AND table_name = 'audit' AND column_name = 'request_id'") == "1");
  }

  TEST_CASE("with the index's statistics a name is looked up by its rarer trigrams, as without") {
    Schema s;
    auto store = open_uri(s.uri);
    store->write([&](Transaction& tx) {
      const Id a = tx.insert_authority(authority());
      for (int n = 1; n <= 3000; ++n) {
        fuma::store::Unit u = unit(a, n);
        u.name = "深圳市某某委员会" + std::to_string(100000 + n);
        tx.insert_unit(u);
      }
    });
    // ANALYZE gives the index's most common trigrams (深圳市, 委员会, ...),
    // which the lookup then leaves out of its search.
    s.admin("ANALYZE units");
    REQUIRE(s.value("SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND "
                    "tablename = 'units_name_grams' AND most_common_elems IS NOT NULL") == "1");
    auto names = [&](const std::string& fragment) {
      std::vector<std::string> out;
      store->read([&](Transaction& tx) {
        for (const auto& u : tx.units_by_name(fragment, 50)) out.push_back(u.name);
      });
      return out;
    };
    CHECK(names("深圳市某某委员会102999") == std::vector<std::string>{"深圳市某某委员会102999"});
    CHECK(names("委员会102999") == std::vector<std::string>{"深圳市某某委员会102999"});
    // Only common trigrams: all of them are looked up.
    CHECK(names("员会深圳").empty());
    const std::vector<std::string> late = names("会1029");
    REQUIRE(late.size() == 50);
    CHECK(late.front() == "深圳市某某委员会102900");
  }

  TEST_CASE("every migration has its PostgreSQL statements") {
    for (const auto& m : fuma::store::migrations()) {
      CHECK_FALSE(m.sqlite.empty());
      CHECK_FALSE(m.postgresql.empty());
    }
  }

  TEST_CASE("a schema written by a newer fuma is refused with VERSION and left unchanged") {
    Schema s;
    open_uri(s.uri);
    const std::string newer = std::to_string(fuma::store::latest_schema_version() + 1);
    s.admin("UPDATE fuma_schema SET version = " + newer);
    CHECK(error_of([&] { open_uri(s.uri); }) == Errc::version);
    CHECK(s.value("SELECT version FROM fuma_schema") == newer);
  }

  TEST_CASE("a schema holding another program's tables is refused with STORAGE, untouched") {
    Schema s;
    s.admin("CREATE TABLE orders (id integer)");
    CHECK(error_of([&] { open_uri(s.uri); }) == Errc::storage);
    CHECK(s.value("SELECT count(*) FROM pg_tables WHERE schemaname = '" + s.name + "'") == "1");
  }

  TEST_CASE("two stores opening one new schema at once both end at the latest version") {
    Schema s;
    std::unique_ptr<fuma::store::Store> a, b;
    std::thread t([&] { a = open_uri(s.uri); });
    b = open_uri(s.uri);
    t.join();
    REQUIRE(a);
    CHECK(a->schema_version() == fuma::store::latest_schema_version());
    CHECK(b->schema_version() == fuma::store::latest_schema_version());
  }

  TEST_CASE("audit records cannot be changed or deleted, even with plain SQL") {
    Schema s;
    auto store = open_uri(s.uri);
    store->write([&](Transaction& tx) {
      fuma::store::AuditRecord r;
      r.at = "2026-01-05T08:00:00Z";
      r.actor = "system";
      r.command = "setup";
      r.prev_hash = std::string(64, '0');
      r.hash = std::string(64, '1');
      r.request_id = "req-1";
      tx.append_audit(r);
    });
    CHECK_THROWS(s.admin("UPDATE audit SET actor = 'someone else'"));
    CHECK_THROWS(s.admin("DELETE FROM audit"));
    CHECK_THROWS(s.admin("TRUNCATE audit"));
    CHECK(s.value("SELECT actor FROM audit") == "system");
    store->read([&](Transaction& tx) {
      std::vector<fuma::store::AuditRecord> seen;
      tx.scan_audit([&](const fuma::store::AuditRecord& r) {
        seen.push_back(r);
        return true;
      });
      REQUIRE(seen.size() == 1);
      CHECK(seen[0].request_id == "req-1");
      CHECK(tx.last_audit_hash() == std::string(64, '1'));
    });
  }

  TEST_CASE(
      "a change sent with a later statement that fails runs its write again, each change "
      "waited for: alone, and in a shared commit beside others") {
    Schema s;
    auto store = open_uri(s.uri);
    std::vector<Id> cases;
    store->write([&](Transaction& tx) {
      const Id authority_id = tx.insert_authority(authority());
      for (int i = 1; i <= 4; ++i) {
        cases.push_back(tx.insert_application(application(tx.insert_unit(unit(authority_id, i)))));
      }
    });
    // What a step left: its case's version and reply, and its events.
    auto left = [&](Id id) {
      const std::string where = " FROM applications WHERE id = " + std::to_string(id);
      return s.value("SELECT version" + where) + " " + s.value("SELECT latest_reply" + where) +
             " " +
             s.value("SELECT count(*) FROM events WHERE application_id = " + std::to_string(id));
    };

    // Alone. The first run's update is sent with the COMMIT and, finding
    // the case changed, fails it; the second run's update is waited for
    // and answers false, as the store answers a stale version.
    RacedStep alone{s, cases[0], {}, {}};
    store->write(std::ref(alone));
    CHECK(alone.answers == std::vector<bool>{true, false});
    // The other program's version; the first run's event is not there.
    CHECK(left(cases[0]) == "2  1");

    // In a shared commit: two steps queue while a third write is being
    // committed, and the committer runs them together, each in its
    // savepoint. Each runs again from its own savepoint; the write beside
    // it keeps what it did.
    std::mutex m;
    std::condition_variable changed;
    bool holder_inside = false;
    int calling = 0;
    std::atomic<pid_t> tids[2] = {0, 0};
    bool queued = false;
    RacedStep steps[2] = {{s, cases[1], {}, {}}, {s, cases[2], {}, {}}};
    std::thread holder([&] {
      store->write([&](Transaction& tx) {
        tx.insert_event(event(cases[3], "holder"));
        std::unique_lock<std::mutex> lock(m);
        holder_inside = true;
        changed.notify_all();
        changed.wait(lock, [&] { return calling == 2; });
        lock.unlock();
        queued = sleeping(tids[0].load()) && sleeping(tids[1].load());
      });
    });
    std::vector<std::thread> stepping;
    for (int i = 0; i < 2; ++i) {
      stepping.emplace_back([&, i] {
        tids[i] = gettid();
        {
          std::unique_lock<std::mutex> lock(m);
          changed.wait(lock, [&] { return holder_inside; });
          ++calling;
          changed.notify_all();
        }
        store->write(std::ref(steps[i]));
      });
    }
    holder.join();
    for (auto& t : stepping) t.join();
    REQUIRE(queued);
    for (int i = 0; i < 2; ++i) {
      CHECK(steps[i].answers == std::vector<bool>{true, false});
      CHECK(left(cases[static_cast<std::size_t>(i) + 1]) == "2  1");
    }
    CHECK(left(cases[3]) == "1  1");
  }

  TEST_CASE(
      "a row read ahead through another is answered from that round trip, every time it is "
      "read, until the transaction writes its table") {
    Schema s;
    auto store = open_uri(s.uri);
    Id unit_id = 0, application_id = 0;
    store->write([&](Transaction& tx) {
      unit_id = tx.insert_unit(unit(tx.insert_authority(authority()), 1));
      application_id = tx.insert_application(application(unit_id));
    });
    const std::string original = s.value("SELECT name FROM units");
    store->write([&](Transaction& tx) {
      fuma::store::ReadAhead ahead;
      ahead.application = application_id;
      ahead.application_unit = true;
      ahead.case_facts = application_id;
      tx.read_ahead(ahead);
      // Another program renames the unit and moves its certificate after
      // the round trip: at READ COMMITTED a statement sent now would see
      // both; the reads are answered from what was read ahead.
      s.admin("UPDATE units SET name = 'renamed meanwhile' WHERE id = " + std::to_string(unit_id));
      s.admin("INSERT INTO certificates(unit_id, serial, issued_on, status, created_at) VALUES (" +
              std::to_string(unit_id) + ", 'S-1', '2026-01-05', 'active', '2026-01-05')");
      for (int read = 0; read < 2; ++read) {
        CHECK(tx.unit(unit_id)->name == original);
        CHECK_FALSE(tx.active_certificate(unit_id));
      }
      // A write to units drops what was read from it (the unit is read
      // again, as this write left it); the certificate stays as read.
      fuma::store::Unit u = *tx.unit(unit_id);
      u.address = "another address";
      tx.update_unit(u);
      CHECK(tx.unit(unit_id)->address == "another address");
      CHECK_FALSE(tx.active_certificate(unit_id));
    });
  }

  TEST_CASE("a server that cannot be reached is STORE_UNAVAILABLE") {
    TempDir dir;
    // A socket directory where no server listens.
    const std::string uri = "postgresql:///postgres?host=" + dir.path().string() + "&user=fuma";
    try {
      open_uri(uri);
      FAIL("no error");
    } catch (const fuma::Error& e) {
      CHECK(e.code() == Errc::store_unavailable);
      CHECK(e.message() == "服务暂不可用，请稍后重试");
    }
  }

  TEST_CASE("connections the server ends are replaced by themselves, and nothing is lost") {
    Schema s;
    auto store = open_uri(s.uri);
    Id authority_id = 0;
    store->write([&](Transaction& tx) { authority_id = tx.insert_authority(authority()); });
    store->read([&](Transaction& tx) { CHECK(tx.authority(authority_id)); });
    // As a server restart or a failover does: every connection of the
    // store is cut.
    s.admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE pid <> pg_backend_pid() AND datname = current_database()");
    // The transaction begins with its first statement, so a connection
    // found broken there throws out of the function, and the store runs it
    // again on a new one: what the function saw is checked outside it.
    bool found = false;
    store->read([&](Transaction& tx) { found = tx.authority(authority_id).has_value(); });
    CHECK(found);
    std::uint64_t first = 9;
    std::uint64_t second = 9;
    store->write([&](Transaction& tx) { first = tx.take_serial(authority_id); });
    store->write([&](Transaction& tx) { second = tx.take_serial(authority_id); });
    CHECK(first == 0);
    CHECK(second == 1);
  }

  TEST_CASE("writes committed together wait for a lock held elsewhere no longer than the wait") {
    Schema s;
    fuma::store::OpenOptions o;
    o.postgresql_wait_ms = 300;
    auto store = fuma::store::open(fuma::store::Location::parse(s.uri), o);
    Id authority_id = 0;
    store->write([&](Transaction& tx) { authority_id = tx.insert_authority(authority()); });

    // Another program holds the chain's lock, busy (not idle) inside its
    // transaction, so only the writers' own lock wait can end theirs.
    std::atomic<bool> holder_done{false};
    std::thread holder([&] {
      try {
        s.admin("BEGIN; SELECT seq FROM audit_head FOR UPDATE; SELECT pg_sleep(60); COMMIT");
      } catch (const std::exception&) {
        // ended by pg_terminate_backend below
      }
      holder_done = true;
    });
    const auto locked_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (s.value("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                   "WHERE c.relname = 'audit_head' AND l.mode = 'RowShareLock' AND l.pid <> "
                   "pg_backend_pid()") == "0" &&
           std::chrono::steady_clock::now() < locked_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }

    // Several writers of one store at once: one commits alone, the others
    // queue and are committed together, in one batch. Every one of them is
    // told STORE_UNAVAILABLE while the lock is still held elsewhere.
    constexpr int kWriters = 6;
    std::vector<std::optional<Errc>> failed(kWriters);
    std::vector<std::thread> writers;
    for (int i = 0; i < kWriters; ++i) {
      writers.emplace_back([&, i] {
        try {
          store->write([&](Transaction& tx) { tx.take_serial(authority_id); });
        } catch (const fuma::Error& e) {
          failed[i] = e.code();
        }
      });
    }
    for (std::thread& w : writers) w.join();
    const bool held_throughout = !holder_done;
    s.admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' "
        "AND pid <> pg_backend_pid()");
    holder.join();
    CHECK(held_throughout);
    for (const auto& f : failed) CHECK(f == Errc::store_unavailable);
    // Nothing was applied: the next serial is the first.
    store->write([&](Transaction& tx) { CHECK(tx.take_serial(authority_id) == 0); });
  }

  TEST_CASE("a writer stalled inside its write holds the others up no longer than the wait") {
    Schema s;
    fuma::store::OpenOptions o;
    o.postgresql_wait_ms = 300;
    auto stalled = fuma::store::open(fuma::store::Location::parse(s.uri), o);
    auto other = fuma::store::open(fuma::store::Location::parse(s.uri), o);
    Id authority_id = 0;
    other->write([&](Transaction& tx) { authority_id = tx.insert_authority(authority()); });

    // A host stopped in the middle of a write (a paused machine), holding
    // the lock every write takes first, until the other host got through.
    std::atomic<int> tries{0};
    std::atomic<bool> inside{false}, release{false};
    std::vector<std::uint64_t> stalled_took;
    std::optional<Errc> stalled_failed;
    std::thread host([&] {
      try {
        stalled->write([&](Transaction& tx) {
          stalled_took.push_back(tx.take_serial(authority_id));
          if (++tries == 1) {
            inside = true;
            const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            while (!release && std::chrono::steady_clock::now() < give_up) {
              std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            tx.take_serial(authority_id);  // its session has been ended meanwhile
          }
        });
      } catch (const fuma::Error& e) {
        stalled_failed = e.code();
        inside = true;
      }
    });
    while (!inside) std::this_thread::sleep_for(std::chrono::milliseconds(5));

    // The other writer is told STORE_UNAVAILABLE while it waits, never kept
    // waiting for good, and gets through while the stalled one still sleeps.
    std::optional<std::uint64_t> other_took;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!other_took && std::chrono::steady_clock::now() < deadline) {
      try {
        other->write([&](Transaction& tx) { other_took = tx.take_serial(authority_id); });
      } catch (const fuma::Error& e) {
        CHECK(e.code() == Errc::store_unavailable);
        if (e.code() != Errc::store_unavailable) break;
      }
    }
    const bool stalled_still_asleep = !release;
    release = true;
    host.join();
    CHECK_FALSE(stalled_failed);
    REQUIRE(other_took);
    CHECK(stalled_still_asleep);
    // The stalled write was rolled back (its serial taken again by the
    // other), then ran again on a new connection and was applied once.
    REQUIRE(stalled_took.size() == 2);
    CHECK(*other_took == stalled_took[0]);
    CHECK(stalled_took[1] == *other_took + 1);
    other->write([&](Transaction& tx) { CHECK(tx.take_serial(authority_id) == *other_took + 2); });
  }

  TEST_CASE("the store reports its pool's connections and is ready while the server answers") {
    Schema s;
    auto store = open_uri(s.uri);
    CHECK(store->statistics().connections == 1);  // the one that opened the schema
    CHECK(store->statistics().write_retries == 0);
    store->check();
    // Two transactions at once need two connections; both stay in the pool.
    store->write(
        [&](Transaction&) { store->read([](Transaction& tx) { tx.meta("created_at"); }); });
    CHECK(store->statistics().connections == 2);
    s.admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE pid <> pg_backend_pid() AND datname = current_database()");
    store->check();  // on a new connection
  }

  TEST_CASE("open sessions are counted by their last activity and their age") {
    Schema s;
    auto store = open_uri(s.uri);
    store->write([&](Transaction& tx) {
      const Id authority_id = tx.insert_authority(authority());
      fuma::store::Staff clerk;
      clerk.authority_id = authority_id;
      clerk.username = "clerk";
      clerk.name = "受理员";
      clerk.roles = {"acceptor"};
      clerk.created_at = "2026-12-01T00:00:00Z";
      const Id staff_id = tx.insert_staff(clerk);
      fuma::store::StaffSession open{};
      open.token_hash = std::string(64, 'a');
      open.staff_id = staff_id;
      open.created_at = "2026-12-01T08:00:00Z";
      open.last_seen_at = "2026-12-01T09:00:00Z";
      tx.insert_staff_session(open);
      fuma::store::StaffSession idle = open;
      idle.token_hash = std::string(64, 'b');
      idle.last_seen_at = "2026-12-01T07:00:00Z";
      tx.insert_staff_session(idle);
    });
    store->read([&](Transaction& tx) {
      CHECK(tx.count_open_staff_sessions("2026-12-01T08:30:00Z", "2026-12-01T00:00:00Z") == 1);
      CHECK(tx.count_open_staff_sessions("2026-12-01T06:00:00Z", "2026-12-01T00:00:00Z") == 2);
      CHECK(tx.count_open_staff_sessions("2026-12-01T06:00:00Z", "2026-12-01T08:00:00Z") == 0);
      CHECK(tx.count_open_sessions("2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z") == 0);
    });
  }

  TEST_CASE("backup is refused: a database is backed up with its server's tools") {
    Schema s;
    auto store = open_uri(s.uri);
    CHECK(error_of([&] { store->backup(s.dir.file("copy.db")); }) == Errc::storage);
  }

  TEST_CASE("a text holding a NUL byte is INVALID_ARGUMENT, not cut short") {
    Schema s;
    auto store = open_uri(s.uri);
    auto a = authority();
    a.name = std::string("深圳\0市", 9);
    CHECK(error_of([&] { store->write([&](Transaction& tx) { tx.insert_authority(a); }); }) ==
          Errc::invalid_argument);
    store->read([&](Transaction& tx) { CHECK_FALSE(tx.authority_by_code("sz")); });
  }

  TEST_CASE("the location's password is not shown") {
    const auto l = fuma::store::Location::parse("postgresql://fuma:s3cret@db.example/fuma");
    CHECK(l.display() == "postgresql://fuma:***@db.example/fuma");
  }
}
