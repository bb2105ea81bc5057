// SPDX-License-Identifier: Apache-2.0
// The crypto suite (engine option crypto_suite): chosen when a store is
// created and kept by it; under sm every digest the store keeps is SM3,
// recomputed here with tools outside fuma (Python's hashlib, the sqlite3
// module).
#include <sys/stat.h>

#include "fixtures.hpp"
#include "support/process.hpp"

using namespace fuma::test;
using fuma::Engine;
using fuma::Errc;
using fuma::Options;

namespace {

void sm(Options& o) { o.crypto_suite = "sm"; }

// The audit chain recomputed from the file by Python, with the digest
// `algorithm` ("sm3", "sha256") as hashlib names it: "<records> <last hash>",
// or "broken at <n>" where a hash does not hold.
std::string recomputed_chain(const World& w, const std::string& algorithm) {
  const std::string script = w.dir_file("chain.py");
  write_bytes(script, R"(import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
prev, n = "0" * 64, 0
for row in db.execute("SELECT at, actor, command, target, before_status, after_status,"
                      " prev_hash, hash FROM audit ORDER BY seq"):
    canonical = b"".join(b"%d:%s;" % (len(f.encode()), f.encode()) for f in list(row[:6]) + [prev])
    if row[6] != prev or hashlib.new(sys.argv[2], canonical).hexdigest() != row[7]:
        print("broken at", n + 1)
        sys.exit(0)
    prev, n = row[7], n + 1
print(n, prev)
)");
  const Ran r = run("/usr/bin/python3 " + script + " " + w.db_path() + " " + algorithm);
  REQUIRE(r.status == 0);
  return r.output.substr(0, r.output.find('\n'));
}

std::string python_digest(const World& w, const std::string& algorithm, const std::string& bytes) {
  const std::string file = w.dir_file("bytes");
  write_bytes(file, bytes);
  const Ran r =
      run("/usr/bin/python3 -c \"import hashlib,sys; print(hashlib.new(sys.argv[1], "
          "open(sys.argv[2],'rb').read()).hexdigest())\" " +
          algorithm + " " + file);
  REQUIRE(r.status == 0);
  return r.output.substr(0, 64);
}

std::string text_of(World& w, const std::string& sql) { return w.text(sql); }

// A fixed-term unit's 申请补领, with its two attachments, taken to 已办结.
std::int64_t whole_case(World& w, const std::string& uscc) {
  const std::int64_t id = w.start(uscc, "reissue");
  w.save(uscc, id, {{"reason", "证书遗失"}});
  for (const char* kind : {"request_letter", "loss_announcement"}) {
    w.call("attachment.upload", {{"id", id}, {"kind", kind}, {"file_name", "扫描件.png"}},
           unit(uscc), read_file("stamp.png"));
  }
  w.call("application.submit", {{"id", id}}, unit(uscc));
  w.step("accept", id, "acc1");
  w.step("approve", id, "rev1");
  w.step("notify", id, "acc1", "请寄送签字盖章的申请表");
  w.step("complete", id, "acc2");
  return id;
}

}  // namespace

TEST_CASE(
    "a store created with crypto_suite=sm chains its audit log with SM3 through a whole case" *
    doctest::test_suite("sqlite")) {
  World w(sm);
  const std::string uscc = w.register_unit("深圳市某某局", "2027-12-31");
  const std::int64_t id = whole_case(w, uscc);
  CHECK(w.status(id, staff("acc1")) == "completed");  // 已办结
  const json::object v = w.call("audit.verify", {}, system_actor());
  CHECK(v.at("intact").as_bool());
  CHECK(v.at("digest").as_string() == "sm3");
  CHECK(v.at("crypto_suite").as_string() == "sm");
  const std::string expected =
      std::to_string(v.at("records").as_int64()) + " " + std::string(v.at("last_hash").as_string());
  CHECK(recomputed_chain(w, "sm3") == expected);
  CHECK(recomputed_chain(w, "sha256") == "broken at 1");
  CHECK(w.engine().crypto_suite() == "sm");
  CHECK(text_of(w, "SELECT value FROM meta WHERE key = 'crypto_suite'") == "sm");
  CHECK(text_of(w, "SELECT value FROM meta WHERE key = 'audit_digest'") == "sm3");
}

