// SPDX-License-Identifier: Apache-2.0
// Versions, idempotency keys and the audit chain.
#include "fixtures.hpp"

#include <vector>

#include "crypto/crypto.hpp"
#include "store/sqlite_schema.hpp"
#include "store/store.hpp"

using namespace fuma::test;
using fuma::Errc;

TEST_CASE("a stale version is a conflict and changes nothing") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "reissue");
  w.call("application.save", {{"id", id}, {"fields", {{"reason", "a"}}}, {"version", 1}},
         unit(code));
  auto e = w.fail("application.save", {{"id", id}, {"fields", {{"reason", "b"}}}, {"version", 1}},
                  unit(code));
  CHECK(e.code() == Errc::conflict);
  auto a = w.view(id, unit(code));
  CHECK(a.at("fields").at("reason").as_string() == "a");
  CHECK(a.at("version").as_int64() == 2);
}

TEST_CASE("a stale version stops a staff step") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  const auto version = w.view(id, staff("acc1")).at("version").as_int64();
  w.call("application.accept", {{"id", id}, {"version", version}}, staff("acc1"));
  CHECK(w.code_of("application.return", {{"id", id}, {"reply", "x"}, {"version", version}},
                  staff("rev1")) == Errc::conflict);
  CHECK(w.status(id, staff("rev1")) == "accepted");
}

TEST_CASE("a retry with the same idempotency key returns the first result, once") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  auto first = w.call("application.accept", {{"id", id}}, staff("acc1"), {}, "key-1");
  auto again = w.call("application.accept", {{"id", id}}, staff("acc1"), {}, "key-1");
  CHECK(first == again);
  CHECK(w.count("SELECT count(*) FROM events WHERE action = 'accept'") == 1);
  // Without the key, the same request is a new attempt and meets the new status.
  CHECK(w.code_of("application.accept", {{"id", id}}, staff("acc1")) == Errc::invalid_state);
}

TEST_CASE("an idempotency key reused with other arguments is a conflict, not a replay") {
  World w;
  const std::string a = w.register_unit("甲局");
  const auto id =
      World::app(w.call("application.start", {{"business", "reissue"}}, unit(a), {}, "k"))
          .at("id")
          .as_int64();
  w.call("application.save", {{"id", id}, {"fields", {{"reason", "证书遗失"}}}}, unit(a), {}, "s");
  CHECK(w.fail("application.save", {{"id", id}, {"fields", {{"reason", "证书损坏"}}}}, unit(a), {},
               "s")
            .code() == Errc::conflict);
}

TEST_CASE("an idempotency key is per actor and per command") {
  World w;
  const std::string a = w.register_unit("甲局");
  const std::string b = w.register_unit("乙局");
  const auto id_a =
      World::app(w.call("application.start", {{"business", "reissue"}}, unit(a), {}, "k"))
          .at("id")
          .as_int64();
  const auto id_b =
      World::app(w.call("application.start", {{"business", "reissue"}}, unit(b), {}, "k"))
          .at("id")
          .as_int64();
  CHECK(id_a != id_b);
  CHECK(w.fail("application.delete", {{"id", id_a}}, unit(a), {}, "k").code() == Errc::conflict);
  CHECK(w.status(id_a, unit(a)) == "draft");
}

TEST_CASE("an idempotency key must be a short non-empty string") {
  World w;
  for (const char* key : {"7", "\"\"", "[]"}) {
    const std::string request =
        std::string(R"({"command":"fuma.version","idempotency_key":)") + key + "}";
    auto e = w.fail_raw(request);
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(e.detail().find("idempotency_key") != std::string::npos);
  }
  auto e = w.fail_raw(std::string(R"({"command":"fuma.version","idempotency_key":")") +
                      std::string(129, 'k') + "\"}");
  CHECK(e.code() == Errc::invalid_argument);
}

TEST_CASE("the audit chain verifies") {
  World w;
  const std::string code = w.register_unit();
  w.approved_case(code);
  auto v = w.call("audit.verify", {}, system_actor());
  CHECK(v.at("intact").as_bool());
  // 2 authorities, 8 staff, 1 unit, start, save, submit, accept, approve.
  CHECK(v.at("records").as_int64() == 16);
  CHECK(v.at("broken_seq").is_null());
  CHECK(w.count("SELECT count(*) FROM audit WHERE prev_hash = '" + std::string(64, '0') + "'") ==
        1);
}

