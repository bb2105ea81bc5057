// SPDX-License-Identifier: Apache-2.0
// Login credentials (登录二维码图片) and the keys that sign them:
// credential.request, credential.issue, credential.image, credential.list,
// keys.rotate, keys.retire, keys.list and credential.verify.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <boost/json/serialize.hpp>
#include <filesystem>

#include "credential/credential.hpp"
#include "fixtures.hpp"
#include "image/image.hpp"
#include "support/file.hpp"
#include "support/image_variants.hpp"
#include "support/process.hpp"

using namespace fuma::test;
using fuma::Errc;
namespace credential = fuma::credential;
namespace image = fuma::image;

namespace {

constexpr const char* kAlphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

// Records the 申领表 and returns the request's id.
std::int64_t request(World& w, const std::string& uscc, const std::string& reason = "first") {
  return w.call("credential.request", credential_request_args(uscc, reason), staff("acc1"))
      .at("request")
      .at("id")
      .as_int64();
}

json::object issue_args(std::int64_t request_id, const std::string& delivery = "on_site") {
  return {{"request", request_id}, {"delivery", delivery}};
}

// credential.issue of the request: the result and the PNG.
std::pair<json::object, std::string> issue(World& w, std::int64_t request_id,
                                           const std::string& actor = "acc1") {
  return w.call_data("credential.issue", issue_args(request_id), staff(actor));
}

// A registered unit of sz with its first credential issued.
struct Issued {
  std::string uscc;
  json::object result;
  std::string png;
  std::int64_t id = 0;
};

Issued first_credential(World& w, const std::string& name = "深圳市某某局") {
  Issued i;
  i.uscc = w.register_unit(name);
  auto [result, png] = issue(w, request(w, i.uscc));
  i.result = std::move(result);
  i.png = std::move(png);
  i.id = i.result.at("credential").at("id").as_int64();
  return i;
}

// The one QR text in a picture.
std::string qr_text(const std::string& png) {
  const image::Grey picture = image::decode(png);
  const std::vector<std::string> texts = image::read_qr(picture);
  REQUIRE(texts.size() == 1);
  return texts.front();
}

json::array keys_of(World& w, const std::string& actor = "admin") {
  return w.call("keys.list", {}, staff(actor)).at("keys").as_array();
}

std::string key_status(World& w, const std::string& kid) {
  for (const auto& k : keys_of(w)) {
    if (k.at("kid").as_string() == kid) return std::string(k.at("status").as_string());
  }
  FAIL("no key " << kid);
  return {};
}

// The first column of the first row, as bytes.
std::string blob(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(st, 0));
  std::string out(bytes, static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// What zbarimg, a reader independent of ours, reads in the PNG.
std::string zbar(const World& w, const std::string& png) {
  const std::string path = w.dir_file("credential.png");
  write_bytes(path, png);
  const Ran zbarimg = run("zbarimg --raw -q '" + path + "' 2>/dev/null");
  CHECK(zbarimg.status == 0);
  std::string text = zbarimg.output;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string verify_request(const json::array& keys, const std::string& payload = {}) {
  json::object args{{"keys", keys}};
  if (!payload.empty()) args["payload"] = payload;
  return json::serialize(json::object{{"command", "credential.verify"}, {"args", args}});
}

Errc stateless_code(const std::string& request, const std::string& data = {}) {
  try {
    fuma::Engine::call_stateless(request, data);
  } catch (const fuma::Error& e) {
    return e.code();
  }
  FAIL("credential.verify succeeded but was expected to fail");
  return Errc::internal;
}

json::array one_key(const std::string& kid, const std::string& public_key) {
  return json::array{
      json::object{{"kid", kid}, {"public_key", credential::to_base64url(public_key)}}};
}

}  // namespace

// --- credential.request ------------------------------------------------------

TEST_CASE("credential.request refuses a reason other than first or lost") {
  World w;
  const std::string code = w.register_unit();
  for (const char* reason : {"", "stolen", "First", "damaged"}) {
    CAPTURE(reason);
    const fuma::Error e =
        w.fail("credential.request", credential_request_args(code, reason), staff("acc1"));
    CHECK(e.code() == Errc::invalid_argument);
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0].field == "reason");
    // The form's words, not the keys of the declaration's enum.
    CHECK(e.problems()[0].message == "申领原因应为“未曾领取”或“遗失”");
  }
  CHECK(w.count("SELECT count(*) FROM credential_requests") == 0);
}

TEST_CASE("credential.request refuses a phone that is not an 11-digit mobile number") {
  World w;
  const std::string code = w.register_unit();
  for (const char* phone :
       {"12345", "2380013800a", "1380013800a", "23800138000", "12800138000", "138001380001", ""}) {
    CAPTURE(phone);
    json::object args = credential_request_args(code);
    args["phone"] = phone;
    const fuma::Error e = w.fail("credential.request", args, staff("acc1"));
    CHECK(e.code() == Errc::invalid_argument);
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0].field == "phone");
  }
  CHECK(w.count("SELECT count(*) FROM credential_requests") == 0);
}

