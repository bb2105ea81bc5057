// Logging in from an 800 x 800 PNG, end to end (decode, verify, captcha,
// session written durably), against decoding the same picture alone, in the
// same run and interleaved, so both see the same machine. A plain program:
// every login changes the file.
//
//   fuma-bench-login [rounds]        (default 400)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "fuma/engine.hpp"
#include "image/image.hpp"
#include "support/image_variants.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace fuma::bench;
using Clock = std::chrono::steady_clock;

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(10, std::atoi(argv[1])) : 400;
  fuma::test::TempDir dir;
  fuma::Options options;
  options.path = dir.file("fuma.db");
  options.captcha_answer = "7777";
  fuma::Engine engine(options);

  const json::object acc = setup_acceptor(engine);
  const std::string issued = unit_with_picture(engine, acc);

  // The issued picture brought to 800 x 800, as a unit's saved copy might be.
  const fuma::image::Grey original = fuma::image::decode(issued);
  fuma::image::Grey big = fuma::test::scaled(original, 800.0 / original.width);
  const std::string png = fuma::test::as_png(big);
  std::printf("picture: %dx%d PNG, %zu bytes\n", big.width, big.height, png.size());

  // Captchas are drawn before the clock starts: a separate request.
  std::vector<std::string> captchas;
  for (int i = 0; i < rounds; ++i) {
    captchas.emplace_back(call(engine, "session.captcha", {}, {}).at("captcha_id").as_string());
  }

  std::vector<double> decode_us;
  std::vector<double> login_us;
  auto micros = [](Clock::duration d) {
    return std::chrono::duration<double, std::micro>(d).count();
  };
  for (int i = 0; i < rounds; ++i) {
    const auto t0 = Clock::now();
    const auto texts = fuma::image::read_qr(fuma::image::decode(png));
    const auto t1 = Clock::now();
    if (texts.size() != 1) {
      std::fprintf(stderr, "decode found %zu codes\n", texts.size());
      return 1;
    }
    call(engine, "session.login",
         {{"captcha_id", captchas[static_cast<std::size_t>(i)]},
          {"captcha_answer", "7777"},
          {"client", "10.0.0.1"}},
         {}, png);
    const auto t2 = Clock::now();
    decode_us.push_back(micros(t1 - t0));
    login_us.push_back(micros(t2 - t1));
  }
  const double d = median(decode_us);
  const double l = median(login_us);
  std::printf("decode alone: median %.0f us, p90 %.0f us\n", d, percentile(decode_us, 0.9));
  std::printf("whole login:  median %.0f us, p90 %.0f us\n", l, percentile(login_us, 0.9));
  std::printf("login / decode: %.3f (target <= 1.25) over %d rounds\n", l / d, rounds);
  return 0;
}
