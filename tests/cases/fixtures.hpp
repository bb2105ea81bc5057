// SPDX-License-Identifier: Apache-2.0
// A fuma engine on a real SQLite file in a temp dir, with a fixed clock and
// two registration authorities staffed for the workflow, and helpers that
// read like the steps of a case.
#ifndef FUMA_TESTS_CASES_FIXTURES_HPP
#define FUMA_TESTS_CASES_FIXTURES_HPP

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "engine/command.hpp"
#include "engine/schema.hpp"
#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "support/file.hpp"
#include "support/temp_dir.hpp"
#include "support/test_store.hpp"

namespace fuma::test {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

// 09:00 in Shenzhen on Monday 23 November 2026.
inline Clock::time_point monday_morning() {
  return Clock::time_point(std::chrono::seconds(1795395600));
}

// A committed attachment fixture (tests/attachments/data).
inline std::string read_file(const std::string& name) {
  return read_bytes(std::string(FUMA_CASES_TEST_DATA) + "/" + name);
}

inline json::object system_actor() { return json::object{{"system", true}}; }
inline json::object staff(const std::string& username) { return json::object{{"staff", username}}; }
inline json::object unit(const std::string& uscc) { return json::object{{"unit", uscc}}; }

// The args of a credential.request (申领) for the unit, 李四 to collect the
// picture; requested_on is before or on the World's today, 2026-11-23.
inline json::object credential_request_args(const std::string& uscc,
                                            const std::string& reason = "first",
                                            const std::string& requested_on = "2026-11-20") {
  return {{"uscc", uscc},
          {"reason", reason},
          {"recipient", "李四"},
          {"phone", "13800138000"},
          {"requested_on", requested_on}};
}

// The declaration of a command (src/engine/command.hpp), null for a name
// the registry does not know.
inline const engine::Command* declared(std::string_view command) {
  const auto& list = engine::commands();
  auto it = std::lower_bound(
      list.begin(), list.end(), command,
      [](const engine::Command& c, std::string_view name) { return c.name < name; });
  return it != list.end() && it->name == command ? &*it : nullptr;
}

// Every answer the World gets is held to its command's declaration: a
// result to the declared result schema, an error to the declared codes and
// those of the frame. A declaration that lies fails the test that met it.
inline void check_result(std::string_view command, const json::value& result) {
  const engine::Command* c = declared(command);
  REQUIRE_MESSAGE(c != nullptr, command << " answered, but the registry does not list it");
  for (const engine::schema::Violation& v : engine::result_schema(*c).violations(result)) {
    FAIL_CHECK(command << " answered a result its schema refuses: "
                       << (v.path.empty() ? std::string("the result") : v.path) << " " << v.detail);
  }
}

inline void check_error(std::string_view command, const Error& e) {
  const engine::Command* c = declared(command);
  if (c == nullptr) {
    CHECK_MESSAGE(e.code() == Errc::unknown_command, command << " is not declared");
    return;
  }
  const std::uint64_t codes = c->errors | engine::frame_errors(*c);
  CHECK_MESSAGE((codes & engine::error_bit(e.code())) != 0,
                command << " answered " << errc_name(e.code())
                        << ", which it does not declare: " << e.detail());
}

class World {
 public:
  // `tweak` adjusts the options before the engine opens (a captcha answer,
  // timeouts, a locality's files).
  explicit World(const std::function<void(Options&)>& tweak = {})
      : now_(std::make_shared<Clock::time_point>(monday_morning())) {
    Options options;
    // The SQLite file, or the PostgreSQL schema standing for it
    // (FUMA_TEST_STORE), with the key file where SQLite's default puts it.
    options.path = fuma::test::test_store(dir_.file("fuma.db"));
    if (fuma::test::on_postgresql()) options.key_file = dir_.file("fuma.db.key");
    auto now = now_;
    options.clock = [now] { return *now; };
    if (tweak) tweak(options);
    engine_ = std::make_unique<Engine>(options);
    setup();
  }

  std::string dir_file(const std::string& name) const { return dir_.file(name); }