TEST_CASE("credential.request refuses a requested_on in the future or malformed") {
  World w;  // Monday 23 November 2026 in China
  const std::string code = w.register_unit();
  for (const char* date : {"2026-11-24", "2027-01-01", "2026/11/20", "2026-13-01", "2026-11-31",
                           "20261120", "2026-11-2", ""}) {
    CAPTURE(date);
    json::object args = credential_request_args(code);
    args["requested_on"] = date;
    const fuma::Error e = w.fail("credential.request", args, staff("acc1"));
    CHECK(e.code() == Errc::invalid_argument);
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0].field == "requested_on");
  }
  CHECK(w.count("SELECT count(*) FROM credential_requests") == 0);
  // Today is not the future.
  json::object args = credential_request_args(code);
  args["requested_on"] = "2026-11-23";
  w.call("credential.request", args, staff("acc1"));
  CHECK(w.count("SELECT count(*) FROM credential_requests") == 1);
}

TEST_CASE("credential.request takes today as China's date, not UTC's") {
  World w;
  const std::string code = w.register_unit();
  w.advance_seconds(16 * 3600);  // 01:00 on Tuesday the 24th in China, still the 23rd in UTC
  json::object args = credential_request_args(code);
  args["requested_on"] = "2026-11-24";
  CHECK(w.call("credential.request", args, staff("acc1"))
            .at("request")
            .at("requested_on")
            .as_string() == "2026-11-24");
}

TEST_CASE("credential.request refuses reason first for a unit that had a credential") {
  World w;
  const Issued i = first_credential(w);
  CHECK(w.count("SELECT count(*) FROM credential_requests") == 1);
  CHECK(w.code_of("credential.request", credential_request_args(i.uscc, "first"), staff("acc1")) ==
        Errc::invalid_state);
  CHECK(w.count("SELECT count(*) FROM credential_requests") == 1);
}

TEST_CASE("credential.request refuses reason lost for a unit that never had a credential") {
  World w;
  const std::string code = w.register_unit();
  CHECK(w.code_of("credential.request", credential_request_args(code, "lost"), staff("acc1")) ==
        Errc::invalid_state);
  CHECK(w.count("SELECT count(*) FROM credential_requests") == 0);
}

TEST_CASE("credential.request refuses a second request while one is not issued") {
  World w;
  const std::string code = w.register_unit();
  request(w, code);
  CHECK(w.code_of("credential.request", credential_request_args(code), staff("acc2")) ==
        Errc::conflict);
  CHECK(w.count("SELECT count(*) FROM credential_requests") == 1);
  // Once issued, a request for a lost one may follow.
  const Issued other = first_credential(w, "深圳市另一局");
  request(w, other.uscc, "lost");
  CHECK(w.code_of("credential.request", credential_request_args(other.uscc, "lost"),
                  staff("acc1")) == Errc::conflict);
  CHECK(w.count("SELECT count(*) FROM credential_requests") == 3);
}

TEST_CASE("credential.request is for an acceptor of the unit's own authority") {
  World w;
  const std::string code = w.register_unit();
  CHECK(w.code_of("credential.request", credential_request_args(code), staff("rev1")) ==
        Errc::forbidden);
  CHECK(w.code_of("credential.request", credential_request_args(code), staff("gzacc")) ==
        Errc::forbidden);
  CHECK(w.code_of("credential.request", credential_request_args(code), unit(code)) ==
        Errc::forbidden);
  CHECK(w.count("SELECT count(*) FROM credential_requests") == 0);
}

TEST_CASE("credential.request of an unknown USCC is not_found") {
  World w;
  const std::string code = w.register_unit();
  std::string other = code;
  other[10] = other[10] == '0' ? '1' : '0';  // another unit's code, registered by nobody
  CHECK(w.code_of("credential.request", credential_request_args(other), staff("acc1")) ==
        Errc::not_found);
  CHECK(w.count("SELECT count(*) FROM credential_requests") == 0);
}

// --- credential.issue --------------------------------------------------------

TEST_CASE("credential.issue gives a PNG whose one QR code is the signed credential") {
  World w;
  const Issued i = first_credential(w);
  CHECK(i.result.at("media_type").as_string() == "image/png");
  const std::string text = qr_text(i.png);
  const credential::Parsed p = credential::parse(text);
  CHECK(p.claims.uscc == i.uscc);
  CHECK(p.claims.generation == 1);
  CHECK(p.claims.id == static_cast<std::uint64_t>(i.id));
  CHECK(!p.claims.expires_at);
  const json::array keys = keys_of(w);
  REQUIRE(keys.size() == 1);
  CHECK(p.claims.kid == keys[0].at("kid").as_string());
  CHECK(i.result.at("credential").at("kid").as_string() == p.claims.kid);
  CHECK(credential::verify(p,
                           {credential::Suite::ed25519,
                            credential::from_base64url(keys[0].at("public_key").as_string()), ""}));
}

TEST_CASE("credential.issue draws a small alphanumeric QR code: at most version 10") {
  World w;
  const Issued i = first_credential(w);
  const image::Grey picture = image::decode(i.png);
  CHECK(picture.width == picture.height);
  REQUIRE(picture.width % 10 == 0);
  // 10 px a module and a quiet zone of 4 modules on each side.
  const int modules = picture.width / 10 - 8;
  CHECK((modules - 17) % 4 == 0);
  const int version = (modules - 17) / 4;
  CHECK(version >= 1);
  CHECK(version <= 10);
  const std::string text = qr_text(i.png);
  CHECK(text.size() <= 160);
  CHECK(text.find_first_not_of(kAlphanumeric) == std::string::npos);
}

TEST_CASE("credential.issue's picture reads the same in zbarimg") {
  World w;
  const Issued i = first_credential(w);
  CHECK(zbar(w, i.png) == qr_text(i.png));
}

