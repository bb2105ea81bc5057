// SPDX-License-Identifier: Apache-2.0
// National scale: a store holding N units with N cases, on SQLite or on
// PostgreSQL, and the latency of the reads people wait for at that size.
//
//   fuma-bench-scale --store LOCATION [--units N] [--samples K] [--batch B]
//
// LOCATION is a new SQLite file's path, or a PostgreSQL database (a libpq
// URI; run it as `tests/support/pg-server --durable fuma-bench-scale
// --store "$FUMA_TEST_STORE" ...` for a server of its own). N defaults to
// 1,000,000.
//
// Loading. The authority and its staff are made by commands; the units and
// cases are written in bulk THROUGH THE STORE INTERFACE (store.hpp), in
// transactions of B cases (1,000; on PostgreSQL 100 loads faster, as every
// write of a transaction updates the audit chain's one head row), with the
// rows the commands write: for each
// unit its row, its active certificate and the audit record of
// unit.register; for its case (申请补领) the application with its entry
// form, the start event and the audit records of application.start and
// application.save. Every tenth case is also submitted (event and audit
// record of application.submit), so the acceptor's queue of submitted cases
// holds a tenth of them. The load is timed and reported as cases/s. On
// PostgreSQL the tables are then analysed, as autovacuum does after a load.
//
// Then, K times each (default 2,000), one thread, every one an
// Engine::call: application.view of a random case (as the acceptor),
// queue.list of submitted cases (first page, then following `next` for 50
// pages, again and again), unit.lookup by a random unit's USCC, by a word
// every name holds, and by the whole name of a random unit. Reported:
// median, p99 and max; then the store's bytes per case (the SQLite file
// after a checkpoint; PostgreSQL's pg_database_size and the tables and
// indexes of the store's schema).
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "engine/audit.hpp"
#include "fuma/engine.hpp"
#include "fuma/uscc.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace json = boost::json;
using fuma::bench::call;
using fuma::bench::percentile;
using fuma::bench::request_text;
using Steady = std::chrono::steady_clock;

constexpr const char* kNow = "2026-11-23T01:00:00Z";
constexpr const char* kToday = "2026-11-23";

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

struct Case {
  std::string uscc;
  std::string name;
  std::int64_t id = 0;
};

// The units and cases [from, to) through the store, as the commands write them.
void load(fuma::store::Store& store, fuma::store::Id authority, const std::string& acceptor,
          std::size_t from, std::size_t to, std::vector<Case>& cases) {
  auto audit = [](fuma::store::Transaction& txn, const std::string& actor, const char* command,
                  const std::string& target, const char* before, const char* after) {
    fuma::store::AuditRecord r;
    r.at = kNow;
    r.actor = actor;
    r.command = command;
    r.target = target;
    r.before_status = before;
    r.after_status = after;
    fuma::engine::append_audit(txn, std::move(r), fuma::crypto::Digest::sha256);
  };
  std::vector<Case> made;
  store.write([&](fuma::store::Transaction& txn) {
    made.clear();  // a write the store gave up and runs again starts afresh
    for (std::size_t i = from; i < to; ++i) {
      Case c;
      c.uscc = fuma::uscc::allocate('1', '1', "440300", "MB", txn.take_serial(authority));
      c.name = "深圳市基准局" + std::to_string(i);
      fuma::store::Unit u;
      u.uscc = c.uscc;
      u.authority_id = authority;
      u.name = c.name;
      u.category = "机关";
      u.address = "深圳市福田区福中三路1号";
      u.responsible_person = "张三";
      u.created_at = u.updated_at = kNow;
      u.id = txn.insert_unit(u);
      fuma::store::Certificate cert;
      cert.unit_id = u.id;
      cert.serial = c.uscc + "-01";
      cert.issued_on = kToday;
      cert.created_at = kNow;
      txn.insert_certificate(cert);
      audit(txn, acceptor, "unit.register", "unit:" + c.uscc, "", "");
      fuma::store::Application a;
      a.unit_id = u.id;
      a.business = "reissue";
      a.status = "draft";
      a.fields_json = R"({"reason":"证书遗失，申请补领"})";
      a.created_at = a.updated_at = kNow;
      a.id = txn.insert_application(a);
      c.id = a.id;
      fuma::store::Event e;
      e.application_id = a.id;
      e.action = "start";
      e.to_status = "draft";
      e.actor = "unit:" + c.uscc;
      e.at = kNow;
      e.business = "reissue";
      txn.insert_event(e);
      const std::string target = "application:" + std::to_string(a.id);
      audit(txn, e.actor, "application.start", target, "", "draft");
      audit(txn, e.actor, "application.save", target, "draft", "draft");
      if (i % 10 == 0) {
        a.status = "submitted";
        txn.update_application(a, 1);
        e.action = "submit";
        e.from_status = "draft";
        e.to_status = "submitted";
        txn.insert_event(e);
        audit(txn, e.actor, "application.submit", target, "draft", "submitted");
      }
      made.push_back(std::move(c));
    }
  });
  cases.insert(cases.end(), std::make_move_iterator(made.begin()),
               std::make_move_iterator(made.end()));
}

