// SPDX-License-Identifier: Apache-2.0
#include "rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace fuma::engine {

double RateLimit::refilled(const Bucket& b, TimePoint now) const {
  const double elapsed = std::chrono::duration<double>(now - b.at).count();
  const double per_second = burst_ / static_cast<double>(period_.count());
  // A clock set back refills nothing rather than draining.
  return std::min(burst_, b.tokens + std::max(0.0, elapsed) * per_second);
}

std::chrono::seconds RateLimit::take(const std::string& key, TimePoint now) {
  std::lock_guard lock(mutex_);
  if (buckets_.size() > kSweepAbove) {
    // A key whose bucket has refilled is as good as a new one: forget it.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      it = refilled(it->second, now) >= burst_ ? buckets_.erase(it) : std::next(it);
    }
  }
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  b.tokens = refilled(b, now);
  b.at = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::chrono::seconds(0);
  }
  const double per_second = burst_ / static_cast<double>(period_.count());
  // Less a hair: a refill of exactly whole seconds must not round up to one more.
  const auto wait = static_cast<std::int64_t>(std::ceil((1.0 - b.tokens) / per_second - 1e-9));
  return std::chrono::seconds(std::max<std::int64_t>(1, wait));
}

std::size_t RateLimit::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace fuma::engine
