// SPDX-License-Identifier: Apache-2.0
// The case engine on a realistically large file: throughput of the durable
// workflow commands (submit, accept, approve) with one and two threads,
// application.view latency, and bytes on disk per application.
//
// A plain program rather than Google Benchmark: the interesting state (a
// file of 100,000 cases) is built once and every measurement changes it.
//
//   fuma-bench-cases [applications=100000] [populated-by-commands=1000] [ops=1000]
//
// Populating. Each command is a durable commit (WAL, synchronous = FULL),
// so registering, starting and saving 100,000 cases through commands costs
// 300,000 fsyncs: far beyond a few minutes on ordinary disks. The first
// `populated-by-commands` cases go through the commands and are timed (the
// rate is extrapolated to the full count); the rest are written through the
// store interface in batches of 1,000 cases per transaction, with the same
// rows the commands write (unit, certificate, draft with the same fields,
// start event, three chained audit records), and are labelled as such.
// Every measured operation is an Engine::call.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/audit.hpp"
#include "fuma/engine.hpp"
#include "fuma/uscc.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace json = boost::json;
using Steady = std::chrono::steady_clock;

// The fixed time every record carries, so runs are comparable.
constexpr const char* kNow = "2026-11-23T01:00:00Z";
constexpr const char* kToday = "2026-11-23";

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

std::string request(const std::string& command, const json::object& args,
                    const json::object& actor) {
  return json::serialize(json::object{{"command", command}, {"args", args}, {"actor", actor}});
}

json::object staff(const char* username) { return {{"staff", username}}; }
json::object unit(const std::string& uscc) { return {{"unit", uscc}}; }

json::object call(fuma::Engine& engine, const std::string& command, const json::object& args,
                  const json::object& actor) {
  return json::parse(engine.call(request(command, args, actor)).json).as_object();
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
  std::int64_t id = 0;
};

struct Row {
  std::string what;
  std::string value;
  std::string note;
};

// Runs `op` on every case of `cases` with `threads` threads, each taking
// its own contiguous share, with `actors[t]` for thread t; commands/s.
double throughput(const std::vector<Case>& cases, int threads,
                  const std::function<void(const Case&, int thread)>& op) {
  const auto start = Steady::now();
  std::vector<std::thread> pool;
  const std::size_t share = cases.size() / static_cast<std::size_t>(threads);
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const std::size_t begin = share * static_cast<std::size_t>(t);
      const std::size_t end = t + 1 == threads ? cases.size() : begin + share;
      for (std::size_t i = begin; i < end; ++i) op(cases[i], t);
    });
  }
  for (auto& th : pool) th.join();
  return static_cast<double>(cases.size()) / seconds_since(start);
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

