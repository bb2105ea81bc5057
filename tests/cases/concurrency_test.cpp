// SPDX-License-Identifier: Apache-2.0
// One Engine on one file shared by many threads, as a portal shares it: the
// store must serialise writers without losing an update, without letting a
// lock wait (SQLITE_BUSY) reach a caller, and without letting two callers
// take the same step of the same case.
//
// Worker threads only call the engine and record what they saw; doctest
// asserts run on the main thread after the workers are joined.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.hpp"

using namespace fuma::test;
using fuma::Errc;

namespace {

struct Outcome {
  bool ok = false;
  Errc code = Errc::internal;
  std::string text;  // the result, or the error as JSON

  json::object result() const { return json::parse(text).as_object(); }
};

Outcome attempt(fuma::Engine& engine, const std::string& command, const json::object& args,
                const json::object& actor) {
  try {
    return {true, Errc::internal, engine.call(World::envelope(command, args, actor, {})).json};
  } catch (const fuma::Error& e) {
    return {false, e.code(), e.json()};
  } catch (const std::exception& e) {
    return {false, Errc::internal, std::string("not a fuma::Error: ") + e.what()};
  }
}

// What contention must never show a caller: the store is documented to wait
// for the lock itself, so a storage or internal error here is a lost write.
bool storage_fault(const Outcome& o) {
  return !o.ok && (o.code == Errc::storage || o.code == Errc::internal ||
                   o.text.find("SQLITE_BUSY") != std::string::npos ||
                   o.text.find("locked") != std::string::npos);
}

// Surprises seen by worker threads, reported by the main thread.
class Surprises {
 public:
  void note(const std::string& where, const Outcome& o) {
    std::lock_guard<std::mutex> lock(mutex_);
    list_.push_back(where + ": " + o.text);
  }
  std::vector<std::string> list() {
    std::lock_guard<std::mutex> lock(mutex_);
    return list_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> list_;
};

void check_no_surprises(Surprises& s) {
  const auto list = s.list();
  for (const auto& what : list) FAIL_CHECK(what);
  CHECK(list.empty());
}

// Starts every thread's body at once, so the calls overlap as much as the
// machine allows instead of running in creation order.
class StartLine {
 public:
  explicit StartLine(int n) : waiting_(n) {}
  void arrive() {
    waiting_.fetch_sub(1);
    while (waiting_.load() > 0) std::this_thread::yield();
  }

