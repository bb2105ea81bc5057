// SPDX-License-Identifier: Apache-2.0
// A ceiling on the pixels being decoded at once, so that many pictures
// arriving together cannot take the process's memory with them: each
// picture's limit (image::Limits) bounds one decode, the budget bounds all
// of them. A decode reserves its pixels, known from the header before any
// is decoded, for as long as it and what reads the pixels (the QR reader)
// run; a reservation that does not fit waits, in order of arrival, for
// earlier ones to end, up to a bounded time.
#ifndef FUMA_SRC_IMAGE_BUDGET_HPP
#define FUMA_SRC_IMAGE_BUDGET_HPP

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <mutex>

namespace fuma::image {

// What decoding and reading a picture costs at most, in bytes of memory per
// pixel the picture declares (measured for each format, the QR reader
// included: a colour GIF or PNG with transparency is the worst). The memory
// pictures take at once is at most this times the budget.
constexpr std::uint64_t kBytesPerPixel = 12;

class PixelBudget {
 public:
  // `pixels` at once (at least 1); a reservation waits at most `wait`.
  PixelBudget(std::uint64_t pixels, std::chrono::milliseconds wait);
  PixelBudget(const PixelBudget&) = delete;
  PixelBudget& operator=(const PixelBudget&) = delete;

  // Pixels held until it is destroyed or moved from.
  class Reservation {
   public:
    Reservation() = default;
    Reservation(Reservation&& other) noexcept;
    Reservation& operator=(Reservation&& other) noexcept;
    ~Reservation();
    std::uint64_t pixels() const noexcept { return pixels_; }

   private:
    friend class PixelBudget;
    Reservation(PixelBudget* budget, std::uint64_t pixels) : budget_(budget), pixels_(pixels) {}
    void release() noexcept;
    PixelBudget* budget_ = nullptr;
    std::uint64_t pixels_ = 0;
  };

  // Holds `pixels` of the budget, waiting for earlier reservations to end
  // while they do not fit. Throws fuma::Error: image_too_large for more
  // pixels than the whole budget (it would never fit), at once;
  // too_many_attempts when the wait is over and they still do not fit
  // (nothing is held then).
  Reservation reserve(std::uint64_t pixels);

  std::uint64_t total() const noexcept { return total_; }
  std::chrono::milliseconds wait() const noexcept { return wait_; }
  // Pixels held now, and reservations waiting now (for tests and logs).
  std::uint64_t held() const;
  std::size_t waiting() const;

 private:
  void give_back(std::uint64_t pixels) noexcept;

  const std::uint64_t total_;
  const std::chrono::milliseconds wait_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t held_ = 0;
  // The reservations waiting, first come first; each the pixels it wants.
  std::list<std::uint64_t> queue_;
};

}  // namespace fuma::image

#endif  // FUMA_SRC_IMAGE_BUDGET_HPP