TEST_CASE("credential.issue for a lost credential revokes the first and counts generation 2") {
  World w;
  const Issued i = first_credential(w);
  const auto [result, png] = issue(w, request(w, i.uscc, "lost"));
  const json::object& second = result.at("credential").as_object();
  CHECK(second.at("generation").as_int64() == 2);
  CHECK(result.at("revoked") == json::array{i.id});
  CHECK(credential::parse(qr_text(png)).claims.generation == 2);
  const json::object list = w.call("credential.list", {{"uscc", i.uscc}}, staff("rev1"));
  const json::array& credentials = list.at("credentials").as_array();
  REQUIRE(credentials.size() == 2);
  for (const auto& c : credentials) {
    if (c.at("id").as_int64() == i.id) {
      CHECK(c.at("status").as_string() == "revoked");
      CHECK(c.at("revoked_reason").as_string() == "lost");
      CHECK(c.at("revoked_at").is_string());
    } else {
      CHECK(c.at("id") == second.at("id"));
      CHECK(c.at("status").as_string() == "active");
      CHECK(c.at("revoked_reason").is_null());
    }
  }
  CHECK(list.at("requests").as_array().size() == 2);
}

TEST_CASE("credential.issue refuses delivery other without a note, and unknown deliveries") {
  World w;
  const std::string code = w.register_unit();
  const std::int64_t r = request(w, code);
  auto e = w.fail("credential.issue", issue_args(r, "other"), staff("acc1"));
  CHECK(e.code() == Errc::invalid_argument);
  REQUIRE(e.problems().size() == 1);
  CHECK(e.problems()[0].field == "delivery_note");
  json::object blank = issue_args(r, "other");
  blank["delivery_note"] = "   ";
  CHECK(w.code_of("credential.issue", blank, staff("acc1")) == Errc::invalid_argument);
  for (const char* delivery : {"email", "", "On_site"}) {
    CAPTURE(delivery);
    e = w.fail("credential.issue", issue_args(r, delivery), staff("acc1"));
    CHECK(e.code() == Errc::invalid_argument);
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0].field == "delivery");
  }
  CHECK(w.count("SELECT count(*) FROM credentials") == 0);
  CHECK(w.count("SELECT count(*) FROM signing_keys") == 0);
  // With a note, "other" is taken and the note kept.
  json::object noted = issue_args(r, "other");
  noted["delivery_note"] = "由主管部门转交";
  const json::object c =
      w.call("credential.issue", noted, staff("acc1")).at("credential").as_object();
  CHECK(c.at("delivery").as_string() == "other");
  CHECK(c.at("delivery_note").as_string() == "由主管部门转交");
}

TEST_CASE("credential.issue refuses an expires_on that is not after today in China") {
  World w;  // Monday 23 November 2026 in China
  const std::string code = w.register_unit();
  const std::int64_t r = request(w, code);
  for (const char* date : {"2026-11-23", "2026-11-22", "2026-02-30", "2026/11/30", ""}) {
    CAPTURE(date);
    json::object args = issue_args(r);
    args["expires_on"] = date;
    const fuma::Error e = w.fail("credential.issue", args, staff("acc1"));
    CHECK(e.code() == Errc::invalid_argument);
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0].field == "expires_on");
  }
  CHECK(w.count("SELECT count(*) FROM credentials") == 0);
}

TEST_CASE("credential.issue of an issued request again is a conflict") {
  World w;
  const std::string code = w.register_unit();
  const std::int64_t r = request(w, code);
  issue(w, r);
  CHECK(w.code_of("credential.issue", issue_args(r), staff("acc2")) == Errc::conflict);
  CHECK(w.count("SELECT count(*) FROM credentials") == 1);
}

// --- keys --------------------------------------------------------------------

TEST_CASE("key: an authority's first credential.issue creates its signing key, once") {
  World w;
  CHECK(keys_of(w).empty());
  const Issued first = first_credential(w);
  CHECK(first.result.at("new_key").as_bool());
  const Issued second = first_credential(w, "深圳市第二局");
  CHECK_FALSE(second.result.at("new_key").as_bool());
  const json::array keys = keys_of(w);
  REQUIRE(keys.size() == 1);
  CHECK(keys[0].at("status").as_string() == "active");
  CHECK(keys[0].at("authority").as_string() == "sz");
  CHECK(second.result.at("credential").at("kid") == keys[0].at("kid"));
  // Guangzhou signs with a key of its own.
  const std::string gz_unit = w.register_unit("广州市某某局", std::nullopt, "gzacc");
  const auto gz_request =
      w.call("credential.request", credential_request_args(gz_unit), staff("gzacc"))
          .at("request")
          .at("id")
          .as_int64();
  const auto [gz, png] = issue(w, gz_request, "gzacc");
  CHECK(gz.at("new_key").as_bool());
  CHECK(gz.at("credential").at("kid") != keys[0].at("kid"));
  CHECK(keys_of(w, "gzacc").size() == 1);
  CHECK(keys_of(w).size() == 1);
}