int run(std::size_t total, std::size_t by_commands, std::size_t ops) {
  fuma::test::TempDir dir;
  const std::string path = dir.file("fuma.db");
  fuma::Options options;
  options.path = path;
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
  for (const char* who : {"acc1", "acc2", "rev1", "rev2"}) {
    const char* role = who[0] == 'a' ? "acceptor" : "reviewer";
    call(engine, "staff.create",
         {{"authority", "sz"}, {"username", who}, {"name", who}, {"roles", {role}}}, system);
  }
  std::vector<Row> rows;
  std::printf("fuma-bench-cases: %zu applications, %zu of them populated by commands\n", total,
              by_commands);
  std::fflush(stdout);

  // --- populating through commands: unit.register, application.start, .save
  std::vector<Case> cases;
  cases.reserve(total);
  const json::object fields{{"reason", "证书遗失"}};
  auto started = Steady::now();
  for (std::size_t i = 0; i < by_commands; ++i) {
    Case c;
    c.uscc = std::string(call(engine, "unit.register",
                              {{"name", "基准局" + std::to_string(i)},
                               {"category", "机关"},
                               {"address", "深圳市福田区福中三路1号"},
                               {"responsible_person", "张三"}},
                              staff("acc1"))
                             .at("uscc")
                             .as_string());
    c.id = call(engine, "application.start", {{"business", "reissue"}}, unit(c.uscc))
               .at("application")
               .at("id")
               .as_int64();
    call(engine, "application.save", {{"id", c.id}, {"fields", fields}}, unit(c.uscc));
    cases.push_back(std::move(c));
  }
  const double by_commands_s = seconds_since(started);
  const double populate_rate = static_cast<double>(3 * by_commands) / by_commands_s;
  rows.push_back({"populate by commands (register+start+save)",
                  fixed(by_commands_s, 1) + " s for " + std::to_string(by_commands),
                  fixed(populate_rate, 0) + " commands/s; " + std::to_string(total) +
                      " would take ~" +
                      fixed(static_cast<double>(3 * total) / populate_rate / 60.0, 1) + " min"});
  std::printf("populated %zu cases by commands in %.1f s (%.0f commands/s)\n", by_commands,
              by_commands_s, populate_rate);
  std::fflush(stdout);

  // --- the rest through the store interface, in batches (labelled BULK)
  {
    auto store = fuma::store::open_sqlite(path, 5000);
    std::string fields_json;
    fuma::store::Id authority = 0;
    std::string acceptor_key;
    store->read([&](fuma::store::Transaction& txn) {
      fields_json = txn.application(cases.front().id)->fields_json;
      authority = txn.authority_by_code("sz")->id;
      acceptor_key = "staff:" + std::to_string(txn.staff_by_username("acc1")->id);
    });
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
    started = Steady::now();
    constexpr std::size_t kBatch = 1000;
    while (cases.size() < total) {
      store->write([&](fuma::store::Transaction& txn) {
        const std::size_t end = std::min(total, cases.size() + kBatch);
        for (std::size_t i = cases.size(); i < end; ++i) {
          Case c;
          c.uscc = fuma::uscc::allocate('1', '1', "440300", "MB", txn.take_serial(authority));
          fuma::store::Unit u;
          u.uscc = c.uscc;
          u.authority_id = authority;
          u.name = "基准局" + std::to_string(i);
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
          audit(txn, acceptor_key, "unit.register", "unit:" + c.uscc, "", "");
          fuma::store::Application a;
          a.unit_id = u.id;
          a.business = "reissue";
          a.status = "draft";
          a.fields_json = "{}";
          a.created_at = a.updated_at = kNow;
          a.id = txn.insert_application(a);
          c.id = a.id;
          fuma::store::Event e;
          e.application_id = a.id;
          e.action = "start";
          e.to_status = "draft";
          e.actor = "unit:" + c.uscc;
          e.at = kNow;
          txn.insert_event(e);
          const std::string target = "application:" + std::to_string(a.id);
          audit(txn, e.actor, "application.start", target, "", "draft");
          a.fields_json = fields_json;
          txn.update_application(a, 1);
          audit(txn, e.actor, "application.save", target, "draft", "draft");
          cases.push_back(std::move(c));
        }
      });
    }
    const double bulk_s = seconds_since(started);
    const std::size_t bulk = total - by_commands;
    rows.push_back({"populate BULK via store (1000 cases/txn)",
                    fixed(bulk_s, 1) + " s for " + std::to_string(bulk),
                    fixed(static_cast<double>(bulk) / bulk_s, 0) +
                        " cases/s; not commands: same rows, batched commits"});
    std::printf("populated %zu cases in bulk through the store in %.1f s\n", bulk, bulk_s);
    std::fflush(stdout);
  }

  // --- durable command throughput: one set of cases for 1 thread, another for 2
  std::mt19937_64 rng(42);
  std::vector<Case> pick(cases.begin(), cases.end());
  std::shuffle(pick.begin(), pick.end(), rng);
  const std::vector<Case> one(pick.begin(), pick.begin() + static_cast<std::ptrdiff_t>(ops));
  const std::vector<Case> two(pick.begin() + static_cast<std::ptrdiff_t>(ops),
                              pick.begin() + static_cast<std::ptrdiff_t>(2 * ops));
  const char* acceptors[] = {"acc1", "acc2"};
  const char* reviewers[] = {"rev1", "rev2"};
  struct Step {
    const char* name;
    std::function<void(const Case&, int)> op;
  };
  const Step steps[] = {
      {"application.submit",
       [&](const Case& c, int) {
         call(engine, "application.submit", {{"id", c.id}}, unit(c.uscc));
       }},
      {"application.accept",
       [&](const Case& c, int t) {
         call(engine, "application.accept", {{"id", c.id}}, staff(acceptors[t]));
       }},
      {"application.approve",
       [&](const Case& c, int t) {
         call(engine, "application.approve", {{"id", c.id}}, staff(reviewers[t]));
       }},
  };
  for (const Step& s : steps) {
    const double r1 = throughput(one, 1, s.op);
    const double r2 = throughput(two, 2, s.op);
    rows.push_back({std::string(s.name) + ", 1 thread", fixed(r1, 0) + " commands/s",
                    fixed(1000.0 / r1, 2) + " ms/command, " + std::to_string(ops) + " commands"});
    rows.push_back({std::string(s.name) + ", 2 threads", fixed(r2, 0) + " commands/s",
                    fixed(1000.0 / r2, 2) + " ms/command, " + std::to_string(ops) + " commands"});
    std::printf("%s: %.0f/s (1 thread), %.0f/s (2 threads)\n", s.name, r1, r2);
    std::fflush(stdout);
  }

  // --- application.view latency over random cases of the whole file
  {
    constexpr std::size_t kViews = 10000;
    std::uniform_int_distribution<std::size_t> any(0, cases.size() - 1);
    std::vector<double> us;
    us.reserve(kViews);
    for (std::size_t i = 0; i < kViews; ++i) {
      const Case& c = cases[any(rng)];
      const auto t0 = Steady::now();
      engine.call(request("application.view", {{"id", c.id}}, staff("acc1")));
      us.push_back(std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
    }
    std::sort(us.begin(), us.end());
    const double median = us[us.size() / 2];
    const double p99 = us[us.size() * 99 / 100];
    rows.push_back({"application.view latency, 1 thread", "median " + fixed(median, 0) + " us",
                    "p99 " + fixed(p99, 0) + " us, max " + fixed(us.back(), 0) + " us, " +
                        std::to_string(kViews) + " random of " + std::to_string(cases.size())});
  }

  // --- audit.verify walks the whole chain: how long that is at this size
  {
    const auto t0 = Steady::now();
    const json::object v = call(engine, "audit.verify", {}, system);
    const double s = seconds_since(t0);
    rows.push_back({"audit.verify, whole chain", fixed(s * 1000.0, 0) + " ms",
                    std::to_string(v.at("records").as_int64()) +
                        " records, intact: " + (v.at("intact").as_bool() ? "yes" : "NO")});
  }

  // --- bytes on disk per application, after a checkpoint
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return 1;
  // A fresh connection learns the file is in WAL mode only when it first
  // reads; before that a checkpoint is a silent no-op.
  sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  int log = -1, done = -1;
  const int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
  sqlite3_close(db);
  const std::uint64_t main_bytes = file_size(path);
  const std::uint64_t wal_bytes = file_size(path + "-wal");
  const double per = static_cast<double>(main_bytes + wal_bytes) / static_cast<double>(total);
  rows.push_back({"database bytes per application", fixed(per, 0) + " B",
                  std::to_string(main_bytes) + " B file + " + std::to_string(wal_bytes) +
                      " B WAL (checkpoint " + (rc == SQLITE_OK ? "TRUNCATE ok" : "incomplete") +
                      "); incl. unit, certificate, events, audit"});

  std::printf("\n== fuma-bench-cases summary ==\n");
  std::printf("machine: %u hardware threads, %s\n", std::thread::hardware_concurrency(),
              cpu_model().c_str());
  std::printf("store: SQLite %s, WAL, synchronous=FULL (every command is a durable commit)\n",
              sqlite3_libversion());
  std::printf("file: %zu units, %zu applications\n\n", total, total);
  std::printf("%-46s | %-24s | %s\n", "measurement", "result", "note");
  std::printf("%s\n", std::string(120, '-').c_str());
  for (const Row& r : rows) {
    std::printf("%-46s | %-24s | %s\n", r.what.c_str(), r.value.c_str(), r.note.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t total = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  const std::size_t by_commands = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000;
  const std::size_t ops = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1000;
  if (by_commands == 0 || by_commands > total || 2 * ops > total) {
    std::fprintf(stderr, "usage: fuma-bench-cases [applications] [by-commands] [ops]\n");
    return 2;
  }
  try {
    return run(total, by_commands, ops);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuma-bench-cases: %s\n", e.what());
    return 1;
  }
}
