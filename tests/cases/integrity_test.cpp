// SPDX-License-Identifier: Apache-2.0
// Versions, idempotency keys and the audit chain.
#include "fixtures.hpp"

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
  auto v = w.call("audit.verify", {}, staff("admin"));
  CHECK(v.at("intact").as_bool());
  // 2 authorities, 8 staff, 1 unit, start, save, submit, accept, approve.
  CHECK(v.at("records").as_int64() == 16);
  CHECK(v.at("broken_seq").is_null());
  CHECK(w.count("SELECT count(*) FROM audit WHERE prev_hash = '" + std::string(64, '0') + "'") ==
        1);
}

TEST_CASE("audit.verify is for admins and the system") {
  World w;
  CHECK(w.call("audit.verify", {}, system_actor()).at("intact").as_bool());
  CHECK(w.code_of("audit.verify", {}, staff("acc1")) == Errc::forbidden);
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