struct Timing {
  std::string what;
  std::vector<double> us;   // wall time
  std::vector<double> cpu;  // this thread's CPU time (the SQLite store's work is in it)
};

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

void print(const Timing& t) {
  std::vector<double> v = t.us;
  std::sort(v.begin(), v.end());
  std::printf(
      "%-40s median %7.0f us  p99 %7.0f us  max %7.0f us  thread CPU median %6.0f us"
      "  p99 %6.0f us  (%zu calls)\n",
      t.what.c_str(), percentile(v, 0.5), percentile(v, 0.99), v.back(), percentile(t.cpu, 0.5),
      percentile(t.cpu, 0.99), v.size());
  std::fflush(stdout);
}

template <class F>
Timing time_calls(const std::string& what, std::size_t n, F&& one) {
  Timing t{what, {}, {}};
  t.us.reserve(n);
  t.cpu.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double c0 = thread_cpu_us();
    const auto t0 = Steady::now();
    one(i);
    t.us.push_back(std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
    t.cpu.push_back(thread_cpu_us() - c0);
  }
  print(t);
  return t;
}

// The SQLite file's bytes after a checkpoint that empties the WAL.
std::uint64_t sqlite_bytes(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }
  sqlite3_close(db);
  return file_size(path) + file_size(path + "-wal");
}

// One number from the PostgreSQL database (size queries only).
std::int64_t pg_number(const std::string& uri, const char* sql) {
  PGconn* c = PQconnectdb(uri.c_str());
  std::int64_t v = -1;
  if (PQstatus(c) == CONNECTION_OK) {
    PQclear(PQexec(c, "CHECKPOINT"));
    PGresult* r = PQexec(c, sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
      v = std::strtoll(PQgetvalue(r, 0, 0), nullptr, 10);
    }
    PQclear(r);
  }
  PQfinish(c);
  return v;
}

