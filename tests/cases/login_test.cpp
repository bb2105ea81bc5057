// SPDX-License-Identifier: Apache-2.0
// Logging in with the credential picture: the picture as people really
// upload it, every reason a login fails (one case per defect, like the EU
// DCC's test data), captchas, attempt limits, 登录承诺 and sessions.
#include <doctest/doctest.h>

#include <map>

#include "credential/credential.hpp"
#include "fixtures.hpp"
#include "image/image.hpp"
#include "support/base45.hpp"
#include "support/image_variants.hpp"
#include "support/picture_tools.hpp"

namespace fuma::test {
namespace {

// The World's date, the day these tests' credentials are requested on.
constexpr const char* kToday = "2026-11-23";

// The signing suites the login catalogue runs over: the authority's key is
// Ed25519 (made by its first credential.issue) or SM2 (made by keys.rotate
// before it).
struct Ed25519 {
  static constexpr credential::Suite suite = credential::Suite::ed25519;
};
struct Sm2 {
  static constexpr credential::Suite suite = credential::Suite::sm2;
};
#define FUMA_SUITES Ed25519, Sm2

// A World whose captchas all read "7777", with one unit holding its first
// credential picture, signed in `suite`.
struct Login {
  World w{[](Options& o) { o.captcha_answer = "7777"; }};
  credential::Suite suite;
  std::string uscc;
  std::string png;

  explicit Login(credential::Suite s = credential::Suite::ed25519) : suite(s) {
    if (suite == credential::Suite::sm2) {
      w.call("keys.rotate", {{"suite", "sm2"}}, staff("admin"));
    }
    uscc = w.register_unit();
    png = issue(uscc, "first");
  }

  // Records a request, dated today, and issues it; the picture.
  std::string issue(const std::string& code, const std::string& reason,
                    const std::optional<std::string>& expires_on = std::nullopt) {
    return w.issue_credential(code, reason, kToday, expires_on);
  }

  std::string captcha() {
    return std::string(w.call("session.captcha", {}, {}).at("captcha_id").as_string());
  }

  json::object login_args(const std::string& answer, const std::string& client) {
    json::object args{{"captcha_id", captcha()}, {"captcha_answer", answer}};
    if (!client.empty()) args["client"] = client;
    return args;
  }

  // The token of a login that must succeed.
  std::string login(const std::string& picture, const std::string& client = {}) {
    return std::string(
        w.call("session.login", login_args("7777", client), {}, picture).at("token").as_string());
  }

  Error refused(const std::string& picture, const std::string& answer = "7777",
                const std::string& client = {}) {
    return w.fail("session.login", login_args(answer, client), {}, picture);
  }

  // Logged in and 登录承诺 accepted.
  std::string committed() {
    const std::string token = login(png);
    w.call("session.commit", {{"text_version", "2026-1"}}, session(token));
    return token;
  }

  static json::object session(const std::string& token) { return {{"session", token}}; }

