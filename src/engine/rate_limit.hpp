// SPDX-License-Identifier: Apache-2.0
// How often one caller may do something cheap for it and costly for the
// service (an anonymous captcha is a durable write), counted in memory: a
// token bucket per key, `burst` deep, refilled at `burst` per `period`.
#ifndef FUMA_SRC_ENGINE_RATE_LIMIT_HPP
#define FUMA_SRC_ENGINE_RATE_LIMIT_HPP

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace fuma::engine {

class RateLimit {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  RateLimit(double burst, std::chrono::seconds period) : burst_(burst), period_(period) {}

  // Zero, counting the request, when `key` may make one at `now`; else how
  // long until it may (at least a second), counting nothing.
  std::chrono::seconds take(const std::string& key, TimePoint now);

  // Keys held; idle ones go once there are more than kSweepAbove.
  std::size_t size() const;
  static constexpr std::size_t kSweepAbove = 100000;

 private:
  struct Bucket {
    double tokens;
    TimePoint at;
  };
  double refilled(const Bucket& b, TimePoint now) const;

  const double burst_;
  const std::chrono::seconds period_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_RATE_LIMIT_HPP