TEST_CASE("keys.rotate makes a new active key and keeps the old one verifying") {
  World w;
  const Issued old = first_credential(w);
  const std::string old_kid(old.result.at("credential").at("kid").as_string());
  const json::object key = w.call("keys.rotate", {}, staff("admin")).at("key").as_object();
  const std::string new_kid(key.at("kid").as_string());
  CHECK(new_kid != old_kid);
  CHECK(key.at("status").as_string() == "active");
  CHECK(key_status(w, new_kid) == "active");
  CHECK(key_status(w, old_kid) == "verifying");
  CHECK(keys_of(w).size() == 2);
  // New credentials are signed with the new key; the old one still draws.
  const Issued next = first_credential(w, "深圳市第二局");
  CHECK_FALSE(next.result.at("new_key").as_bool());
  CHECK(credential::parse(qr_text(next.png)).claims.kid == new_kid);
  CHECK(w.call_data("credential.image", {{"credential", old.id}}, staff("acc1")).second == old.png);
}

TEST_CASE("keys.rotate of Shenzhen's key is refused to an acceptor and to Guangzhou's staff") {
  World w;
  w.call("staff.create",
         {{"authority", "gz"}, {"username", "gzadmin"}, {"name", "gzadmin"}, {"roles", {"admin"}}},
         system_actor());
  first_credential(w);
  CHECK(w.code_of("keys.rotate", {}, staff("acc1")) == Errc::forbidden);
  CHECK(w.code_of("keys.rotate", {{"authority", "sz"}}, staff("acc1")) == Errc::forbidden);
  CHECK(w.code_of("keys.rotate", {{"authority", "sz"}}, staff("gzacc")) == Errc::forbidden);
  CHECK(w.code_of("keys.rotate", {{"authority", "sz"}}, staff("gzadmin")) == Errc::forbidden);
  CHECK(w.count("SELECT count(*) FROM signing_keys") == 1);
  CHECK(keys_of(w).at(0).at("status").as_string() == "active");
  // The system may rotate any authority's key.
  w.call("keys.rotate", {{"authority", "sz"}}, system_actor());
  CHECK(w.count("SELECT count(*) FROM signing_keys") == 2);
}

TEST_CASE("keys.retire refuses the active key and retires a verifying one") {
  World w;
  const Issued i = first_credential(w);
  const std::string old_kid(i.result.at("credential").at("kid").as_string());
  CHECK(w.code_of("keys.retire", {{"kid", old_kid}}, staff("admin")) == Errc::invalid_state);
  CHECK(key_status(w, old_kid) == "active");
  const std::string new_kid(
      w.call("keys.rotate", {}, staff("admin")).at("key").at("kid").as_string());
  CHECK(w.code_of("keys.retire", {{"kid", new_kid}}, staff("admin")) == Errc::invalid_state);
  CHECK(w.code_of("keys.retire", {{"kid", old_kid}}, staff("acc1")) == Errc::forbidden);
  const json::object retired =
      w.call("keys.retire", {{"kid", old_kid}}, staff("admin")).at("key").as_object();
  CHECK(retired.at("status").as_string() == "retired");
  CHECK(retired.at("retired_at").as_string() == "2026-11-23T01:00:00Z");
  CHECK(key_status(w, old_kid) == "retired");
  CHECK(key_status(w, new_kid) == "active");
  CHECK(w.code_of("keys.retire", {{"kid", old_kid}}, staff("admin")) == Errc::invalid_state);
  CHECK(w.code_of("keys.retire", {{"kid", "0123456789abcdef"}}, staff("admin")) == Errc::not_found);
}

TEST_CASE("keys.retire refuses an acceptor and a unit the same way whether the key exists or not") {
  World w;
  const Issued i = first_credential(w);
  const std::string old_kid(i.result.at("credential").at("kid").as_string());
  w.call("keys.rotate", {}, staff("admin"));
  for (const std::string& kid : {old_kid, std::string("0123456789abcdef")}) {
    CHECK(w.code_of("keys.retire", {{"kid", kid}}, staff("acc1")) == Errc::forbidden);
    CHECK(w.code_of("keys.retire", {{"kid", kid}}, unit(i.uscc)) == Errc::forbidden);
  }
  CHECK(key_status(w, old_kid) == "verifying");
}

TEST_CASE("keys.list exports each public key as base64url and as PEM OpenSSL reads") {
  World w;
  first_credential(w);
  w.call("keys.rotate", {}, staff("admin"));
  const json::array keys = keys_of(w, "rev1");
  REQUIRE(keys.size() == 2);
  for (const auto& k : keys) {
    const std::string kid(k.at("kid").as_string());
    CAPTURE(kid);
    CHECK(k.at("algorithm").as_string() == "Ed25519");
    const std::string raw = credential::from_base64url(k.at("public_key").as_string());
    REQUIRE(raw.size() == 32);
    CHECK(credential::key_id(raw) == kid);
    const std::string pem(k.at("public_key_pem").as_string());
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    REQUIRE(bio != nullptr);
    EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    REQUIRE(pkey != nullptr);
    CHECK(EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519);
    std::string from_pem(32, '\0');
    std::size_t len = from_pem.size();
    CHECK(EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(from_pem.data()),
                                      &len) == 1);
    EVP_PKEY_free(pkey);
    CHECK(len == 32);
    CHECK(from_pem == raw);
  }
}

// --- private keys at rest ----------------------------------------------------

