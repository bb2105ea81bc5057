// SPDX-License-Identifier: Apache-2.0
// image::PixelBudget: the pixels all decodes may hold at once. Each waiting
// case waits for a state (a reservation queued, one granted) with a
// generous deadline, never for a length of time.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "credential/credential.hpp"
#include "fuma/error.hpp"
#include "image/budget.hpp"
#include "image/image.hpp"
#include "support/image_variants.hpp"

using fuma::Errc;
using fuma::Error;
using fuma::image::PixelBudget;
using namespace std::chrono_literals;

namespace {

// Long enough that no waiting case below can run out of it, however loaded
// the machine: those cases end by a release, not by the wait running out.
constexpr std::chrono::milliseconds kLongWait = 10min;

// Polls until `done` holds; fails the test after a minute.
void eventually(const std::function<bool()>& done, const char* what) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) FAIL("never: " << what);
    std::this_thread::sleep_for(1ms);
  }
}

// A reservation made on its own thread, held until release().
class Holder {
 public:
  Holder(PixelBudget& budget, std::uint64_t pixels)
      : thread_([this, &budget, pixels] {
          try {
            PixelBudget::Reservation r = budget.reserve(pixels);
            granted_ = true;
            while (!released_) std::this_thread::sleep_for(1ms);
          } catch (const Error&) {
          }
          done_ = true;
        }) {}
  ~Holder() {
    released_ = true;
    thread_.join();
  }
  bool granted() const { return granted_; }
  bool done() const { return done_; }
  void release() { released_ = true; }

 private:
  std::atomic<bool> granted_{false};
  std::atomic<bool> released_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("a reservation that does not fit waits until others release their pixels") {
  PixelBudget budget(100, kLongWait);
  std::optional<PixelBudget::Reservation> first = budget.reserve(60);
  CHECK(budget.held() == 60);
  Holder second(budget, 50);
  eventually([&] { return budget.waiting() == 1; }, "the second reservation queues");
  CHECK_FALSE(second.granted());
  CHECK(budget.held() == 60);
  first.reset();
  eventually([&] { return second.granted(); }, "the second reservation is granted");
  CHECK(budget.held() == 50);
  second.release();
  eventually([&] { return second.done(); }, "the second reservation ends");
  CHECK(budget.held() == 0);
}

TEST_CASE("reservations that fit together are held together") {
  PixelBudget budget(100, kLongWait);
  const PixelBudget::Reservation a = budget.reserve(40);
  const PixelBudget::Reservation b = budget.reserve(60);
  CHECK(budget.held() == 100);
  CHECK(budget.waiting() == 0);
}

TEST_CASE("a later small reservation does not overtake an earlier large one") {
  PixelBudget budget(100, kLongWait);
  std::optional<PixelBudget::Reservation> first = budget.reserve(60);
  Holder large(budget, 50);
  eventually([&] { return budget.waiting() == 1; }, "the large reservation queues");
  // 10 would fit beside the 60, but the 50 came first.
  Holder small(budget, 10);
  eventually([&] { return budget.waiting() == 2; }, "the small reservation queues behind it");
  CHECK_FALSE(small.granted());
  first.reset();
  eventually([&] { return large.granted() && small.granted(); }, "both are granted in turn");
  CHECK(budget.held() == 60);
}

TEST_CASE("more pixels than the whole budget are refused at once as image_too_large") {
  PixelBudget budget(100, kLongWait);
  const PixelBudget::Reservation held = budget.reserve(100);
  try {
    budget.reserve(101);
    FAIL("a reservation over the whole budget was granted");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::image_too_large);
    CHECK(e.detail().find("101 pixels exceed the whole decode budget of 100") != std::string::npos);
  }
  CHECK(budget.held() == 100);
  CHECK(budget.waiting() == 0);
}

TEST_CASE("a reservation still not fitting when its wait is over is refused as busy") {
  PixelBudget budget(100, 20ms);
  const PixelBudget::Reservation held = budget.reserve(100);
  try {
    budget.reserve(1);
    FAIL("a reservation beyond the budget was granted");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::too_many_attempts);
    CHECK(e.message() == "同时提交的图片较多，系统繁忙，请稍后再试");
    CHECK(e.detail().find("waited 20 ms for the decode budget of 100 pixels") != std::string::npos);
  }
  // Nothing was taken, and the queue forgets it.
  CHECK(budget.held() == 100);
  CHECK(budget.waiting() == 0);
}

TEST_CASE("a reservation is given back when what holds it throws") {
  PixelBudget budget(100, kLongWait);
  try {
    const PixelBudget::Reservation held = budget.reserve(80);
    throw std::runtime_error("decoding failed");
  } catch (const std::runtime_error&) {
  }
  CHECK(budget.held() == 0);
  // Moved, it is given back once, by its last owner.
  PixelBudget::Reservation a = budget.reserve(30);
  PixelBudget::Reservation b = std::move(a);
  CHECK(budget.held() == 30);
  b = PixelBudget::Reservation();
  CHECK(budget.held() == 0);
}

TEST_CASE("a budget of no pixels is refused") { CHECK_THROWS_AS(PixelBudget(0, kLongWait), Error); }

TEST_CASE("credential::scan reserves a picture's declared pixels and gives them back") {
  PixelBudget budget(1000 * 1000, kLongWait);
  const fuma::image::Limits limits;
  // A picture without a code: decoded and read, then refused.
  const std::string blank = fuma::image::encode_png(fuma::test::blank(400, 300));
  CHECK(fuma::image::declared_pixels(blank, limits) == 400 * 300);
  try {
    fuma::credential::scan(blank, limits, &budget);
    FAIL("a blank picture scanned");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::no_qr_found);
  }
  CHECK(budget.held() == 0);
  // A header and no pixels: refused while decoding, after the reservation.
  const std::string header_only = blank.substr(0, 33);
  CHECK(fuma::image::declared_pixels(header_only, limits) == 400 * 300);
  CHECK_THROWS_AS(fuma::credential::scan(header_only, limits, &budget), Error);
  CHECK(budget.held() == 0);
  // Bigger than the whole budget, within the picture limit: image_too_large.
  const std::string big = fuma::image::encode_png(fuma::test::blank(1001, 1000));
  try {
    fuma::credential::scan(big, limits, &budget);
    FAIL("a picture over the budget scanned");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::image_too_large);
  }
  CHECK(budget.held() == 0);
}

TEST_CASE("credential::scan waits for the pixels other scans hold") {
  PixelBudget budget(400 * 300, kLongWait);
  std::optional<PixelBudget::Reservation> other = budget.reserve(1);
  const std::string blank = fuma::image::encode_png(fuma::test::blank(400, 300));
  std::atomic<bool> done{false};
  std::thread scanning([&] {
    try {
      fuma::credential::scan(blank, fuma::image::Limits{}, &budget);
    } catch (const Error&) {
    }
    done = true;
  });
  eventually([&] { return budget.waiting() == 1; }, "the scan queues for its pixels");
  CHECK_FALSE(done);
  other.reset();
  eventually([&] { return done.load(); }, "the scan runs once they are free");
  scanning.join();
  CHECK(budget.held() == 0);
}