int run(const std::string& location, std::size_t units, std::size_t samples, std::size_t batch) {
  fuma::test::TempDir dir;
  const fuma::store::Location where = fuma::store::Location::parse(location);
  const bool pg = where.backend == fuma::store::Location::Backend::postgresql;
  fuma::Options options;
  options.path = location;
  if (pg) options.key_file = dir.file("master.key");
  options.clock = [] {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1795395600));
  };
  fuma::Engine engine(options);
  const json::object system{{"system", true}};
  call(engine, "authority.create",
       {{"code", "sz"},
        {"name", "深圳市委机构编制委员会办公室"},
        {"division", "440300"},
        {"segment", "MB"}},
       system);
  call(engine, "staff.create",
       {{"authority", "sz"}, {"username", "acc1"}, {"name", "甲"}, {"roles", {"acceptor"}}},
       system);
  const json::object acc{{"staff", "acc1"}};

  std::printf("fuma-bench-scale: %zu units with %zu cases on %s\n", units, units,
              pg ? "PostgreSQL" : "SQLite");
  std::printf("machine: %u hardware threads, %s\n", std::thread::hardware_concurrency(),
              cpu_model().c_str());
  std::fflush(stdout);

  std::vector<Case> cases;
  cases.reserve(units);
  {
    auto store = fuma::store::open(where, fuma::store::OpenOptions{});
    fuma::store::Id authority = 0;
    std::string acceptor;
    store->read([&](fuma::store::Transaction& txn) {
      authority = txn.authority_by_code("sz")->id;
      acceptor = "staff:" + std::to_string(txn.staff_by_username("acc1")->id);
    });
    const auto started = Steady::now();
    auto last_report = started;
    while (cases.size() < units) {
      const std::size_t from = cases.size();
      const std::size_t to = std::min(units, from + batch);
      load(*store, authority, acceptor, from, to, cases);
      if (seconds_since(last_report) > 30 || cases.size() == units) {
        last_report = Steady::now();
        std::printf("  loaded %zu cases in %.0f s (%.0f cases/s)\n", cases.size(),
                    seconds_since(started),
                    static_cast<double>(cases.size()) / seconds_since(started));
        std::fflush(stdout);
      }
    }
    std::printf("load through the store: %zu cases in %.1f s, %.0f cases/s\n", units,
                seconds_since(started), static_cast<double>(units) / seconds_since(started));
    std::fflush(stdout);
  }

  if (pg) {
    // What autovacuum does some while after a load like this one, done now
    // so that the calls are timed on the tables as they then stand, not
    // beside autovacuum going through them: the statistics the name search
    // reads (its rarer trigrams), the visibility map, and the load's dirty
    // pages written out (CHECKPOINT, where the role may).
    PGconn* c = PQconnectdb(location.c_str());
    if (PQstatus(c) == CONNECTION_OK) {
      for (const char* sql : {"VACUUM (ANALYZE)", "CHECKPOINT"}) {
        PGresult* r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
          std::printf("%s: %s", sql, PQresultErrorMessage(r));
        }
        PQclear(r);
      }
    }
    PQfinish(c);
  }

  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> any(0, cases.size() - 1);
  auto pick = [&]() -> const Case& { return cases[any(rng)]; };

  // A few calls first, so that the statements are prepared and the first
  // pages of the indexes read, as in a host that has been serving.
  for (int i = 0; i < 50; ++i) {
    engine.call(request_text("application.view", {{"id", pick().id}}, acc));
  }

  time_calls("application.view, random case", samples, [&](std::size_t) {
    engine.call(request_text("application.view", {{"id", pick().id}}, acc));
  });
  {
    json::value next = nullptr;
    int page = 0;
    time_calls("queue.list submitted, pages 1 to 50", samples, [&](std::size_t) {
      json::object args{{"status", "submitted"}};
      if (!next.is_null()) args["after"] = next;
      const json::object r = call(engine, "queue.list", args, acc);
      next = ++page < 50 ? r.at("next") : json::value(nullptr);
      if (page >= 50) page = 0;
    });
  }
  time_calls("unit.lookup, a random unit's USCC", samples, [&](std::size_t) {
    engine.call(request_text("unit.lookup", {{"query", pick().uscc}}, {}));
  });
  time_calls("unit.lookup, a word of every name", samples, [&](std::size_t) {
    engine.call(request_text("unit.lookup", {{"query", "基准局"}}, {}));
  });
  time_calls("unit.lookup, a random unit's whole name", samples, [&](std::size_t) {
    engine.call(request_text("unit.lookup", {{"query", pick().name}}, {}));
  });

  if (pg) {
    const std::int64_t db = pg_number(location, "SELECT pg_database_size(current_database())");
    const std::int64_t mine = pg_number(
        location,
        "SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'");
    std::printf(
        "bytes per case: %.0f (pg_database_size %lld B / %zu); the store's tables with "
        "their indexes and TOAST: %.0f B per case\n",
        static_cast<double>(db) / static_cast<double>(units), static_cast<long long>(db), units,
        static_cast<double>(mine) / static_cast<double>(units));
  } else {
    const std::uint64_t bytes = sqlite_bytes(where.target);
    std::printf("bytes per case: %.0f (file %llu B after a checkpoint / %zu)\n",
                static_cast<double>(bytes) / static_cast<double>(units),
                static_cast<unsigned long long>(bytes), units);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string location;
  std::size_t units = 1000000;
  std::size_t samples = 2000;
  std::size_t batch = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    if (name == "--store") {
      location = argv[i + 1];
    } else if (name == "--units") {
      units = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (name == "--batch") {
      batch = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (name == "--samples") {
      samples = std::strtoull(argv[i + 1], nullptr, 10);
    } else {
      location.clear();
      break;
    }
  }
  if (location.empty() || units == 0 || samples == 0 || batch == 0 || argc % 2 == 0) {
    std::fprintf(stderr,
                 "usage: fuma-bench-scale --store LOCATION [--units N] [--samples K] [--batch B]\n"
                 "  LOCATION: a new SQLite file's path, or postgresql://... (a libpq URI)\n");
    return 2;
  }
  try {
    return run(location, units, samples, batch);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuma-bench-scale: %s\n", e.what());
    return 1;
  }
}