namespace {

// An admin of Guangzhou beside the fixture's admin of Shenzhen.
void add_gz_admin(World& w) {
  w.call(
      "staff.create",
      {{"authority", "gz"}, {"username", "gz_admin"}, {"name", "gz_admin"}, {"roles", {"admin"}}},
      system_actor());
}

}  // namespace

TEST_CASE("audit.verify: the system hears of the whole chain, an admin of their authority's") {
  World w;
  add_gz_admin(w);
  w.approved_case(w.register_unit());
  const json::object chain = w.call("audit.verify", {}, system_actor());
  const json::object sz = w.call("audit.verify", {}, staff("admin"));
  const json::object gz = w.call("audit.verify", {}, staff("gz_admin"));
  CHECK(chain.at("scope").as_string() == "chain");
  CHECK(sz.at("scope").as_string() == "authority");
  CHECK(gz.at("intact").as_bool());
  // Guangzhou's: the authority and its three accounts. Shenzhen's: every
  // other record (the authority, six accounts, the unit, the case's steps).
  CHECK(gz.at("records").as_int64() == 4);
  CHECK(sz.at("records").as_int64() == chain.at("records").as_int64() - 4);
  // Each admin's last hash is that of their authority's last record.
  CHECK(sz.at("last_hash") == chain.at("last_hash"));
  CHECK(w.count("SELECT count(*) FROM audit WHERE command = 'staff.create' AND hash = '" +
                std::string(gz.at("last_hash").as_string()) + "'") == 1);
  CHECK(w.code_of("audit.verify", {}, staff("acc1")) == Errc::forbidden);
}

TEST_CASE("audit.verify tells an admin nothing of another authority's activity") {
  World w;
  add_gz_admin(w);
  const std::string before = json::serialize(w.call("audit.verify", {}, staff("gz_admin")));
  const std::string sz_before = json::serialize(w.call("audit.verify", {}, staff("admin")));
  // A third authority whose code is all digits: "authority:1" in its
  // creation's record names it, not Shenzhen, whose id is 1.
  w.call("authority.create", {{"code", "1"}, {"name", "某某市编办"}, {"division", "440304"}},
         system_actor());
  w.call("staff.create",
         {{"authority", "1"}, {"username", "one"}, {"name", "one"}, {"roles", {"admin"}}},
         system_actor());
  CHECK(json::serialize(w.call("audit.verify", {}, staff("admin"))) == sz_before);
  CHECK(w.call("audit.verify", {}, staff("one")).at("records").as_int64() == 2);
  // Shenzhen registers a unit and takes a case through; the chain grows.
  const std::int64_t records = w.call("audit.verify", {}, system_actor()).at("records").as_int64();
  w.approved_case(w.register_unit());
  CHECK(w.call("audit.verify", {}, system_actor()).at("records").as_int64() > records);
  CHECK(json::serialize(w.call("audit.verify", {}, staff("gz_admin"))) == before);
}

TEST_CASE("audit.verify shows an admin a tampered record of their authority, not another's") {
  World w;
  add_gz_admin(w);
  w.submitted_case(w.register_unit());
  // Record 2 is authority.create of gz, Guangzhou's first record.
  w.exec(std::string(fuma::test::on_postgresql() ? "ALTER TABLE audit DISABLE TRIGGER USER;"
                                                 : "DROP TRIGGER IF EXISTS audit_no_update;") +
         "UPDATE audit SET after_status = 'forged' WHERE seq = 2;");
  const json::object chain = w.call("audit.verify", {}, system_actor());
  CHECK(chain.at("broken_seq").as_int64() == 2);
  const json::object gz = w.call("audit.verify", {}, staff("gz_admin"));
  CHECK_FALSE(gz.at("intact").as_bool());
  CHECK(gz.at("broken_seq").as_int64() == 1);  // the first of its own
  CHECK(gz.at("reason").as_string() == "hash");
  CHECK(gz.at("last_hash").as_string() == std::string(64, '0'));
  // Shenzhen's records all hold: the forgery is not theirs to hear of.
  const json::object sz = w.call("audit.verify", {}, staff("admin"));
  CHECK(sz.at("intact").as_bool());
  CHECK(sz.at("broken_seq").is_null());
}