  image::Grey picture() const { return image::decode(png); }
};

// A QR picture of any text, drawn as the issued pictures are.
std::string qr_png(const std::string& text) {
  return image::encode_png(image::draw_qr(text, 10).picture);
}

std::string text_of(const std::string& png) {
  const auto texts = image::read_qr(image::decode(png));
  REQUIRE(texts.size() == 1);
  return texts.front();
}

// --- logging in -------------------------------------------------------------

TEST_CASE_TEMPLATE("a unit logs in with its picture and must accept 登录承诺 before anything else",
                   S, FUMA_SUITES) {
  Login l(S::suite);
  const json::object r = l.w.call("session.login", l.login_args("7777", "10.0.0.1"), {}, l.png);
  const std::string token(r.at("token").as_string());
  CHECK(token.size() == 43);
  CHECK(r.at("session").at("unit").at("uscc").as_string() == l.uscc);
  CHECK(r.at("session").at("committed").as_bool() == false);
  CHECK(r.at("session").at("commitment").at("title").as_string() == "登录承诺");
  CHECK(r.contains("warning"));  // the fixed captcha answer is never silent

  const Error e = l.w.fail("application.start", {{"business", "reissue"}}, Login::session(token));
  CHECK(e.code() == Errc::commitment_required);
  CHECK(says(e, "登录承诺"));
  CHECK(l.w.call("session.get", {}, Login::session(token)).at("session").at("committed") == false);
  CHECK(l.w.code_of("session.commit", {{"text_version", "2025-0"}}, Login::session(token)) ==
        Errc::conflict);

  l.w.call("session.commit", {{"text_version", "2026-1"}}, Login::session(token));
  CHECK(l.w.count("SELECT count(*) FROM sessions WHERE commitment_version = '2026-1' AND "
                  "committed_at = '2026-11-23T01:00:00Z'") == 1);
  const json::object started =
      l.w.call("application.start", {{"business", "reissue"}}, Login::session(token));
  CHECK(started.at("application").at("status").at("key").as_string() == "draft");
}

TEST_CASE("the store keeps a session token's hash, never the token") {
  Login l;
  const std::string token = l.login(l.png);
  CHECK(l.w.count("SELECT count(*) FROM sessions WHERE token_hash = '" + token + "'") == 0);
  CHECK(l.w.count("SELECT count(*) FROM sessions WHERE replace(token_hash, '" + token +
                  "', '') <> token_hash") == 0);
  CHECK(l.w.count("SELECT count(*) FROM sessions WHERE length(token_hash) = 64") == 1);
}

// --- the picture after real life --------------------------------------------

TEST_CASE_TEMPLATE("the picture still logs in after what happens to a saved picture", S,
                   FUMA_SUITES) {
  Login l(S::suite);
  const image::Grey g = l.picture();
  SUBCASE("saved again as JPEG, quality 30") { l.login(as_jpeg(g, 30)); }
  SUBCASE("saved again as JPEG, quality 60") { l.login(as_jpeg(g, 60)); }
  SUBCASE("scaled to 25%") { l.login(as_png(scaled(g, 0.25))); }
  SUBCASE("scaled to 50%") { l.login(as_png(scaled(g, 0.5))); }
  SUBCASE("scaled to 200%") { l.login(as_png(scaled(g, 2.0))); }
  SUBCASE("scaled to 300%") { l.login(as_png(scaled(g, 3.0))); }
  SUBCASE("turned 7 degrees") { l.login(as_png(rotated(g, 7))); }
  SUBCASE("turned 30 degrees") { l.login(as_png(rotated(g, 30))); }
  SUBCASE("turned a quarter") { l.login(as_png(rotated(g, 90))); }
  SUBCASE("upside down") { l.login(as_png(rotated(g, 180))); }
  SUBCASE("a screenshot of a larger page") { l.login(as_png(on_page(g, 1920, 1080, 700, 300))); }
  SUBCASE("a screenshot, saved as JPEG") { l.login(as_jpeg(on_page(g, 1366, 768, 40, 200), 75)); }
  SUBCASE("a colour picture") { l.login(colour_png(g)); }
  SUBCASE("greyscale JPEG at 60% size") { l.login(as_jpeg(scaled(g, 0.6), 50)); }
  SUBCASE("BMP") { l.login(as_bmp(g)); }
  SUBCASE("GIF") { l.login(as_gif(g)); }
  CHECK(l.w.count("SELECT count(*) FROM sessions") == 1);
}

TEST_CASE("the picture logs in as each file other programs save it as") {
  Login l;
  std::map<std::string, std::string> files = bmp_variants(l.png);
  files["WebP, lossless (cwebp)"] = as_webp(l.png, -1);
  files["WebP, lossy at quality 60 (cwebp)"] = as_webp(l.png, 60);
  files["light on dark (ImageMagick -negate)"] = converted(l.png, "-negate", "PNG:out.png");
  const std::string text = text_of(l.png);
  for (const auto& [name, file] : files) {
    CAPTURE(name);
    // The same credential text, read from the saved file...
    CHECK(text_of(file) == text);
    // ...and a session from it, through the whole login.
    const std::string token = l.login(file);
    CHECK(l.w.call("session.get", {}, Login::session(token))
              .at("session")
              .at("unit")
              .at("uscc")
              .as_string() == l.uscc);
  }
  CHECK(l.w.count("SELECT count(*) FROM sessions") == static_cast<std::int64_t>(files.size()));
}

TEST_CASE_TEMPLATE("a page with another QR code beside the credential still logs in", S,
                   FUMA_SUITES) {
  Login l(S::suite);
  image::Grey page = blank(1400, 700, 255);
  paste(page, l.picture(), 20, 20);
  paste(page, image::decode(qr_png("https://www.gov.cn/")), 800, 60);
  l.login(as_png(page));
}

// --- the failure catalogue ----------------------------------------------------

TEST_CASE_TEMPLATE("each defect of a login picture gives its own reason", S, FUMA_SUITES) {
  Login l(S::suite);
  const std::string text = text_of(l.png);
  const credential::Parsed good = credential::parse(text);
  REQUIRE(good.claims.suite == S::suite);
  auto code = [&](const std::string& picture) { return l.refused(picture).code(); };

  SUBCASE("non-image bytes") { CHECK(code("这不是图片，只是一段文字") == Errc::not_an_image); }
  SUBCASE("a truncated PNG file") {
    CHECK(code(l.png.substr(0, l.png.size() / 2)) == Errc::not_an_image);
  }
  SUBCASE("an oversized image: more pixels than allowed") {
    // A real 30000 x 30000 blank PNG would take long to make; a picture of
    // 5000 x 4000 is over the 16-megapixel limit already.
    CHECK(code(as_png(blank(5000, 4000))) == Errc::image_too_large);
  }
  SUBCASE("a picture format fuma does not read: TIFF, HEIC, AVIF") {
    for (const char* format : {"TIFF", "HEIC", "AVIF"}) {
      CAPTURE(format);
      const std::string file = converted(l.png, "", std::string(format) + ":out");
      const Error e = l.refused(file);
      CHECK(e.code() == Errc::unsupported_image_format);
      CHECK(says(e, format));
    }
  }
  SUBCASE("an oversized WebP: its header declares more pixels than allowed") {
    // 5000 x 4000 of white: a small file whose header is over 16 megapixels.
    CHECK(code(as_webp(as_png(blank(5000, 4000)), -1)) == Errc::image_too_large);
  }
  SUBCASE("an oversized file") {
    CHECK(code(l.png + std::string(11u << 20, '\0')) == Errc::image_too_large);
  }
  SUBCASE("an image with no QR code") {
    const std::string captcha_png = l.w.call_data("session.captcha", {}, {}).second;
    CHECK(code(captcha_png) == Errc::no_qr_found);
  }
  SUBCASE("a broken QR code: a third of it painted over") {
    image::Grey g = l.picture();
    for (int y = 0; y < g.height / 2; ++y) {
      for (int x = 0; x < g.width * 2 / 3; ++x) at(g, x, y) = 0;
    }
    CHECK(code(as_png(g)) == Errc::no_qr_found);
  }
  SUBCASE("a QR code of something else") {
    CHECK(code(qr_png("https://www.gov.cn/")) == Errc::not_a_credential);
  }
  SUBCASE("a wrong prefix") {
    CHECK(code(qr_png("HC1:" + text.substr(4))) == Errc::not_a_credential);
  }
  SUBCASE("a later format version") {
    CHECK(code(qr_png("FM2:" + text.substr(4))) == Errc::unsupported_version);
  }
  SUBCASE("an unknown signing suite: a flag bit this reader does not know") {
    const std::string body = good.message.substr(4 + 18) + good.signature;
    CHECK(code(qr_png(with_flags(text.substr(0, 4 + 18), body, 0x04))) ==
          Errc::unsupported_version);
  }
  SUBCASE("the other suite's flag on this suite's signature") {
    credential::Claims claims = good.claims;
    claims.suite =
        S::suite == credential::Suite::sm2 ? credential::Suite::ed25519 : credential::Suite::sm2;
    CHECK(code(qr_png(credential::assemble(claims, good.signature))) == Errc::bad_signature);
  }
  SUBCASE("bad Base45 encoding") {
    CHECK(code(qr_png(text.substr(0, 22) + ":::" + text.substr(25))) == Errc::credential_malformed);
    CHECK(code(qr_png(text.substr(0, 30) + "abc" + text.substr(33))) == Errc::credential_malformed);
  }
  SUBCASE("a truncated payload") {
    CHECK(code(qr_png(text.substr(0, text.size() - 3))) == Errc::credential_malformed);
    CHECK(code(qr_png(text.substr(0, 40))) == Errc::credential_malformed);
  }
  SUBCASE("one flipped byte") {
    std::string signature = good.signature;
    signature[10] = static_cast<char>(signature[10] ^ 0x01);
    CHECK(code(qr_png(credential::assemble(good.claims, signature))) == Errc::bad_signature);
    credential::Claims claims = good.claims;
    claims.generation += 1;
    CHECK(code(qr_png(credential::assemble(claims, good.signature))) == Errc::bad_signature);
  }
  SUBCASE("the signature of another key under the authority's key id") {
    const credential::KeyPair other = credential::generate_key(S::suite);
    credential::Claims claims = good.claims;
    claims.kid = credential::key_id(other.public_key, S::suite);
    const credential::Parsed forged = credential::parse(credential::sign(claims, other));
    CHECK(code(qr_png(credential::assemble(good.claims, forged.signature))) == Errc::bad_signature);
  }
  SUBCASE("an unknown key id") {
    const credential::KeyPair other = credential::generate_key(S::suite);
    credential::Claims claims = good.claims;
    claims.kid = credential::key_id(other.public_key, S::suite);
    CHECK(code(qr_png(credential::sign(claims, other))) == Errc::unknown_key);
  }
  SUBCASE("two credentials in one picture") {
    const std::string second = l.issue(l.w.register_unit("深圳市另一局"), "first");
    image::Grey page = blank(1100, 560, 255);
    paste(page, l.picture(), 10, 10);
    paste(page, image::decode(second), 560, 10);
    CHECK(code(as_png(page)) == Errc::multiple_qr);
  }
  SUBCASE("an expired credential") {
    const std::string uscc = l.w.register_unit("深圳市有期限局");
    const std::string png = l.issue(uscc, "first", std::string("2026-11-30"));
    l.login(png);
    l.w.advance(std::chrono::hours(24 * 8));
    CHECK(code(png) == Errc::credential_expired);
  }
  SUBCASE("a revoked credential: a new one was issued for 遗失") {
    const std::string second = l.issue(l.uscc, "lost");
    CHECK(code(l.png) == Errc::credential_revoked);
    l.login(second);
  }
  SUBCASE("a revoked unit") {
    const std::string token = l.committed();
    const std::int64_t id =
        World::app(l.w.call("application.start", {{"business", "revoke"}}, Login::session(token)))
            .at("id")
            .as_int64();
    l.w.call("application.save", {{"id", id}, {"fields", {{"reason", "机构撤销"}}}},
             Login::session(token));
    l.w.call("application.submit", {{"id", id}}, Login::session(token));
    l.w.step("accept", id, "acc1");
    l.w.step("approve", id, "rev1");
    l.w.step("notify", id, "acc1", "请寄送签字盖章的申请表");
    l.w.step("complete", id, "acc2");
    CHECK(code(l.png) == Errc::unit_revoked);
    CHECK(l.w.code_of("session.get", {}, Login::session(token)) == Errc::session_expired);
  }
}

// --- captchas -----------------------------------------------------------------

TEST_CASE("a captcha is single use, expires after five minutes and ignores case") {
  SUBCASE("wrong answer") {
    Login l;
    CHECK(l.refused(l.png, "1234").code() == Errc::captcha_wrong);
  }
  SUBCASE("used twice") {
    Login l;
    json::object args = l.login_args("7777", {});
    l.w.call("session.login", args, {}, l.png);
    CHECK(l.w.fail("session.login", args, {}, l.png).code() == Errc::captcha_expired);
  }
  SUBCASE("a wrong answer uses the captcha up too") {
    Login l;
    json::object args = l.login_args("1234", {});
    CHECK(l.w.fail("session.login", args, {}, l.png).code() == Errc::captcha_wrong);
    args["captcha_answer"] = "7777";
    CHECK(l.w.fail("session.login", args, {}, l.png).code() == Errc::captcha_expired);
  }
  SUBCASE("expired") {
    Login l;
    const json::object args = l.login_args("7777", {});
    l.w.advance_seconds(301);
    CHECK(l.w.fail("session.login", args, {}, l.png).code() == Errc::captcha_expired);
  }
  SUBCASE("unknown id") {
    Login l;
    CHECK(l.w.fail("session.login", {{"captcha_id", "nope"}, {"captcha_answer", "7777"}}, {}, l.png)
              .code() == Errc::captcha_expired);
  }
  SUBCASE("letters in either case") {
    World w([](Options& o) { o.captcha_answer = "acde"; });
    const std::string png = w.issue_credential(w.register_unit(), "first", kToday);
    const std::string id(w.call("session.captcha", {}, {}).at("captcha_id").as_string());
    w.call("session.login", {{"captcha_id", id}, {"captcha_answer", "aCdE"}}, {}, png);
  }
}

TEST_CASE("a random captcha is a picture whose answer is not in the result") {
  World w;
  const auto [result, png] = w.call_data("session.captcha", {}, {});
  CHECK_FALSE(result.contains("test_mode"));
  const image::Grey g = image::decode(png);
  CHECK(g.width == 160);
  CHECK(g.height == 60);
  CHECK(w.count("SELECT count(*) FROM captchas WHERE length(answer_hash) = 64") == 1);
}

// --- attempt limits -----------------------------------------------------------

TEST_CASE("failed attempts from one address slow that address down, and only it") {
  Login l;
  for (int i = 0; i < 5; ++i)
    CHECK(l.refused("不是图片", "7777", "10.0.0.9").code() == Errc::not_an_image);
  const Error e = l.refused(l.png, "7777", "10.0.0.9");
  CHECK(e.code() == Errc::too_many_attempts);
  CHECK(says(e, "30秒"));
  l.login(l.png, "10.0.0.10");  // another address is not held up
  l.w.advance_seconds(31);
  l.login(l.png, "10.0.0.9");
}

TEST_CASE("failed attempts with one credential slow that credential down, from any address") {
  Login l;
  for (int i = 0; i < 5; ++i) {
    CHECK(l.refused(l.png, "1111", "10.0.1." + std::to_string(i)).code() == Errc::captcha_wrong);
  }
  CHECK(l.refused(l.png, "7777", "10.0.2.1").code() == Errc::too_many_attempts);
  l.w.advance_seconds(31);
  // The delay grows: one more failure, then a minute to wait.
  CHECK(l.refused(l.png, "1111", "10.0.2.2").code() == Errc::captcha_wrong);
  l.w.advance_seconds(31);
  CHECK(l.refused(l.png, "7777", "10.0.2.3").code() == Errc::too_many_attempts);
  l.w.advance_seconds(30);
  l.login(l.png, "10.0.2.4");
  // A success starts the count again.
  CHECK(l.w.count("SELECT count(*) FROM throttles WHERE scope LIKE 'credential:%'") == 0);
}

TEST_CASE("a forged credential naming a unit's id does not lock that unit out") {
  Login l;
  const credential::Parsed good = credential::parse(text_of(l.png));
  const credential::KeyPair other = credential::generate_key();
  credential::Claims claims = good.claims;
  claims.kid = credential::key_id(other.public_key);
  const std::string forged = qr_png(credential::sign(claims, other));
  for (int i = 0; i < 8; ++i) CHECK(l.refused(forged).code() == Errc::unknown_key);
  l.login(l.png);
}

// --- sessions -----------------------------------------------------------------

TEST_CASE("a session ends after 30 idle minutes, and activity keeps it") {
  Login l;
  const std::string token = l.committed();
  l.w.advance_seconds(20 * 60);
  l.w.call("unit.history", {}, Login::session(token));
  l.w.advance_seconds(20 * 60);
  l.w.call("session.get", {}, Login::session(token));
  l.w.advance_seconds(31 * 60);
  CHECK(l.w.code_of("session.get", {}, Login::session(token)) == Errc::session_expired);
}

TEST_CASE("a short idle limit still sees every command's activity") {
  World w([](Options& o) {
    o.captcha_answer = "7777";
    o.session_idle_seconds = 10;
  });
  const std::string png = w.issue_credential(w.register_unit(), "first", kToday);
  const std::string id(w.call("session.captcha", {}, {}).at("captcha_id").as_string());
  const std::string token(
      w.call("session.login", {{"captcha_id", id}, {"captcha_answer", "7777"}}, {}, png)
          .at("token")
          .as_string());
  for (int i = 0; i < 10; ++i) {
    w.advance_seconds(6);
    w.call("session.get", {}, Login::session(token));
  }
  w.advance_seconds(11);
  CHECK(w.code_of("session.get", {}, Login::session(token)) == Errc::session_expired);
}

TEST_CASE("a session ends eight hours after login whatever happens") {
  Login l;
  const std::string token = l.committed();
  // A command every 29 minutes, never idle for 30, until 8 h 13 min.
  for (int minutes = 29; minutes < 8 * 60; minutes += 29) {
    l.w.advance_seconds(29 * 60);
    l.w.call("session.get", {}, Login::session(token));
  }
  l.w.advance_seconds(29 * 60);
  CHECK(l.w.code_of("session.get", {}, Login::session(token)) == Errc::session_expired);
}

TEST_CASE("logging out ends the session") {
  Login l;
  const std::string token = l.login(l.png);
  l.w.call("session.logout", {}, Login::session(token));
  CHECK(l.w.code_of("session.get", {}, Login::session(token)) == Errc::session_expired);
  CHECK(l.w.count("SELECT count(*) FROM sessions WHERE end_reason = 'logout'") == 1);
}

TEST_CASE("issuing a picture for 遗失 ends the old picture's sessions at once") {
  Login l;
  const std::string token = l.committed();
  l.issue(l.uscc, "lost");
  CHECK(l.w.code_of("unit.history", {}, Login::session(token)) == Errc::session_expired);
  CHECK(l.w.count("SELECT count(*) FROM sessions WHERE end_reason = 'credential_revoked'") == 1);
}

TEST_CASE("a live session is refused once its credential or its unit is, whoever changed them") {
  // The commands that revoke also end the sessions; another program writing
  // the file need not. The session is read together with its unit and its
  // credential, and each is checked on every request.
  Login l;
  const std::string token = l.committed();
  CHECK(l.w.call("session.get", {}, Login::session(token)).at("session").at("unit").at("uscc") ==
        json::value(l.uscc));
  SUBCASE("the credential") {
    l.w.exec("UPDATE credentials SET status = 'revoked', revoked_at = '2026-01-06T00:00:00Z'");
    CHECK(l.w.code_of("session.get", {}, Login::session(token)) == Errc::session_expired);
  }
  SUBCASE("the unit") {
    l.w.exec("UPDATE units SET revoked = true");
    CHECK(l.w.code_of("session.get", {}, Login::session(token)) == Errc::unit_revoked);
  }
  CHECK(l.w.count("SELECT count(*) FROM sessions WHERE ended_at = ''") == 1);
}

TEST_CASE("tokens that name no session are refused alike") {
  Login l;
  for (const char* token : {"", "abc", "0000000000000000000000000000000000000000000",
                            "M2qeRxrj7vEx6OmgLnmFkf4PC3Cn_QbW2EaRYTjZgMI"}) {
    CHECK(l.w.code_of("session.get", {}, Login::session(token)) == Errc::session_expired);
  }
  CHECK(l.w.code_of("session.logout", {}, staff("acc1")) == Errc::forbidden);
}

TEST_CASE("every login, failed or not, is in the audit log") {
  Login l;
  l.refused(l.png, "1111", "10.0.0.1");
  l.login(l.png, "10.0.0.1");
  CHECK(l.w.count("SELECT count(*) FROM audit WHERE command = 'session.login' AND "
                  "after_status = 'CAPTCHA_WRONG'") == 1);
  CHECK(l.w.count("SELECT count(*) FROM audit WHERE command = 'session.login' AND "
                  "after_status = 'logged_in'") == 1);
  CHECK(l.w.call("audit.verify", {}, system_actor()).at("intact").as_bool());
}

// --- moving an authority from Ed25519 to SM2 ------------------------------------

TEST_CASE("after a rotation to SM2 the Ed25519 pictures log in until their key is retired") {
  Login l;  // the unit's picture is signed by the authority's first, Ed25519 key
  const std::string old_kid(
      l.w.call("keys.list", {}, staff("admin")).at("keys").at(0).at("kid").as_string());
  const json::object rotated = l.w.call("keys.rotate", {{"suite", "sm2"}}, staff("admin"));
  CHECK(rotated.at("key").at("suite").as_string() == "sm2");
  const std::string second = l.w.register_unit("深圳市新设局");
  const std::string sm2_png = l.issue(second, "first");
  CHECK(credential::parse(text_of(sm2_png)).claims.suite == credential::Suite::sm2);
  CHECK(credential::parse(text_of(l.png)).claims.suite == credential::Suite::ed25519);

  l.login(l.png);
  l.login(sm2_png);

  l.w.call("keys.retire", {{"kid", old_kid}}, staff("admin"));
  CHECK(l.refused(l.png).code() == Errc::unknown_key);
  l.login(sm2_png);
  // 遗失 gives the unit of the old picture a new one, now SM2.
  const std::string replaced = l.issue(l.uscc, "lost");
  CHECK(credential::parse(text_of(replaced)).claims.suite == credential::Suite::sm2);
  l.login(replaced);
}

TEST_CASE("a login repeated with its idempotency key answers the first session again") {
  Login l;
  const json::object args = l.login_args("7777", "10.0.0.1");
  const json::object first = l.w.call("session.login", args, {}, l.png, "login-1");
  const json::object again = l.w.call("session.login", args, {}, l.png, "login-1");
  CHECK(again.at("token") == first.at("token"));
  CHECK(l.w.count("SELECT count(*) FROM sessions") == 1);
  // The key names that one request: another captcha with it is a conflict.
  CHECK(l.w.fail("session.login", l.login_args("7777", "10.0.0.1"), {}, l.png, "login-1").code() ==
        Errc::conflict);
}

TEST_CASE("a failed login with an idempotency key still counts, and is not replayed") {
  Login l;
  const json::object args = l.login_args("1111", "10.0.0.2");
  CHECK(l.w.fail("session.login", args, {}, l.png, "wrong-1").code() == Errc::captcha_wrong);
  // Not remembered: the repeat runs again, and finds its captcha used up.
  CHECK(l.w.fail("session.login", args, {}, l.png, "wrong-1").code() == Errc::captcha_expired);
  CHECK(l.w.count("SELECT count(*) FROM audit WHERE command = 'session.login'") == 2);
}

TEST_CASE(
    "a captcha asked for again with the same idempotency key is a new one, with its picture") {
  Login l;
  const auto [first, first_png] = l.w.call_data("session.captcha", {}, {}, {}, "captcha-1");
  const auto [again, again_png] = l.w.call_data("session.captcha", {}, {}, {}, "captcha-1");
  CHECK(first.at("captcha_id") != again.at("captcha_id"));
  CHECK(!again_png.empty());
  CHECK(l.w.count("SELECT count(*) FROM audit WHERE command = 'session.captcha'") == 2);
}

TEST_CASE("one client address gets 20 captchas at once, then one every 3 s; others are not held") {
  World w;
  const json::object a{{"client", "203.0.113.1"}};
  for (int i = 0; i < 20; ++i) w.call("session.captcha", a, {});
  const Error e = w.fail("session.captcha", a, {});
  CHECK(e.code() == Errc::too_many_attempts);
  CHECK(e.message() == "获取验证码过于频繁，请3秒后再试");
  // Refused before anything is written.
  CHECK(w.count("SELECT count(*) FROM captchas") == 20);
  w.call("session.captcha", {{"client", "203.0.113.2"}}, {});
  w.advance_seconds(3);
  w.call("session.captcha", a, {});
  CHECK(w.count("SELECT count(*) FROM captchas") == 22);
}

TEST_CASE("open sessions are counted: a logout or the idle limit closes one") {
  Login l;
  CHECK(l.w.engine().open_sessions().unit == 0);
  const std::string first = l.login(l.png);
  l.w.advance_seconds(60);
  const std::string second = l.login(l.png);
  CHECK(l.w.engine().open_sessions().unit == 2);
  CHECK(l.w.engine().open_sessions().staff == 0);
  l.w.call("session.logout", {}, Login::session(first));
  CHECK(l.w.engine().open_sessions().unit == 1);
  // The second was seen 60 s after the first: idle 30 minutes from then.
  l.w.advance_seconds(30 * 60 - 1);
  CHECK(l.w.engine().open_sessions().unit == 1);
  l.w.advance_seconds(1);
  CHECK(l.w.engine().open_sessions().unit == 0);
}

}  // namespace
}  // namespace fuma::test