TEST_CASE("key file: made beside the database, mode 0600, at the first signing key") {
  World w;
  const std::string key_file = w.db_path() + ".key";
  const std::string code = w.register_unit();
  const std::int64_t r = request(w, code);
  CHECK_FALSE(std::filesystem::exists(key_file));
  issue(w, r);
  struct stat st {};
  REQUIRE(::stat(key_file.c_str(), &st) == 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(st.st_size == 32);
}

TEST_CASE("key: the private key is kept sealed and appears nowhere in the database file" *
          doctest::test_suite("sqlite")) {
  World w;
  first_credential(w);
  const std::string kid = blob(w.db_path(), "SELECT kid FROM signing_keys");
  const std::string sealed = blob(w.db_path(), "SELECT sealed_private FROM signing_keys");
  CHECK(sealed.size() == 12 + 32 + 16);
  const credential::Sealer sealer = credential::Sealer::load(w.db_path() + ".key", false);
  const std::string private_key = sealer.open(sealed, "fuma-signing-key:" + kid);
  REQUIRE(private_key.size() == 32);
  // Under another row's label the sealed bytes do not open.
  CHECK_THROWS_AS(sealer.open(sealed, "fuma-signing-key:0123456789abcdef"), fuma::Error);
  std::string bytes = read_bytes(w.db_path());
  if (std::filesystem::exists(w.db_path() + "-wal")) bytes += read_bytes(w.db_path() + "-wal");
  REQUIRE(bytes.size() > 4096);
  CHECK(bytes.find(sealed) != std::string::npos);  // the search does find what is there
  CHECK(bytes.find(private_key) == std::string::npos);
}

TEST_CASE("key: an engine with another key file cannot issue and leaves no credential") {
  World w;
  first_credential(w);
  const std::string code = w.register_unit("深圳市第二局");
  const std::int64_t r = request(w, code);
  fuma::Options options;
  w.locate(options);
  options.key_file = w.dir_file("other.key");
  fuma::Engine other(options);
  try {
    other.call(World::envelope("credential.issue", issue_args(r), staff("acc1"), {}));
    FAIL("credential.issue succeeded with another key file");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == Errc::storage);
  }
  CHECK(w.count("SELECT count(*) FROM credentials") == 1);
  CHECK(w.count("SELECT count(*) FROM credential_requests WHERE credential_id = 0") == 1);
  // A database with keys does not start a new key file at a wrong path.
  CHECK_FALSE(std::filesystem::exists(w.dir_file("other.key")));
  // With the right key file the request is still there to issue.
  issue(w, r);
  CHECK(w.count("SELECT count(*) FROM credentials") == 2);
}

TEST_CASE("key file: readable by group or others, it is refused until chmod 600") {
  World w;
  first_credential(w);
  const std::string key_file = w.db_path() + ".key";
  REQUIRE(::chmod(key_file.c_str(), 0644) == 0);
  const std::string code = w.register_unit("深圳市第二局");
  const std::int64_t r = request(w, code);
  fuma::Options options;
  w.locate(options);  // the default key file, beside the database
  fuma::Engine reopened(options);
  const std::string issue_request =
      World::envelope("credential.issue", issue_args(r), staff("acc1"), {});
  try {
    reopened.call(issue_request);
    FAIL("credential.issue succeeded with a key file of mode 0644");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == Errc::storage);
    CHECK(e.detail().find("chmod 600") != std::string::npos);
  }
  CHECK(w.count("SELECT count(*) FROM credentials") == 1);
  REQUIRE(::chmod(key_file.c_str(), 0600) == 0);
  reopened.call(issue_request);
  CHECK(w.count("SELECT count(*) FROM credentials") == 2);
}

// --- credential.verify --------------------------------------------------------

TEST_CASE("credential.verify offline takes the picture with the exported keys") {
  World w;
  const Issued i = first_credential(w);
  const json::object r =
      json::parse(fuma::Engine::call_stateless(verify_request(keys_of(w)), i.png).json).as_object();
  CHECK(r.at("valid").as_bool());
  CHECK(r.at("revocation_checked").as_bool() == false);
  const json::object& claims = r.at("claims").as_object();
  CHECK(claims.at("uscc").as_string() == i.uscc);
  CHECK(claims.at("credential").as_int64() == i.id);
  CHECK(claims.at("generation").as_int64() == 1);
  CHECK(claims.at("kid") == i.result.at("credential").at("kid"));
  CHECK(claims.at("issued_at").as_string() == "2026-11-23T01:00:00Z");
  CHECK(claims.at("expires_at").is_null());
}

TEST_CASE("credential.verify offline: a key list without the credential's kid is unknown_key") {
  World w;
  const Issued i = first_credential(w);
  const credential::KeyPair stranger = credential::generate_key();
  CHECK(stateless_code(
            verify_request(one_key(credential::key_id(stranger.public_key), stranger.public_key)),
            i.png) == Errc::unknown_key);
}

TEST_CASE("credential.verify offline: another key's public key under the kid is refused") {
  World w;
  const Issued i = first_credential(w);
  const std::string kid(i.result.at("credential").at("kid").as_string());
  const credential::KeyPair stranger = credential::generate_key();
  CHECK(stateless_code(verify_request(one_key(kid, stranger.public_key)), i.png) ==
        Errc::invalid_argument);
}

TEST_CASE("credential.verify offline: one flipped signature bit is bad_signature") {
  World w;
  const Issued i = first_credential(w);
  const std::string text = qr_text(i.png);
  const credential::Parsed p = credential::parse(text);
  // The untouched text, as a payload, verifies.
  const json::array keys = keys_of(w);
  CHECK(json::parse(fuma::Engine::call_stateless(verify_request(keys, text)).json)
            .at("valid")
            .as_bool());
  for (std::size_t bit : {std::size_t{0}, std::size_t{255}, std::size_t{511}}) {
    CAPTURE(bit);
    std::string signature = p.signature;
    signature[bit / 8] = static_cast<char>(signature[bit / 8] ^ (1 << (bit % 8)));
    const std::string forged = credential::assemble(p.claims, signature);
    REQUIRE(forged != text);
    CHECK(stateless_code(verify_request(keys, forged)) == Errc::bad_signature);
  }
}