TEST_CASE("audit.verify finds the first tampered record") {
  World w;
  const std::string code = w.register_unit();
  w.submitted_case(code);
  // What an attacker with the file and plain SQL would do: lift the
  // append-only triggers and rewrite history.
  w.exec(std::string(fuma::test::on_postgresql() ? "ALTER TABLE audit DISABLE TRIGGER USER;"
                                                 : "DROP TRIGGER IF EXISTS audit_no_update;") +
         "UPDATE audit SET actor = 'staff:99' WHERE seq = 12;");
  auto v = w.call("audit.verify", {}, system_actor());
  CHECK_FALSE(v.at("intact").as_bool());
  CHECK(v.at("broken_seq").as_int64() == 12);
  CHECK(v.at("reason").as_string() == "hash");
}

TEST_CASE("audit.verify notices a removed record") {
  World w;
  const std::string code = w.register_unit();
  w.submitted_case(code);
  w.exec(std::string(fuma::test::on_postgresql() ? "ALTER TABLE audit DISABLE TRIGGER USER;"
                                                 : "DROP TRIGGER IF EXISTS audit_no_delete;") +
         "DELETE FROM audit WHERE seq = 5;");
  auto v = w.call("audit.verify", {}, system_actor());
  CHECK_FALSE(v.at("intact").as_bool());
  CHECK(v.at("broken_seq").as_int64() == 6);
}

TEST_CASE("each state change writes one audit record with its statuses") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  w.step("accept", id, "acc1");
  CHECK(w.count("SELECT count(*) FROM audit WHERE command = 'application.accept' AND target = "
                "'application:" +
                std::to_string(id) +
                "' AND before_status = 'submitted' AND after_status = 'accepted'") == 1);
  // Reads write nothing.
  const auto before = w.count("SELECT count(*) FROM audit");
  w.view(id, unit(code));
  w.call("queue.list", {{"status", "accepted"}}, staff("rev1"));
  CHECK(w.count("SELECT count(*) FROM audit") == before);
}

// --- request ids -------------------------------------------------------------

namespace {

// The request text of a command that names its request's id.
std::string with_request_id(const std::string& command, const json::object& args,
                            const json::object& actor, const std::string& request_id) {
  json::object req{{"command", command}, {"args", args}, {"request_id", request_id}};
  if (!actor.empty()) req["actor"] = actor;
  return json::serialize(req);
}

// One text column of the first row of a query on the file.
std::optional<std::string> text(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::optional<std::string> out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// The hash of an audit record as fuma computed it before request ids: seven
// fields, each as length ':' bytes ';', then SHA-256 in hex.
std::string seven_field_hash(const std::vector<std::string>& fields) {
  std::string canonical;
  for (const std::string& f : fields) canonical += std::to_string(f.size()) + ":" + f + ";";
  return fuma::crypto::digest_hex(fuma::crypto::Digest::sha256, canonical);
}

}  // namespace

TEST_CASE("the audit record keeps the id of the request that made it" *
          doctest::test_suite("sqlite")) {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "reissue");
  w.engine().call(with_request_id("application.save", {{"id", id}, {"fields", {{"reason", "a"}}}},
                                  unit(code), "abc-123"));
  CHECK(text(w.db_path(), "SELECT request_id FROM audit WHERE command = 'application.save'") ==
        "abc-123");
  // A call that names none leaves it NULL, as every record before schema 8.
  CHECK(w.count("SELECT count(*) FROM audit WHERE command = 'application.start' AND "
                "request_id IS NULL") == 1);
  CHECK(w.call("audit.verify", {}, system_actor()).at("intact").as_bool());
}

TEST_CASE("a request id is part of the hashed record: rewriting it breaks the chain") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "reissue");
  w.engine().call(with_request_id("application.save", {{"id", id}, {"fields", {{"reason", "a"}}}},
                                  unit(code), "abc-123"));
  w.call("application.save", {{"id", id}, {"fields", {{"reason", "b"}}}}, unit(code));
  const std::int64_t seq = w.count("SELECT seq FROM audit WHERE request_id = 'abc-123'");
  w.exec(std::string(fuma::test::on_postgresql() ? "ALTER TABLE audit DISABLE TRIGGER USER;"
                                                 : "DROP TRIGGER IF EXISTS audit_no_update;") +
         "UPDATE audit SET request_id = 'abc-124' WHERE request_id = 'abc-123';");
  auto v = w.call("audit.verify", {}, system_actor());
  CHECK_FALSE(v.at("intact").as_bool());
  CHECK(v.at("broken_seq").as_int64() == seq);
  CHECK(v.at("reason").as_string() == "hash");
}

