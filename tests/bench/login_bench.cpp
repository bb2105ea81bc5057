// SPDX-License-Identifier: Apache-2.0
// Logging in from an 800 x 800 PNG, end to end (decode, verify, captcha,
// session written durably), against decoding the same picture alone, for
// an Ed25519 and an SM2 credential of one authority (its key rotated from
// Ed25519 to SM2 between the two), in the same run and interleaved, so all
// see the same machine; and the two suites' signing and verifying alone.
// A plain program: every login changes the file.
//
//   fuma-bench-login [rounds]        (default 400)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "credential/credential.hpp"
#include "fuma/engine.hpp"
#include "image/image.hpp"
#include "support/image_variants.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace fuma::bench;
using Clock = std::chrono::steady_clock;
using fuma::credential::Suite;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// The issued picture brought to 800 x 800, as a unit's saved copy might be.
std::string saved_copy(const std::string& issued) {
  const fuma::image::Grey original = fuma::image::decode(issued);
  return fuma::test::as_png(fuma::test::scaled(original, 800.0 / original.width));
}

std::string picture_of_new_unit(fuma::Engine& e, const json::object& acc, const std::string& name) {
  const std::string uscc(register_unit(e, acc, name, "深圳市福田区").at("uscc").as_string());
  const auto request = request_credential(e, acc, uscc, "2026-01-05");
  std::string png;
  call(e, "credential.issue",
       {{"request", request.at("request").at("id")}, {"delivery", "on_site"}}, acc, {}, &png);
  return png;
}

struct Timings {
  std::vector<double> sign_us, verify_us;
};

// credential::sign and verify alone, `rounds` times each.
void time_crypto(Suite suite, int rounds, Timings& t) {
  const fuma::credential::KeyPair key = fuma::credential::generate_key(suite);
  fuma::credential::Claims claims;
  claims.kid = fuma::credential::key_id(key.public_key, suite);
  claims.uscc = "11440300MB2C92805B";
  claims.id = 12345;
  claims.generation = 1;
  claims.issued_at = 1'795'000'000;
  const fuma::credential::PublicKey public_key{suite, key.public_key, key.distinguishing_id};
  for (int i = 0; i < rounds; ++i) {
    const auto t0 = Clock::now();
    const std::string text = fuma::credential::sign(claims, key);
    const auto t1 = Clock::now();
    const fuma::credential::Parsed p = fuma::credential::parse(text);
    const auto t2 = Clock::now();
    if (!fuma::credential::verify(p, public_key)) std::abort();
    const auto t3 = Clock::now();
    t.sign_us.push_back(micros(t1 - t0));
    t.verify_us.push_back(micros(t3 - t2));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(10, std::atoi(argv[1])) : 400;

  Timings crypto[2];
  for (int i = 0; i < 4; ++i) {  // interleaved in blocks
    time_crypto(Suite::ed25519, rounds / 2, crypto[0]);
    time_crypto(Suite::sm2, rounds / 2, crypto[1]);
  }
  for (int s = 0; s < 2; ++s) {
    std::printf("%-8s sign: median %.1f us   verify: median %.1f us (%zu each)\n",
                s == 0 ? "Ed25519" : "SM2", median(crypto[s].sign_us), median(crypto[s].verify_us),
                crypto[s].verify_us.size());
  }

  fuma::test::TempDir dir;
  fuma::Options options;
  options.path = dir.file("fuma.db");
  options.captcha_answer = "7777";
  fuma::Engine engine(options);
  const json::object acc = setup_acceptor(engine);
  const std::string pngs[2] = {
      saved_copy(picture_of_new_unit(engine, acc, "深圳市某局")), [&] {
        call(engine, "keys.rotate", {{"authority", "sz"}, {"suite", "sm2"}}, {{"system", true}});
        return saved_copy(picture_of_new_unit(engine, acc, "深圳市另一局"));
      }()};
  std::printf("pictures: 800x800 PNG, %zu bytes (Ed25519), %zu bytes (SM2)\n", pngs[0].size(),
              pngs[1].size());

  // Captchas are drawn before the clock starts: a separate request.
  std::vector<std::string> captchas;
  for (int i = 0; i < 2 * rounds; ++i) {
    captchas.emplace_back(call(engine, "session.captcha", {}, {}).at("captcha_id").as_string());
  }

  std::vector<double> decode_us[2];
  std::vector<double> login_us[2];
  for (int i = 0; i < 2 * rounds; ++i) {
    // A B B A: neither suite always follows the other's durable write.
    const int s = (i % 4 == 0 || i % 4 == 3) ? 0 : 1;
    const auto t0 = Clock::now();
    const auto texts = fuma::image::read_qr(fuma::image::decode(pngs[s]));
    const auto t1 = Clock::now();
    if (texts.size() != 1) {
      std::fprintf(stderr, "decode found %zu codes\n", texts.size());
      return 1;
    }
    call(engine, "session.login",
         {{"captcha_id", captchas[static_cast<std::size_t>(i)]},
          {"captcha_answer", "7777"},
          {"client", "10.0.0.1"}},
         {}, pngs[s]);
    const auto t2 = Clock::now();
    decode_us[s].push_back(micros(t1 - t0));
    login_us[s].push_back(micros(t2 - t1));
  }
  for (int s = 0; s < 2; ++s) {
    const double d = median(decode_us[s]);
    const double l = median(login_us[s]);
    std::printf(
        "%-8s decode alone: median %.0f us, p90 %.0f us; whole login: median %.0f us, "
        "p90 %.0f us; login / decode %.3f (target <= 1.25); verify %.1f%% of login\n",
        s == 0 ? "Ed25519" : "SM2", d, percentile(decode_us[s], 0.9), l,
        percentile(login_us[s], 0.9), l / d, 100.0 * median(crypto[s].verify_us) / l);
  }
  std::printf("SM2 login / Ed25519 login: %.3f (target <= 1.1) over %d rounds each\n",
              median(login_us[1]) / median(login_us[0]), rounds);
  return 0;
}