TEST_CASE("under sm an authority's first key is SM2; its picture logs in and is drawn again") {
  World w([](Options& o) {
    o.crypto_suite = "sm";
    o.captcha_answer = "7777";
  });
  const std::string uscc = w.register_unit();
  const std::string png = w.issue_credential(uscc);
  CHECK(text_of(w, "SELECT suite FROM signing_keys") == "sm2");
  const std::string captcha(w.call("session.captcha", {}, {}).at("captcha_id").as_string());
  w.call("session.login", {{"captcha_id", captcha}, {"captcha_answer", "7777"}}, {}, png);
  // credential.image checks the text it draws against the digest kept at
  // issue: both made with SM3.
  const std::int64_t id = w.count("SELECT id FROM credentials");
  CHECK(w.call_data("credential.image", {{"credential", id}}, staff("acc1")).second == png);
}

TEST_CASE("under standard an authority's first key is Ed25519") {
  World w;
  w.issue_credential(w.register_unit());
  CHECK(text_of(w, "SELECT suite FROM signing_keys") == "ed25519");
}

TEST_CASE("under sm an attachment is kept with its SM3 digest, and found by it") {
  World w(sm);
  const std::string uscc = w.register_unit("深圳市某某局", "2027-12-31");
  const std::int64_t id = w.start(uscc, "reissue");
  const json::object a =
      w.call("attachment.upload",
             {{"id", id}, {"kind", "loss_announcement"}, {"file_name", "遗失公告.png"}}, unit(uscc),
             read_file("stamp.png"))
          .at("attachment")
          .as_object();
  const std::string sm3 = python_digest(w, "sm3", read_file("stamp.png"));
  CHECK(a.at("digest").as_string() == sm3);
  CHECK(a.at("digest_algorithm").as_string() == "sm3");
  CHECK(text_of(w, "SELECT digest FROM blobs") == sm3);
  const auto [got, bytes] = w.call_data(
      "attachment.get", {{"id", id}, {"attachment", a.at("id").as_int64()}}, unit(uscc));
  CHECK(bytes == read_file("stamp.png"));
}

TEST_CASE("under sm a staff session's token and a captcha's answer are stored as SM3 digests") {
  World w([](Options& o) {
    o.crypto_suite = "sm";
    o.captcha_answer = "7777";
  });
  w.call("staff.create",
         {{"authority", "sz"},
          {"username", "clerk"},
          {"name", "王五"},
          {"roles", {"acceptor"}},
          {"password", "Shenzhen-2026"}},
         staff("admin"));
  const json::object login =
      w.call("staff.login", {{"username", "clerk"}, {"password", "Shenzhen-2026"}}, {});
  const std::string token(login.at("token").as_string());
  CHECK(text_of(w, "SELECT token_hash FROM staff_sessions") == python_digest(w, "sm3", token));
  // The session works: its token is looked up by the same digest.
  CHECK(w.call("staff.get", {}, {{"staff_session", token}}).at("ok").as_bool());

  const std::string captcha(w.call("session.captcha", {}, {}).at("captcha_id").as_string());
  CHECK(text_of(w, "SELECT answer_hash FROM captchas") ==
        python_digest(w, "sm3", captcha + ":7777"));
}

TEST_CASE("a store created without the option is standard and keeps SHA-256 when reopened" *
          doctest::test_suite("sqlite")) {
  World w;
  const std::string uscc = w.register_unit();
  w.submitted_case(uscc);
  Options o;
  w.locate(o);
  Engine reopened(o);
  CHECK(reopened.crypto_suite() == "standard");
  const std::string v = reopened.call(R"({"command":"audit.verify","actor":{"system":true}})").json;
  CHECK(v.find(R"("intact":true)") != std::string::npos);
  CHECK(v.find(R"("digest":"sha256")") != std::string::npos);
  CHECK(v.find(R"("crypto_suite":"standard")") != std::string::npos);
  CHECK(recomputed_chain(w, "sha256").rfind("broken", 0) == std::string::npos);
}