namespace {

// A credential's picture pasted on a white canvas of width x height.
std::string on_canvas(const std::string& png, int width, int height) {
  image::Grey canvas = blank(width, height);
  paste(canvas, image::decode(png), 10, 10);
  return image::encode_png(canvas);
}

}  // namespace

TEST_CASE("an engine's decode_pixel_budget refuses a picture larger than itself, before decoding") {
  World w([](fuma::Options& o) { o.set("decode_pixel_budget", "1000000"); });
  const Issued i = first_credential(w);
  const json::object args{{"keys", keys_of(w)}};
  // Within the 16 megapixels a picture may have, over this engine's budget.
  const fuma::Error e = w.fail("credential.verify", args, {}, on_canvas(i.png, 1001, 1000));
  CHECK(e.code() == Errc::image_too_large);
  CHECK(e.detail().find("1001000 pixels exceed the whole decode budget of 1000000") !=
        std::string::npos);
  CHECK(w.call("credential.verify", args, {}, on_canvas(i.png, 1000, 1000)).at("valid").as_bool());
  // The same for a login: an attempt refused as today's limit refuses it.
  CHECK(w.code_of("session.login",
                  {{"captcha_id", "x"}, {"captcha_answer", "FUMA7"}, {"client", "10.9.0.1"}}, {},
                  on_canvas(i.png, 1001, 1000)) == Errc::image_too_large);
}

TEST_CASE("decode_pixel_budget is a number of pixels, at least 1,000,000") {
  fuma::Options o;
  CHECK(o.decode_pixel_budget == 32'000'000u);  // two pictures at the 16-megapixel limit
  o.set("decode_pixel_budget", "64000000");
  CHECK(o.decode_pixel_budget == 64'000'000u);
  for (const char* bad : {"32", "999999", "-1", "", "1e9", "32000000x"}) {
    CAPTURE(bad);
    try {
      o.set("decode_pixel_budget", bad);
      FAIL("decode_pixel_budget took " << bad);
    } catch (const fuma::Error& e) {
      CHECK(e.code() == Errc::invalid_argument);
      CHECK(e.message().find("decode_pixel_budget") != std::string::npos);
    }
  }
  CHECK(o.decode_pixel_budget == 64'000'000u);
  o.decode_pixel_budget = 10;
  CHECK_THROWS_AS(fuma::Engine{o}, fuma::Error);
}

TEST_CASE("credential.verify: a credential past its expires_on is credential_expired") {
  World w;
  const std::string code = w.register_unit();
  json::object args = issue_args(request(w, code));
  args["expires_on"] = "2026-11-24";  // tomorrow
  const auto [result, png] = w.call_data("credential.issue", args, staff("acc1"));
  // Valid through the whole 24th in China: until 16:00 UTC.
  CHECK(result.at("credential").at("expires_at").as_string() == "2026-11-24T16:00:00Z");
  const json::array keys = keys_of(w);
  json::object verify{{"keys", keys}};
  w.advance(std::chrono::hours(24));  // 09:00 on the 24th in China
  const json::object valid = w.call("credential.verify", verify, {}, png);
  CHECK(valid.at("claims").at("expires_at").as_string() == "2026-11-24T16:00:00Z");
  w.advance(std::chrono::hours(24));  // two days after issue
  CHECK(w.code_of("credential.verify", verify, {}, png) == Errc::credential_expired);
}

// --- credential.image ---------------------------------------------------------

TEST_CASE("credential.image draws the same picture credential.issue gave") {
  World w;
  const Issued i = first_credential(w);
  w.advance(std::chrono::hours(72));
  const auto [result, png] = w.call_data("credential.image", {{"credential", i.id}}, staff("acc2"));
  CHECK(png == i.png);
  CHECK(result.at("credential") == i.result.at("credential"));
  CHECK(result.at("file_name") == i.result.at("file_name"));
}

TEST_CASE("credential.image of a revoked credential is credential_revoked") {
  World w;
  const Issued i = first_credential(w);
  issue(w, request(w, i.uscc, "lost"));
  CHECK(w.code_of("credential.image", {{"credential", i.id}}, staff("acc1")) ==
        Errc::credential_revoked);
}

TEST_CASE("credential.image is refused to a reviewer and to another authority") {
  World w;
  const Issued i = first_credential(w);
  CHECK(w.code_of("credential.image", {{"credential", i.id}}, staff("rev1")) == Errc::forbidden);
  CHECK(w.code_of("credential.image", {{"credential", i.id}}, staff("gzacc")) == Errc::forbidden);
}

// --- idempotency ----------------------------------------------------------------

TEST_CASE("credential.issue retried with its idempotency key gives the same result and picture") {
  World w;
  const std::string code = w.register_unit();
  const std::string envelope =
      World::envelope("credential.issue", issue_args(request(w, code)), staff("acc1"), "issue-1");
  const fuma::Response first = w.engine().call(envelope);
  w.advance_seconds(30);
  const fuma::Response again = w.engine().call(envelope);
  CHECK(again.json == first.json);
  CHECK(!first.data.empty());
  CHECK(again.data == first.data);
  CHECK(w.count("SELECT count(*) FROM credentials") == 1);
  CHECK(w.count("SELECT count(*) FROM signing_keys") == 1);
}

