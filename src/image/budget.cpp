// SPDX-License-Identifier: Apache-2.0
#include "image/budget.hpp"

#include <string>
#include <utility>

#include "fuma/error.hpp"

namespace fuma::image {

PixelBudget::PixelBudget(std::uint64_t pixels, std::chrono::milliseconds wait)
    : total_(pixels), wait_(wait) {
  if (pixels == 0) {
    throw Error(Errc::invalid_argument, "a pixel budget of 0 pixels would decode nothing",
                "图片解码像素总量应至少为1");
  }
}

PixelBudget::Reservation::Reservation(Reservation&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), pixels_(std::exchange(other.pixels_, 0)) {}

PixelBudget::Reservation& PixelBudget::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    release();
    budget_ = std::exchange(other.budget_, nullptr);
    pixels_ = std::exchange(other.pixels_, 0);
  }
  return *this;
}

PixelBudget::Reservation::~Reservation() { release(); }

void PixelBudget::Reservation::release() noexcept {
  if (budget_ != nullptr) budget_->give_back(pixels_);
  budget_ = nullptr;
  pixels_ = 0;
}

PixelBudget::Reservation PixelBudget::reserve(std::uint64_t pixels) {
  if (pixels > total_) {
    throw Error(Errc::image_too_large, "decode: " + std::to_string(pixels) +
                                           " pixels exceed the whole decode budget of " +
                                           std::to_string(total_));
  }
  std::unique_lock<std::mutex> lock(mutex_);
  // First come, first served: a large picture is not overtaken for ever by
  // small ones, and each waits only for those before it.
  const auto place = queue_.insert(queue_.end(), pixels);
  const bool fits = changed_.wait_for(
      lock, wait_, [&] { return place == queue_.begin() && held_ + pixels <= total_; });
  queue_.erase(place);
  // Whether it got in or gave up, the next in line may now go.
  changed_.notify_all();
  if (!fits) {
    throw Error(Errc::too_many_attempts,
                "decode: " + std::to_string(pixels) + " pixels waited " +
                    std::to_string(wait_.count()) + " ms for the decode budget of " +
                    std::to_string(total_) + " pixels (" + std::to_string(held_) + " held, " +
                    std::to_string(queue_.size()) + " waiting)",
                "同时提交的图片较多，系统繁忙，请稍后再试");
  }
  held_ += pixels;
  return Reservation(this, pixels);
}

void PixelBudget::give_back(std::uint64_t pixels) noexcept {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    held_ -= pixels;
  }
  changed_.notify_all();
}

std::uint64_t PixelBudget::held() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return held_;
}

std::size_t PixelBudget::waiting() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

}  // namespace fuma::image
