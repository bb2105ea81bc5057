// SPDX-License-Identifier: Apache-2.0
#include "engine/rate_limit.hpp"

#include <doctest/doctest.h>

#include <string>

using fuma::engine::RateLimit;
using std::chrono::seconds;

namespace {
RateLimit::TimePoint at(std::int64_t s) { return RateLimit::TimePoint(seconds(s)); }
}  // namespace

TEST_CASE("a rate limit lets a key make its burst at once, then one a refill") {
  RateLimit limit(20, seconds(60));  // 20 at once, then one every 3 s
  for (int i = 0; i < 20; ++i) CHECK(limit.take("203.0.113.1", at(1000)) == seconds(0));
  CHECK(limit.take("203.0.113.1", at(1000)) == seconds(3));
  // A refused request costs nothing: the wait only shrinks.
  CHECK(limit.take("203.0.113.1", at(1001)) == seconds(2));
  CHECK(limit.take("203.0.113.1", at(1003)) == seconds(0));
  CHECK(limit.take("203.0.113.1", at(1003)) == seconds(3));
  // Another key has its own bucket.
  CHECK(limit.take("203.0.113.2", at(1003)) == seconds(0));
  // A quiet minute fills the bucket again, and no more than that.
  for (int i = 0; i < 20; ++i) CHECK(limit.take("203.0.113.1", at(5000)) == seconds(0));
  CHECK(limit.take("203.0.113.1", at(5000)) > seconds(0));
}

TEST_CASE("a clock set back does not drain a rate limit's bucket") {
  RateLimit limit(2, seconds(60));
  CHECK(limit.take("k", at(1000)) == seconds(0));
  CHECK(limit.take("k", at(900)) == seconds(0));
  CHECK(limit.take("k", at(900)) > seconds(0));
}

TEST_CASE("a rate limit forgets idle keys once it holds many") {
  RateLimit limit(1, seconds(60));
  for (std::size_t i = 0; i <= RateLimit::kSweepAbove; ++i) limit.take(std::to_string(i), at(0));
  CHECK(limit.size() == RateLimit::kSweepAbove + 1);
  // A minute later every bucket has refilled: the next take sweeps them.
  CHECK(limit.take("late", at(61)) == seconds(0));
  CHECK(limit.size() == 1);
}