  std::string db_path() const { return dir_.file("fuma.db"); }
  // Another engine's options on this world's store: its location, and on
  // PostgreSQL the key file, which SQLite finds beside its file.
  void locate(Options& o) const {
    o.path = fuma::test::test_store(db_path());
    if (fuma::test::on_postgresql()) o.key_file = db_path() + ".key";
  }
  // Plain SQL's text answer on the engine's store ("" for none or NULL).
  std::string text(const std::string& sql) const {
    if (fuma::test::on_postgresql()) return fuma::test::postgresql_value(sql, store_uri());
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(db_path().c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }
  // On PostgreSQL, the URI of the engine's schema.
  std::string store_uri() const {
    return fuma::test::postgresql_in_schema(fuma::test::postgresql_schema(db_path()));
  }

  // The engine itself, for tests that call it from several threads: they
  // classify outcomes there and assert on the main thread.
  Engine& engine() { return *engine_; }
  void advance(std::chrono::hours h) { *now_ += h; }
  void advance_seconds(std::int64_t s) { *now_ += std::chrono::seconds(s); }

  // The result and the bytes beside it, of a command that must succeed.
  std::pair<json::object, std::string> call_data(const std::string& command,
                                                 const json::object& args,
                                                 const json::object& actor,
                                                 const std::string& data = {},
                                                 const std::string& idempotency_key = {}) {
    try {
      Response r = engine_->call(envelope(command, args, actor, idempotency_key), data);
      json::value result = json::parse(r.json);
      check_result(command, result);
      return {std::move(result.as_object()), std::move(r.data)};
    } catch (const Error& e) {
      check_error(command, e);
      FAIL_CHECK(command << " failed: " << e.json());
      throw;
    }
  }

  // The result of a command that must succeed.
  json::object call(const std::string& command, const json::object& args, const json::object& actor,
                    const std::string& data = {}, const std::string& idempotency_key = {}) {
    const std::string request = envelope(command, args, actor, idempotency_key);
    try {
      json::value result = json::parse(engine_->call(request, data).json);
      check_result(command, result);
      json::object& r = result.as_object();
      REQUIRE(r.at("ok").as_bool());
      return std::move(r);
    } catch (const Error& e) {
      check_error(command, e);
      FAIL_CHECK(command << " failed: " << e.json());
      throw;
    }
  }

  // The error of a command that must fail.
  Error fail(const std::string& command, const json::object& args, const json::object& actor,
             const std::string& data = {}, const std::string& idempotency_key = {}) {
    try {
      engine_->call(envelope(command, args, actor, idempotency_key), data);
    } catch (const Error& e) {
      check_error(command, e);
      return e;
    }
    FAIL(command << " succeeded but was expected to fail");
    throw;  // unreachable: FAIL throws
  }

  // The error of a request given as raw text.
  Error fail_raw(const std::string& request) {
    try {
      engine_->call(request);
    } catch (const Error& e) {
      // A request that names its command is held to its declaration.
      std::error_code ec;
      const json::value parsed = json::parse(request, ec);
      const json::object* o = ec ? nullptr : parsed.if_object();
      const json::value* command = o ? o->if_contains("command") : nullptr;
      if (command && command->is_string()) check_error(command->get_string(), e);
      return e;
    }
    FAIL(request << " succeeded but was expected to fail");
    throw;
  }

  Errc code_of(const std::string& command, const json::object& args, const json::object& actor,
               const std::string& data = {}) {
    return fail(command, args, actor, data).code();
  }

  // A unit registered on site by the Shenzhen acceptor; fixed-term when
  // valid_until is given.
  std::string register_unit(const std::string& name = "深圳市某某局",
                            std::optional<std::string> valid_until = std::nullopt,
                            const std::string& acceptor = "acc1") {
    json::object args{{"name", name},
                      {"category", "机关"},
                      {"address", "深圳市福田区福中三路1号"},
                      {"responsible_person", "张三"}};
    if (valid_until) args["valid_until"] = *valid_until;
    return std::string(call("unit.register", args, staff(acceptor)).at("uscc").as_string());
  }

  // application.start for the unit; returns the case id.
  std::int64_t start(const std::string& uscc, const std::string& business) {
    return app(call("application.start", {{"business", business}}, unit(uscc))).at("id").as_int64();
  }

  void save(const std::string& uscc, std::int64_t id, const json::object& fields) {
    call("application.save", {{"id", id}, {"fields", fields}}, unit(uscc));
  }

  json::object step(const std::string& command, std::int64_t id, const std::string& actor,
                    const std::string& reply = {}) {
    json::object args{{"id", id}};
    if (!reply.empty()) args["reply"] = reply;
    return app(call("application." + command, args, staff(actor)));
  }

  json::object view(std::int64_t id, const json::object& actor) {
    return app(call("application.view", {{"id", id}}, actor));
  }

  std::string status(std::int64_t id, const json::object& actor) {
    return std::string(view(id, actor).at("status").at("key").as_string());
  }

  // A long-term unit's reissue case, submitted (待受理).
  std::int64_t submitted_case(const std::string& uscc) {
    const std::int64_t id = start(uscc, "reissue");
    save(uscc, id, {{"reason", "证书遗失"}});
    call("application.submit", {{"id", id}}, unit(uscc));
    return id;
  }

  // A credential requested (credential_request_args) and issued on site,
  // both by acc1, expiring on expires_on when given; its picture (PNG).
  std::string issue_credential(const std::string& uscc, const std::string& reason = "first",
                               const std::string& requested_on = "2026-11-20",
                               const std::optional<std::string>& expires_on = std::nullopt) {
    const json::object r = call("credential.request",
                                credential_request_args(uscc, reason, requested_on), staff("acc1"));
    json::object args{{"request", r.at("request").at("id")}, {"delivery", "on_site"}};
    if (expires_on) args["expires_on"] = *expires_on;
    return call_data("credential.issue", args, staff("acc1")).second;
  }

  // Through 受理 and 复核通过 to 待通知.
  std::int64_t approved_case(const std::string& uscc) {
    const std::int64_t id = submitted_case(uscc);
    step("accept", id, "acc1");
    step("approve", id, "rev1");
    return id;
  }

  static json::object app(const json::object& result) {
    return result.at("application").as_object();
  }

  // Plain SQL on the engine's store, for what no command shows.
  std::int64_t count(const std::string& sql) {
    if (fuma::test::on_postgresql()) {
      return std::stoll(fuma::test::postgresql_value(sql, store_uri()));
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(db_path().c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const std::int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }

  void exec(const std::string& sql) {
    if (fuma::test::on_postgresql()) {
      fuma::test::postgresql_admin(sql, store_uri());
      return;
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(db_path().c_str(), &db) == SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    INFO((err ? err : ""));
    sqlite3_free(err);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
  }

  // The request text of a command, as call() sends it.
  static std::string envelope(const std::string& command, const json::object& args,
                              const json::object& actor, const std::string& key) {
    json::object req{{"command", command}, {"args", args}};
    if (!actor.empty()) req["actor"] = actor;
    if (!key.empty()) req["idempotency_key"] = key;
    return json::serialize(req);
  }

 private:
  // Shenzhen (sz): an admin, two acceptors, two reviewers and one who holds
  // both roles. Guangzhou (gz): an acceptor and a reviewer.
  void setup() {
    call("authority.create",
         {{"code", "sz"},
          {"name", "深圳市委机构编制委员会办公室"},
          {"division", "440300"},
          {"segment", "MB"}},
         system_actor());
    call("authority.create",
         {{"code", "gz"}, {"name", "广州市委机构编制委员会办公室"}, {"division", "440100"}},
         system_actor());
    auto add = [&](const char* authority, const char* username, json::array roles) {
      call("staff.create",
           {{"authority", authority},
            {"username", username},
            {"name", username},
            {"roles", std::move(roles)}},
           system_actor());
    };
    add("sz", "admin", {"admin"});
    add("sz", "acc1", {"acceptor"});
    add("sz", "acc2", {"acceptor"});
    add("sz", "rev1", {"reviewer"});
    add("sz", "rev2", {"reviewer"});
    add("sz", "both", {"acceptor", "reviewer"});
    add("gz", "gzacc", {"acceptor"});
    add("gz", "gzrev", {"reviewer"});
  }

  TempDir dir_;
  std::shared_ptr<Clock::time_point> now_;
  std::unique_ptr<Engine> engine_;
};

// The Chinese message of an error, for CHECKs on wording.
inline bool says(const Error& e, const std::string& words) {
  return e.message().find(words) != std::string::npos;
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_CASES_FIXTURES_HPP