 private:
  std::atomic<int> waiting_;
};

std::int64_t id_of(const Outcome& o) { return o.result().at("application").at("id").as_int64(); }

}  // namespace

TEST_CASE("eight threads sharing one engine lose no update and never see the lock") {
  World w;
  fuma::Engine& engine = w.engine();
  Surprises surprises;
  constexpr int kThreads = 8;
  constexpr int kUnits = 40;

  // Registration in parallel: the durable serial counter must hand every
  // thread a different code.
  std::vector<std::string> codes;
  {
    std::mutex mutex;
    StartLine start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive();
        for (int i = 0; i < kUnits / kThreads; ++i) {
          const Outcome o =
              attempt(engine, "unit.register",
                      {{"name", "并发局" + std::to_string(t) + "-" + std::to_string(i)},
                       {"category", "机关"},
                       {"address", "深圳市福田区福中三路1号"},
                       {"responsible_person", "张三"}},
                      staff(t % 2 ? "acc1" : "acc2"));
          if (!o.ok) {
            surprises.note("unit.register", o);
            continue;
          }
          std::lock_guard<std::mutex> lock(mutex);
          codes.emplace_back(o.result().at("uscc").as_string());
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  check_no_surprises(surprises);
  REQUIRE(codes.size() == kUnits);
  CHECK(std::set<std::string>(codes.begin(), codes.end()).size() == kUnits);

  // Four applicant threads start, save and submit while two acceptors and
  // two reviewers work the queues: the acceptors (and the reviewers) see the
  // same queue and race each other for every case.
  std::mutex mutex;
  std::map<std::int64_t, int> accepted, approved;  // successes per case
  std::map<std::string, std::int64_t> case_of;     // unit -> case
  std::atomic<int> submitted{0}, done{0}, lost_races{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto timed_out = [&] { return std::chrono::steady_clock::now() > deadline; };

  auto applicant = [&](int t) {
    for (int i = t; i < kUnits; i += 4) {
      const std::string& code = codes[static_cast<std::size_t>(i)];
      const Outcome s = attempt(engine, "application.start", {{"business", "reissue"}}, unit(code));
      if (!s.ok) {
        surprises.note("start", s);
        continue;
      }
      const std::int64_t id = id_of(s);
      {
        std::lock_guard<std::mutex> lock(mutex);
        case_of[code] = id;
      }
      const Outcome v = attempt(engine, "application.save",
                                {{"id", id}, {"fields", {{"reason", "证书遗失"}}}}, unit(code));
      if (!v.ok) surprises.note("save", v);
      const Outcome u = attempt(engine, "application.submit", {{"id", id}}, unit(code));
      if (!u.ok) surprises.note("submit", u);
      ++submitted;
    }
  };

  // Works one queue: takes `action` on every case listed in `from`.
  auto worker = [&](const std::string& username, const std::string& from, const std::string& action,
                    std::map<std::int64_t, int>& wins) {
    while (done.load() < kUnits && !timed_out()) {
      const Outcome q =
          attempt(engine, "queue.list", {{"status", from}, {"limit", 100}}, staff(username));
      if (!q.ok) {
        surprises.note("queue.list", q);
        return;
      }
      const json::array items = q.result().at("items").as_array();
      if (items.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      for (const json::value& item : items) {
        const std::int64_t id = item.at("id").as_int64();
        const Outcome o = attempt(engine, "application." + action, {{"id", id}}, staff(username));
        if (o.ok) {
          std::lock_guard<std::mutex> lock(mutex);
          ++wins[id];
          if (action == "approve") ++done;
        } else if (o.code == Errc::invalid_state || o.code == Errc::conflict) {
          // The other acceptor (or reviewer) got there first.
          ++lost_races;
        } else {
          surprises.note(action + " by " + username, o);
        }
      }
    }
  };

  {
    StartLine start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        start.arrive();
        applicant(t);
      });
    }
    for (const char* who : {"acc1", "acc2"}) {
      threads.emplace_back([&, who] {
        start.arrive();
        worker(who, "submitted", "accept", accepted);
      });
    }
    for (const char* who : {"rev1", "rev2"}) {
      threads.emplace_back([&, who] {
        start.arrive();
        worker(who, "accepted", "approve", approved);
      });
    }
    for (auto& t : threads) t.join();
  }
  check_no_surprises(surprises);
  CHECK_FALSE(timed_out());
  // Races the losers were told about; zero would mean the threads never met.
  MESSAGE(lost_races.load() << " lost races over " << 2 * kUnits << " staff steps");
  CHECK(submitted.load() == kUnits);
  REQUIRE(case_of.size() == kUnits);

  for (const auto& [code, id] : case_of) {
    INFO("case " << id << " of " << code);
    CHECK(accepted[id] == 1);
    CHECK(approved[id] == 1);
    CHECK(w.status(id, staff("acc1")) == "approved");
  }
  CHECK(accepted.size() == kUnits);
  CHECK(approved.size() == kUnits);
  // start, save, submit, accept, approve: five writes, none lost.
  CHECK(w.count("SELECT count(*) FROM applications WHERE version = 5 AND status = 'approved'") ==
        kUnits);
  // 暂存 without a change of status records no event.
  CHECK(w.count("SELECT count(*) FROM events") == 4 * kUnits);
  for (const char* action : {"start", "submit", "accept", "approve"}) {
    INFO(action);
    CHECK(w.count(std::string("SELECT count(*) FROM events WHERE action = '") + action + "'") ==
          kUnits);
  }
  CHECK(w.count("SELECT count(*) FROM (SELECT 1 FROM events GROUP BY application_id, action "
                "HAVING count(*) > 1) AS twice") == 0);
  auto v = w.call("audit.verify", {}, system_actor());
  CHECK(v.at("intact").as_bool());
  // Setup (2 authorities, 8 staff), 40 registrations, 5 writes per case:
  // failed attempts leave no record.
  CHECK(v.at("records").as_int64() == 10 + kUnits + 5 * kUnits);
}

TEST_CASE("two threads racing the same step on the same case: one moves it, one is told") {
  World w;
  fuma::Engine& engine = w.engine();

  // Runs a and b at once; returns their outcomes.
  auto race = [&](const std::string& command_a, const json::object& args_a,
                  const json::object& actor_a, const std::string& command_b,
                  const json::object& args_b, const json::object& actor_b) {
    Outcome a, b;
    StartLine start(2);
    std::thread ta([&] {
      start.arrive();
      a = attempt(engine, command_a, args_a, actor_a);
    });
    std::thread tb([&] {
      start.arrive();
      b = attempt(engine, command_b, args_b, actor_b);
    });
    ta.join();
    tb.join();
    return std::make_pair(a, b);
  };
  auto exactly_one = [](const std::pair<Outcome, Outcome>& r) {
    const Outcome& loser = r.first.ok ? r.second : r.first;
    INFO("a: " << r.first.text);
    INFO("b: " << r.second.text);
    CHECK(r.first.ok != r.second.ok);
    CHECK_FALSE(storage_fault(loser));
    CHECK((loser.code == Errc::invalid_state || loser.code == Errc::conflict));
    return r.first.ok;
  };

  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    const std::string code = w.register_unit("竞争局" + std::to_string(round));
    const std::int64_t id = w.start(code, "reissue");
    const std::string target = std::to_string(id);

    // Two saves of the same version: the second must not overwrite the first.
    const bool a_saved = exactly_one(
        race("application.save", {{"id", id}, {"fields", {{"reason", "甲"}}}, {"version", 1}},
             unit(code), "application.save",
             {{"id", id}, {"fields", {{"reason", "乙"}}}, {"version", 1}}, unit(code)));
    auto saved = w.view(id, unit(code));
    CHECK(saved.at("fields").at("reason").as_string() == (a_saved ? "甲" : "乙"));
    CHECK(saved.at("version").as_int64() == 2);

    w.call("application.submit", {{"id", id}}, unit(code));
    if (round % 2 == 0) {
      // The same step by two acceptors.
      exactly_one(race("application.accept", {{"id", id}}, staff("acc1"), "application.accept",
                       {{"id", id}}, staff("acc2")));
      CHECK(w.status(id, staff("acc1")) == "accepted");
    } else {
      // Two different steps from the same status: one wins, whole.
      const bool accepted =
          exactly_one(race("application.accept", {{"id", id}}, staff("acc1"), "application.reject",
                           {{"id", id}, {"reply", "材料不全"}}, staff("acc2")));
      CHECK(w.status(id, staff("acc1")) == (accepted ? "accepted" : "rejected"));
      if (!accepted) continue;
    }
    exactly_one(race("application.approve", {{"id", id}}, staff("rev1"), "application.approve",
                     {{"id", id}}, staff("rev2")));
    CHECK(w.status(id, staff("acc1")) == "approved");
    CHECK(w.count("SELECT count(*) FROM events WHERE application_id = " + target +
                  " AND action IN ('accept', 'reject', 'approve')") == 2);
    CHECK(w.count("SELECT count(*) FROM audit WHERE target = 'application:" + target +
                  "' AND command IN ('application.accept', 'application.reject', "
                  "'application.approve')") == 2);
  }
  CHECK(w.call("audit.verify", {}, system_actor()).at("intact").as_bool());
}

// Two engines on one PostgreSQL database, each with its own pool of
// connections: what two hosts behind a balancer are.
TEST_CASE("two engines on one database racing a staff step: one moves it, the other is told" *
          doctest::test_suite("postgresql")) {
  World w;
  fuma::Options o;
  w.locate(o);
  o.clock = [] { return monday_morning(); };
  fuma::Engine other(o);
  fuma::Engine& engine = w.engine();

  auto race = [&](fuma::Engine& ea, const std::string& command, const json::object& args,
                  const json::object& actor_a, fuma::Engine& eb, const json::object& actor_b) {
    Outcome a, b;
    StartLine start(2);
    std::thread ta([&] {
      start.arrive();
      a = attempt(ea, command, args, actor_a);
    });
    std::thread tb([&] {
      start.arrive();
      b = attempt(eb, command, args, actor_b);
    });
    ta.join();
    tb.join();
    INFO("a: " << a.text);
    INFO("b: " << b.text);
    CHECK(a.ok != b.ok);
    const Outcome& loser = a.ok ? b : a;
    CHECK_FALSE(storage_fault(loser));
    CHECK((loser.code == Errc::invalid_state || loser.code == Errc::conflict));
  };

  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    const std::string code = w.register_unit("两机竞争局" + std::to_string(round));
    const std::int64_t id = w.start(code, "reissue");
    w.save(code, id, {{"reason", "证书遗失"}});
    w.call("application.submit", {{"id", id}}, unit(code));
    race(engine, "application.accept", {{"id", id}}, staff("acc1"), other, staff("acc2"));
    race(other, "application.approve", {{"id", id}}, staff("rev1"), engine, staff("rev2"));
    CHECK(w.status(id, staff("acc1")) == "approved");
    const std::string target = std::to_string(id);
    CHECK(w.count("SELECT count(*) FROM events WHERE application_id = " + target +
                  " AND action IN ('accept', 'approve')") == 2);
    CHECK(w.count("SELECT count(*) FROM audit WHERE target = 'application:" + target +
                  "' AND command IN ('application.accept', 'application.approve')") == 2);
  }
  CHECK(w.call("audit.verify", {}, system_actor()).at("intact").as_bool());
}