TEST_CASE("a store with records and no record of its suite is standard, and stays unrecorded") {
  // As a store made before the suite was recorded.
  World w;
  w.submitted_case(w.register_unit());
  w.exec("DELETE FROM meta WHERE key IN ('crypto_suite', 'audit_digest')");
  Options o;
  w.locate(o);
  Engine reopened(o);
  CHECK(reopened.crypto_suite() == "standard");
  const std::string v = reopened.call(R"({"command":"audit.verify","actor":{"system":true}})").json;
  CHECK(v.find(R"("intact":true)") != std::string::npos);
  CHECK(v.find(R"("digest":"sha256")") != std::string::npos);
  CHECK(w.count("SELECT count(*) FROM meta WHERE key = 'crypto_suite'") == 0);
}

TEST_CASE("opening a store with another crypto_suite than its own is an error naming both") {
  SUBCASE("an sm store opened as standard") {
    World w(sm);
    Options o;
    w.locate(o);
    o.crypto_suite = "standard";
    try {
      Engine e(o);
      FAIL("the engine opened");
    } catch (const fuma::Error& e) {
      CHECK(e.code() == Errc::invalid_argument);
      CHECK(says(e, "sm"));
      CHECK(says(e, "crypto_suite=standard"));
      CHECK(e.detail().find("'sm'") != std::string::npos);
      CHECK(e.detail().find("'standard'") != std::string::npos);
    }
    CHECK(text_of(w, "SELECT value FROM meta WHERE key = 'crypto_suite'") == "sm");
  }
  SUBCASE("an older store with records opened as sm") {
    World w;
    w.exec("DELETE FROM meta WHERE key IN ('crypto_suite', 'audit_digest')");
    Options o;
    w.locate(o);
    o.crypto_suite = "sm";
    try {
      Engine e(o);
      FAIL("the engine opened");
    } catch (const fuma::Error& e) {
      CHECK(e.code() == Errc::invalid_argument);
      CHECK(says(e, "standard"));
      CHECK(says(e, "crypto_suite=sm"));
    }
    CHECK(w.count("SELECT count(*) FROM meta WHERE key = 'crypto_suite'") == 0);
  }
}

TEST_CASE("an sm store reopened without the option stays sm") {
  World w(sm);
  Options o;
  w.locate(o);
  Engine reopened(o);
  CHECK(reopened.crypto_suite() == "sm");
}

TEST_CASE("crypto_suite accepts standard and sm only") {
  Options o;
  o.set("crypto_suite", "sm");
  CHECK(o.crypto_suite == "sm");
  try {
    o.set("crypto_suite", "SM4");
    FAIL("set accepted SM4");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(says(e, "crypto_suite"));
  }
  CHECK(o.crypto_suite == "sm");
}

TEST_CASE("a case's form code is made with the store's digest, and verifies in its own store") {
  World standard;
  World w(sm);
  std::string codes[2];
  World* worlds[2] = {&standard, &w};
  for (int i = 0; i < 2; ++i) {
    const std::string uscc = worlds[i]->register_unit();
    const std::int64_t id = worlds[i]->approved_case(uscc);
    codes[i] = std::string(
        worlds[i]->call("application.form", {{"id", id}}, unit(uscc)).at("code").as_string());
    CHECK(worlds[i]
              ->call("form.verify", {{"code", codes[i]}}, staff("acc1"))
              .at("matches")
              .as_bool());
  }
  // The same records, the same values printed: only the digest differs.
  CHECK(codes[0].substr(0, codes[0].rfind(':')) == codes[1].substr(0, codes[1].rfind(':')));
  CHECK(codes[0] != codes[1]);
}