namespace fuma::test {
namespace {

TEST_CASE("keys.retire revokes what the key signed and ends its sessions; 遗失 gets a new one") {
  World w([](Options& o) { o.captcha_answer = "7777"; });
  const Issued i = first_credential(w);
  const std::string old_kid(i.result.at("credential").at("kid").as_string());
  const std::string captcha(w.call("session.captcha", {}, {}).at("captcha_id").as_string());
  const std::string token(
      w.call("session.login", {{"captcha_id", captcha}, {"captcha_answer", "7777"}}, {}, i.png)
          .at("token")
          .as_string());
  w.call("keys.rotate", {}, staff("admin"));
  const json::object retired = w.call("keys.retire", {{"kid", old_kid}}, staff("admin"));
  CHECK(retired.at("credentials_revoked").as_int64() == 1);
  CHECK(retired.at("sessions_ended").as_int64() == 1);
  CHECK(w.code_of("session.get", {}, {{"session", token}}) == Errc::session_expired);
  CHECK(w.count("SELECT count(*) FROM credentials WHERE status = 'revoked' AND "
                "revoked_reason = 'key_retired'") == 1);
  // The unit gets a new picture as for a lost one, signed by the new key.
  const auto [issued, png] = issue(w, request(w, i.uscc, "lost"));
  CHECK(issued.at("credential").at("generation").as_int64() == 2);
  CHECK(issued.at("credential").at("kid").as_string() != old_kid);
}

TEST_CASE("credential.issue retried after the credential was revoked refuses the old picture") {
  World w;
  const std::string code = w.register_unit();
  const std::string envelope =
      World::envelope("credential.issue", issue_args(request(w, code)), staff("acc1"), "issue-1");
  w.engine().call(envelope);
  issue(w, request(w, code, "lost"));
  try {
    w.engine().call(envelope);
    FAIL("a retry handed out a revoked picture");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::credential_revoked);
  }
}

// --- SM2 ----------------------------------------------------------------------

// Shenzhen's key made SM2 by its admin before the first picture.
json::object sm2_key(World& w, const std::optional<std::string>& distinguishing_id = {}) {
  json::object args{{"suite", "sm2"}};
  if (distinguishing_id) args["distinguishing_id"] = *distinguishing_id;
  return w.call("keys.rotate", args, staff("admin")).at("key").as_object();
}

TEST_CASE("keys.rotate with suite sm2 makes an SM2 key that signs what is issued after") {
  World w;
  const json::object key = sm2_key(w);
  CHECK(key.at("suite").as_string() == "sm2");
  CHECK(key.at("algorithm").as_string() == "SM2");
  CHECK(key.at("distinguishing_id").as_string() == "1234567812345678");
  const Issued i = first_credential(w);
  CHECK(i.result.at("new_key").as_bool() == false);
  CHECK(i.result.at("credential").at("suite").as_string() == "sm2");
  const credential::Parsed p = credential::parse(qr_text(i.png));
  CHECK(p.claims.suite == credential::Suite::sm2);
  CHECK(p.claims.kid == key.at("kid").as_string());
  const std::string point = credential::from_base64url(key.at("public_key").as_string());
  CHECK(credential::verify(p, {credential::Suite::sm2, point, "1234567812345678"}));
}

TEST_CASE("keys.list exports an SM2 key as its point in base64url, PEM on the SM2 curve, and id") {
  World w;
  sm2_key(w, std::string("sz-440300-2026"));
  first_credential(w);
  const json::array keys = keys_of(w, "rev1");
  REQUIRE(keys.size() == 1);
  const json::object& k = keys[0].as_object();
  CHECK(k.at("distinguishing_id").as_string() == "sz-440300-2026");
  const std::string point = credential::from_base64url(k.at("public_key").as_string());
  REQUIRE(point.size() == 65);
  CHECK(point[0] == 0x04);
  CHECK(credential::key_id(point, credential::Suite::sm2) == k.at("kid").as_string());
  const std::string pem(k.at("public_key_pem").as_string());
  write_bytes(w.dir_file("sm2.pem"), pem);
  const Ran text = run("openssl pkey -pubin -in '" + w.dir_file("sm2.pem") + "' -text_pub -noout");
  CHECK(text.status == 0);
  CHECK(text.output.find("ASN1 OID: SM2") != std::string::npos);
  REQUIRE(run("openssl pkey -pubin -in '" + w.dir_file("sm2.pem") + "' -outform DER -out '" +
              w.dir_file("sm2.der") + "'")
              .status == 0);
  const std::string der = read_bytes(w.dir_file("sm2.der"));
  CHECK(der.substr(der.size() - 65) == point);
}

TEST_CASE("keys.rotate without a suite keeps the authority's SM2 suite and distinguishing id") {
  World w;
  sm2_key(w, std::string("sz-1"));
  const json::object again = w.call("keys.rotate", {}, staff("admin")).at("key").as_object();
  CHECK(again.at("suite").as_string() == "sm2");
  CHECK(again.at("distinguishing_id").as_string() == "sz-1");
  const json::object back =
      w.call("keys.rotate", {{"suite", "ed25519"}}, staff("admin")).at("key").as_object();
  CHECK(back.at("suite").as_string() == "ed25519");
  CHECK(back.at("distinguishing_id").is_null());
  const json::object sm2 = sm2_key(w);
  CHECK(sm2.at("distinguishing_id").as_string() == "1234567812345678");
}

TEST_CASE(
    "keys.rotate refuses an unknown suite and a distinguishing id for Ed25519, changing none") {
  World w;
  first_credential(w);
  const std::string before = json::serialize(keys_of(w));
  const Error suite = w.fail("keys.rotate", {{"suite", "rsa"}}, staff("admin"));
  CHECK(suite.code() == Errc::invalid_argument);
  CHECK(says(suite, "签名算法"));
  CHECK(w.code_of("keys.rotate", {{"suite", "ed25519"}, {"distinguishing_id", "x"}},
                  staff("admin")) == Errc::invalid_argument);
  CHECK(w.code_of("keys.rotate", {{"suite", "sm2"}, {"distinguishing_id", "深圳"}},
                  staff("admin")) == Errc::invalid_argument);
  CHECK(w.code_of("keys.rotate", {{"suite", "sm2"}, {"distinguishing_id", std::string(65, 'a')}},
                  staff("admin")) == Errc::invalid_argument);
  CHECK(json::serialize(keys_of(w)) == before);
}

TEST_CASE("credential.verify offline checks an SM2 picture with keys.list's export") {
  World w;
  sm2_key(w, std::string("sz-440300"));
  const Issued i = first_credential(w);
  const json::array keys = keys_of(w);
  const json::object r =
      json::parse(fuma::Engine::call_stateless(verify_request(keys), i.png).json).as_object();
  CHECK(r.at("valid").as_bool());
  CHECK(r.at("claims").at("suite").as_string() == "sm2");
  CHECK(r.at("claims").at("credential").as_int64() == i.id);
  // Without the distinguishing id the default one is taken, and the
  // signature does not verify under it.
  json::object bare = keys[0].as_object();
  bare.erase("distinguishing_id");
  CHECK(stateless_code(verify_request(json::array{bare}), i.png) == Errc::bad_signature);
  // A key named as ed25519 for an SM2 text is refused.
  json::object relabelled = keys[0].as_object();
  relabelled["suite"] = "ed25519";
  CHECK(stateless_code(verify_request(json::array{relabelled}), i.png) == Errc::invalid_argument);
}

TEST_CASE("credential.verify offline: one flipped SM2 signature bit is bad_signature") {
  World w;
  sm2_key(w);
  const Issued i = first_credential(w);
  const std::string text = qr_text(i.png);
  const credential::Parsed p = credential::parse(text);
  const json::array keys = keys_of(w);
  for (std::size_t bit : {std::size_t{0}, std::size_t{255}, std::size_t{256}, std::size_t{511}}) {
    CAPTURE(bit);
    std::string signature = p.signature;
    signature[bit / 8] = static_cast<char>(signature[bit / 8] ^ (1 << (bit % 8)));
    CHECK(stateless_code(verify_request(keys, credential::assemble(p.claims, signature))) ==
          Errc::bad_signature);
  }
  // r = 0 and s = 0, which no signer makes.
  CHECK(stateless_code(verify_request(
            keys, credential::assemble(p.claims, std::string(64, '\0')))) == Errc::bad_signature);
}

TEST_CASE(
    "an SM2 credential keeps its randomised signature sealed: credential.image draws it again" *
    doctest::test_suite("sqlite")) {
  World w;
  sm2_key(w);
  const Issued i = first_credential(w);
  const std::string signature = credential::parse(qr_text(i.png)).signature;
  const std::string sealed = blob(
      w.db_path(), "SELECT sealed_signature FROM credentials WHERE id = " + std::to_string(i.id));
  CHECK(sealed.size() == 12 + 64 + 16);
  std::string bytes = read_bytes(w.db_path());
  if (std::filesystem::exists(w.db_path() + "-wal")) bytes += read_bytes(w.db_path() + "-wal");
  CHECK(bytes.find(sealed) != std::string::npos);
  CHECK(bytes.find(signature) == std::string::npos);
  w.advance(std::chrono::hours(1));
  const auto [result, png] = w.call_data("credential.image", {{"credential", i.id}}, staff("acc2"));
  CHECK(png == i.png);
}

TEST_CASE(
    "credential.issue of an SM2 credential retried with its idempotency key gives one picture") {
  World w;
  sm2_key(w);
  const std::string code = w.register_unit();
  const std::string envelope =
      World::envelope("credential.issue", issue_args(request(w, code)), staff("acc1"), "issue-1");
  const fuma::Response first = w.engine().call(envelope);
  const fuma::Response again = w.engine().call(envelope);
  CHECK(again.json == first.json);
  CHECK(again.data == first.data);
}

TEST_CASE("keys.retire of an SM2 key revokes its pictures as for Ed25519") {
  World w([](Options& o) { o.captcha_answer = "7777"; });
  const std::string kid(sm2_key(w).at("kid").as_string());
  const Issued i = first_credential(w);
  w.call("keys.rotate", {}, staff("admin"));
  const json::object retired = w.call("keys.retire", {{"kid", kid}}, staff("admin"));
  CHECK(retired.at("key").at("status").as_string() == "retired");
  CHECK(retired.at("credentials_revoked").as_int64() == 1);
  const std::string captcha(w.call("session.captcha", {}, {}).at("captcha_id").as_string());
  CHECK(w.code_of("session.login", {{"captcha_id", captcha}, {"captcha_answer", "7777"}}, {},
                  i.png) == Errc::unknown_key);
}

}  // namespace
}  // namespace fuma::test