TEST_CASE("two engines on one database registering at once never allocate a USCC twice" *
          doctest::test_suite("postgresql")) {
  World w;
  fuma::Options o;
  w.locate(o);
  o.clock = [] { return monday_morning(); };
  fuma::Engine other(o);
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::mutex mutex;
  std::set<std::string> codes;
  Surprises surprises;
  {
    StartLine start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        fuma::Engine& engine = t % 2 ? other : w.engine();
        start.arrive();
        for (int i = 0; i < kEach; ++i) {
          const Outcome r = attempt(engine, "unit.register",
                                    {{"name", "两机登记局" + std::to_string(t * kEach + i)},
                                     {"category", "机关"},
                                     {"address", "深圳市福田区福中三路1号"},
                                     {"responsible_person", "张三"}},
                                    staff(t % 2 ? "acc1" : "acc2"));
          if (!r.ok) {
            surprises.note("unit.register", r);
            continue;
          }
          std::lock_guard<std::mutex> lock(mutex);
          codes.insert(std::string(r.result().at("uscc").as_string()));
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  check_no_surprises(surprises);
  CHECK(codes.size() == kThreads * kEach);
  CHECK(w.count("SELECT count(DISTINCT uscc) FROM units") == kThreads * kEach);
  auto v = w.call("audit.verify", {}, system_actor());
  CHECK(v.at("intact").as_bool());
}

namespace {

// A session of another program on the engine's database, holding its own
// transaction.
class Session {
 public:
  explicit Session(const std::string& uri) : c_(PQconnectdb(uri.c_str())) {
    REQUIRE(PQstatus(c_) == CONNECTION_OK);
  }
  ~Session() { PQfinish(c_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  // Runs SQL; false when the server refused it.
  bool run(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok;
  }

 private:
  PGconn* c_;
};

}  // namespace

TEST_CASE("a write the database gives up in a deadlock is run again, and applied once" *
          doctest::test_suite("postgresql")) {
  World w;
  const std::int64_t deadlocks =
      w.count("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()");
  // Another program locks the authority's row, which unit.register's
  // serial needs, and then the audit chain's head, which unit.register
  // locked first: a cycle, which the database breaks by giving up the
  // transaction whose deadlock check (deadlock_timeout after it began to
  // wait, once) finds it. That is the engine's when the other program asked
  // for the head in time; on a machine too busy for that it is the other
  // program's, and the round is tried again, until the engine's write was
  // the one given up.
  const char* const names[] = {"死锁重试一局", "死锁重试二局", "死锁重试三局", "死锁重试四局",
                               "死锁重试五局"};
  bool engine_given_up = false;
  int rounds = 0;
  for (const char* name : names) {
    ++rounds;
    const std::int64_t units = w.count("SELECT count(*) FROM units");
    const std::int64_t records = w.count("SELECT count(*) FROM audit");
    const std::int64_t serial = w.count("SELECT next_serial FROM authorities WHERE code = 'sz'");
    Session other(w.store_uri());
    REQUIRE(other.run("BEGIN"));
    REQUIRE(other.run("SELECT 1 FROM authorities WHERE code = 'sz' FOR UPDATE"));
    Outcome registered;
    std::thread engine([&] {
      registered = attempt(w.engine(), "unit.register",
                           {{"name", name},
                            {"category", "机关"},
                            {"address", "深圳市福田区福中三路1号"},
                            {"responsible_person", "张三"}},
                           staff("acc1"));
    });
    // Once the engine waits for the row, the other program asks for the head.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (w.count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                   "AND wait_event_type = 'Lock' AND query LIKE '%next_serial%'") == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const bool head = other.run("SELECT 1 FROM audit_head FOR UPDATE");
    REQUIRE(other.run(head ? "COMMIT" : "ROLLBACK"));
    engine.join();
    INFO(registered.text);
    CHECK(registered.ok);
    // Applied once: one unit, one serial, one audit record, the chain whole.
    CHECK(w.count("SELECT count(*) FROM units") == units + 1);
    CHECK(w.count("SELECT next_serial FROM authorities WHERE code = 'sz'") == serial + 1);
    CHECK(w.count("SELECT count(*) FROM audit") == records + 1);
    CHECK(w.call("audit.verify", {}, system_actor()).at("intact").as_bool());
    if (head) {  // the engine's transaction was the one given up
      engine_given_up = true;
      break;
    }
  }
  MESSAGE(rounds << " round(s) until the engine's write was the one given up");
  CHECK(engine_given_up);
  CHECK(w.count("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()") >
        deadlocks);
}
