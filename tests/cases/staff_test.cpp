// SPDX-License-Identifier: Apache-2.0
// Staff log in with a password (staff.login): hashes, sessions of their own,
// attempt limits, password changes that end every session.
#include <doctest/doctest.h>

#include "fixtures.hpp"

#include <filesystem>

namespace fuma::test {
namespace {

constexpr const char* kPassword = "Shenzhen-2026";

// A World whose acceptor "clerk" has a password.
struct Staffed {
  World w;
  Staffed() {
    w.call("staff.create",
           {{"authority", "sz"},
            {"username", "clerk"},
            {"name", "王五"},
            {"roles", {"acceptor"}},
            {"password", kPassword}},
           staff("admin"));
  }
  json::object login(const std::string& password = kPassword, const std::string& client = {}) {
    json::object args{{"username", "clerk"}, {"password", password}};
    if (!client.empty()) args["client"] = client;
    return w.call("staff.login", args, {});
  }
  Errc refused(const std::string& username, const std::string& password,
               const std::string& client = {}) {
    json::object args{{"username", username}, {"password", password}};
    if (!client.empty()) args["client"] = client;
    return w.code_of("staff.login", args, {});
  }
  static json::object as(const json::object& login) {
    return {{"staff_session", login.at("token")}};
  }
};

TEST_CASE("staff log in with their password and act through the session") {
  Staffed s;
  const json::object r = s.login();
  CHECK(r.at("staff").at("username").as_string() == "clerk");
  CHECK(r.at("staff").at("authority").as_string() == "sz");
  const std::string uscc(s.w.call("unit.register",
                                  {{"name", "深圳市某局"},
                                   {"category", "机关"},
                                   {"address", "深圳市福田区"},
                                   {"responsible_person", "张三"}},
                                  Staffed::as(r))
                             .at("uscc")
                             .as_string());
  CHECK(uscc.size() == 18);
  // The audit names the staff member, not the session.
  CHECK(s.w.count("SELECT count(*) FROM audit WHERE command = 'unit.register' AND actor LIKE "
                  "'staff:%'") == 1);
}

TEST_CASE("the store keeps a scrypt hash of the password, never the password") {
  Staffed s;
  CHECK(s.w.count("SELECT count(*) FROM staff WHERE username = 'clerk' AND password_hash LIKE "
                  "'scrypt$15$8$1$%'") == 1);
  CHECK(s.w.count("SELECT count(*) FROM staff WHERE replace(password_hash, 'Shenzhen', '') <> "
                  "password_hash") == 0);
  CHECK(s.w.count("SELECT count(*) FROM staff_sessions") == 0);
  const std::string token(s.login().at("token").as_string());
  CHECK(s.w.count("SELECT count(*) FROM staff_sessions WHERE token_hash = '" + token + "'") == 0);
}

TEST_CASE(
    "a wrong password, an unknown name and a staff member without a password are refused alike") {
  Staffed s;
  CHECK(s.refused("clerk", "wrong-password-1") == Errc::login_failed);
  CHECK(s.refused("nobody", kPassword) == Errc::login_failed);
  CHECK(s.refused("acc1", "anything-at-all-1") == Errc::login_failed);  // made without one
  CHECK(s.w.count("SELECT count(*) FROM staff_sessions") == 0);
  CHECK(s.w.count("SELECT count(*) FROM audit WHERE after_status = 'LOGIN_FAILED'") == 3);
}

TEST_CASE("failed staff logins slow that name down") {
  Staffed s;
  for (int i = 0; i < 5; ++i) CHECK(s.refused("clerk", "wrong-password-1") == Errc::login_failed);
  CHECK(s.refused("clerk", kPassword) == Errc::too_many_attempts);
  s.w.advance_seconds(31);
  s.login();
}

TEST_CASE("wrong passwords from one address do not keep the name's owner out from another") {
  Staffed s;
  for (int i = 0; i < 5; ++i) {
    CHECK(s.refused("clerk", "wrong-password-1", "203.0.113.1") == Errc::login_failed);
  }
  // That address waits, for this name and for any other...
  CHECK(s.refused("clerk", kPassword, "203.0.113.1") == Errc::too_many_attempts);
  CHECK(s.refused("admin", "wrong-password-1", "203.0.113.1") == Errc::too_many_attempts);
  // ...and the owner, elsewhere, does not.
  s.login(kPassword, "198.51.100.2");
}

TEST_CASE("a name failed at from many addresses is slowed, never for more than a minute") {
  Staffed s;
  auto address = [](int i) { return "203.0.113." + std::to_string(i); };
  for (int i = 0; i < 20; ++i) {
    CHECK(s.refused("clerk", "wrong-password-1", address(i)) == Errc::login_failed);
  }
  // Twenty failures at the name are free; the next attempt from anywhere waits.
  CHECK(s.refused("clerk", kPassword, "198.51.100.2") == Errc::too_many_attempts);
  s.w.advance_seconds(6);
  s.login(kPassword, "198.51.100.2");
  // A success starts the count again; many more failures keep the wait at a
  // minute at most.
  for (int i = 20; i < 60; ++i) {
    CHECK(s.refused("clerk", "wrong-password-1", address(i)) == Errc::login_failed);
    s.w.advance_seconds(61);
  }
  CHECK(s.refused("clerk", "wrong-password-1", "203.0.113.99") == Errc::login_failed);
  CHECK(s.refused("clerk", kPassword, "198.51.100.3") == Errc::too_many_attempts);
  s.w.advance_seconds(61);
  s.login(kPassword, "198.51.100.3");
}

TEST_CASE("a weak password is refused when it is set") {
  World w;
  for (const char* weak : {"short1", "onlyletterslong", "1234567890123"}) {
    CHECK(w.code_of("staff.create",
                    {{"authority", "sz"},
                     {"username", "weak"},
                     {"name", "弱"},
                     {"roles", {"acceptor"}},
                     {"password", weak}},
                    staff("admin")) == Errc::invalid_argument);
  }
  CHECK(w.count("SELECT count(*) FROM staff WHERE username = 'weak'") == 0);
}

TEST_CASE("changing a password needs the old one and ends every session") {
  Staffed s;
  const json::object first = s.login();
  CHECK(s.w.code_of("staff.password", {{"password", "New-password-2"}, {"old_password", "nope"}},
                    Staffed::as(first)) == Errc::login_failed);
  const json::object r =
      s.w.call("staff.password", {{"password", "New-password-2"}, {"old_password", kPassword}},
               Staffed::as(first));
  CHECK(r.at("sessions_ended").as_int64() == 1);
  CHECK(s.w.code_of("queue.list", {{"status", "submitted"}}, Staffed::as(first)) ==
        Errc::session_expired);
  CHECK(s.refused("clerk", kPassword) == Errc::login_failed);
  s.login("New-password-2");
  // An admin sets anyone's of their authority; another authority's staff may not.
  s.w.call("staff.password", {{"username", "clerk"}, {"password", "Reset-by-admin-3"}},
           staff("admin"));
  CHECK(s.w.code_of("staff.password", {{"username", "clerk"}, {"password", "Gz-tries-this-4"}},
                    staff("gzacc")) == Errc::forbidden);
  s.login("Reset-by-admin-3");
}

TEST_CASE("only the system and admins learn whether a username names a staff member") {
  Staffed s;
  const std::string uscc = s.w.register_unit();
  for (const char* name : {"clerk", "no-such-person"}) {
    const json::object args{{"username", name}, {"password", "Guessing-game-5"}};
    CHECK(s.w.code_of("staff.password", args, unit(uscc)) == Errc::forbidden);
    CHECK(s.w.code_of("staff.password", args, staff("acc1")) == Errc::forbidden);
  }
  CHECK(s.w.code_of("staff.password",
                    {{"username", "no-such-person"}, {"password", "Reset-by-admin-3"}},
                    staff("admin")) == Errc::not_found);
  // Naming oneself is changing one's own password: the old one is asked for.
  CHECK(
      s.w.code_of("staff.password",
                  {{"username", "clerk"}, {"password", "New-password-2"}, {"old_password", "nope"}},
                  Staffed::as(s.login())) == Errc::login_failed);
}

TEST_CASE("a password change that names nobody is for staff only") {
  Staffed s;
  const std::string code = s.w.register_unit();
  // The system must say whose; a unit has no password to change.
  CHECK(s.w.code_of("staff.password", {{"password", "New-password-2"}}, system_actor()) ==
        Errc::invalid_argument);
  CHECK(s.w.code_of("staff.password", {{"password", "New-password-2"}}, unit(code)) ==
        Errc::forbidden);
  CHECK(s.w.code_of("staff.password", {{"username", "clerk"}, {"password", "New-password-2"}},
                    unit(code)) == Errc::forbidden);
  s.w.call("staff.password", {{"username", "clerk"}, {"password", "New-password-2"}},
           system_actor());
  s.login("New-password-2");
}

TEST_CASE("a staff session ends at logout and after 30 idle minutes") {
  Staffed s;
  const json::object a = s.login();
  s.w.call("staff.logout", {}, Staffed::as(a));
  CHECK(s.w.code_of("queue.list", {{"status", "submitted"}}, Staffed::as(a)) ==
        Errc::session_expired);
  const json::object b = s.login();
  s.w.advance_seconds(31 * 60);
  CHECK(s.w.code_of("queue.list", {{"status", "submitted"}}, Staffed::as(b)) ==
        Errc::session_expired);
  // A unit's session token is no staff session, and the other way round.
  CHECK(s.w.code_of("session.get", {}, {{"session", a.at("token")}}) == Errc::session_expired);
}

TEST_CASE("a live staff session is refused once its staff member is inactive or gone") {
  // The staff member behind a session is read and checked on every
  // request, whoever changed the file.
  Staffed s;
  const json::object a = s.login();
  CHECK(s.w.call("staff.get", {}, Staffed::as(a)).at("staff").at("username") == "clerk");
  SUBCASE("inactive") {
    s.w.exec("UPDATE staff SET active = false WHERE username = 'clerk'");
    CHECK(s.w.code_of("staff.get", {}, Staffed::as(a)) == Errc::forbidden);
  }
  SUBCASE("gone") {
    // Plain SQL past the foreign keys (SQLite's connection has them off;
    // PostgreSQL's owner turns their triggers off for the session).
    s.w.exec(
        std::string(fuma::test::on_postgresql() ? "SET session_replication_role = replica;" : "") +
        "DELETE FROM staff WHERE username = 'clerk'");
    CHECK(s.w.code_of("staff.get", {}, Staffed::as(a)) == Errc::forbidden);
  }
  CHECK(s.w.count("SELECT count(*) FROM staff_sessions WHERE ended_at = ''") == 1);
}

TEST_CASE("staff.get names the staff member behind a session, and only a staff session") {
  Staffed s;
  const json::object a = s.login();
  const json::object r = s.w.call("staff.get", {}, Staffed::as(a));
  CHECK(r.at("staff").at("username").as_string() == "clerk");
  CHECK(r.at("staff").at("authority").as_string() == "sz");
  CHECK(r.at("expires_at").as_string() == "2026-11-23T01:30:00Z");  // 30 idle minutes
  // Staff asserted by the embedding program have no session to show.
  CHECK(s.w.code_of("staff.get", {}, staff("admin")) == Errc::forbidden);
  CHECK(s.w.code_of("staff.get", {{"extra", 1}}, Staffed::as(a)) == Errc::invalid_argument);
  s.w.call("staff.logout", {}, Staffed::as(a));
  CHECK(s.w.code_of("staff.get", {}, Staffed::as(a)) == Errc::session_expired);
}

TEST_CASE("an over-long name or password is a failed login, which tells nothing more") {
  Staffed s;
  for (const auto& [username, password] :
       {std::pair<std::string, std::string>{std::string(65, 'c'), kPassword},
        {"clerk", std::string(1025, 'p')}}) {
    const Error e = s.w.fail("staff.login", {{"username", username}, {"password", password}}, {});
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(e.message() == "用户名或密码错误");
  }
}

TEST_CASE("open staff sessions are counted until their absolute limit") {
  Staffed s;
  const json::object a = s.login();
  CHECK(s.w.engine().open_sessions().staff == 1);
  CHECK(s.w.engine().open_sessions().unit == 0);
  // Kept busy, it still ends 8 hours after its login.
  for (int i = 0; i < 16; ++i) {
    s.w.advance_seconds(29 * 60);
    s.w.call("queue.list", {{"status", "submitted"}}, Staffed::as(a));
  }
  CHECK(s.w.engine().open_sessions().staff == 1);
  s.w.advance_seconds(8 * 3600 - 16 * 29 * 60);
  CHECK(s.w.engine().open_sessions().staff == 0);
}

TEST_CASE("the store is ready until its file is moved away, while reads still answer" *
          doctest::test_suite("sqlite")) {
  Staffed s;
  const json::object a = s.login();
  s.w.engine().check_store();
  CHECK(s.w.engine().statistics().store_connections >= 1);
  CHECK(s.w.engine().statistics().write_retries == 0);  // SQLite never retries
  std::filesystem::rename(s.w.db_path(), s.w.db_path() + ".moved");
  try {
    s.w.engine().check_store();
    FAIL("check_store() passed for a moved file");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == Errc::storage);
    CHECK(e.detail().find("no longer the file") != std::string::npos);
  }
  // The engine itself lives on: what it has open still reads.
  CHECK(s.w.engine().open_sessions().staff == 1);
}

}  // namespace
}  // namespace fuma::test