// Reads the SQLite file itself, beside the engine.
TEST_CASE("a record without a request id hashes as records did before request ids" *
          doctest::test_suite("sqlite")) {
  World w;
  const std::string code = w.register_unit();
  const auto path = w.db_path();
  const std::string last = "(SELECT max(seq) FROM audit)";
  std::vector<std::string> fields;
  for (const char* column :
       {"at", "actor", "command", "target", "before_status", "after_status", "prev_hash"}) {
    fields.push_back(
        *text(path, std::string("SELECT ") + column + " FROM audit WHERE seq = " + last));
  }
  CHECK(text(path, "SELECT request_id FROM audit WHERE seq = " + last) == std::nullopt);
  CHECK(text(path, "SELECT hash FROM audit WHERE seq = " + last) == seven_field_hash(fields));
}

TEST_CASE("a chain written before request ids verifies after the upgrade, and goes on") {
  fuma::test::TempDir dir;
  const std::string path = dir.file("v7.db");
  {
    // A schema-7 file whose audit log two records of the old form make up.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    std::string sql;
    for (std::size_t v = 0; v < 7; ++v) sql += std::string(fuma::store::sqlite::migrations()[v]);
    std::string prev(64, '0');
    for (int i = 1; i <= 2; ++i) {
      const std::vector<std::string> f = {"2026-11-2" + std::to_string(i) + "T01:00:00Z",
                                          "system",
                                          "authority.create",
                                          "authority:" + std::to_string(i),
                                          "",
                                          "created",
                                          prev};
      const std::string hash = seven_field_hash(f);
      sql +=
          "INSERT INTO audit(at, actor, command, target, before_status, after_status, "
          "prev_hash, hash) VALUES ('" +
          f[0] + "', '" + f[1] + "', '" + f[2] + "', '" + f[3] + "', '', 'created', '" + prev +
          "', '" + hash + "');";
      prev = hash;
    }
    sql += "PRAGMA application_id = " + std::to_string(fuma::store::sqlite::kApplicationId) +
           "; PRAGMA user_version = 7;";
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    INFO((err ? err : ""));
    sqlite3_free(err);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
  }
  fuma::Options options;
  options.path = path;
  fuma::Engine engine(options);
  CHECK(engine.schema_version() == fuma::store::latest_schema_version());
  const auto verify = [&] {
    return json::parse(engine.call(R"({"command":"audit.verify","actor":{"system":true}})").json)
        .as_object();
  };
  json::object v = verify();
  CHECK(v.at("intact").as_bool());
  CHECK(v.at("records").as_int64() == 2);
  engine.call(with_request_id("authority.create",
                              {{"code", "gz"}, {"name", "广州市委编办"}, {"division", "440100"}},
                              system_actor(), "after-upgrade-1"));
  v = verify();
  CHECK(v.at("intact").as_bool());
  CHECK(v.at("records").as_int64() == 3);
  CHECK(text(path, "SELECT request_id FROM audit WHERE seq = 3") == "after-upgrade-1");
}

TEST_CASE("a request id must be a short string of printable ASCII without spaces") {
  World w;
  for (const char* bad : {R"("has space")", R"("")", "42", R"("tab\there")", R"("中文")"}) {
    auto e = w.fail_raw(std::string(R"({"command":"fuma.version","request_id":)") + bad + "}");
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(e.detail().find("request_id") != std::string::npos);
  }
  auto e = w.fail_raw(std::string(R"({"command":"fuma.version","request_id":")") +
                      std::string(129, 'r') + "\"}");
  CHECK(e.code() == Errc::invalid_argument);
  // 128 bytes is the most.
  w.engine().call(std::string(R"({"command":"fuma.version","request_id":")") +
                  std::string(128, 'r') + "\"}");
}
