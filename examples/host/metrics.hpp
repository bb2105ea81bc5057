// SPDX-License-Identifier: Apache-2.0
// fuma-host's metrics, served at GET /metrics in the Prometheus text
// exposition format, version 0.0.4: a small registry of counters and
// histograms that requests and commands update as they end, and gauges read
// from the engine when the page is made.
//
// No label value comes from a request as it was sent: routes are patterns
// ("/api/{command}", routes.hpp route_pattern), commands are names the
// engine declares, codes are the engine's and the host's error codes. The
// number of series is therefore bounded whatever clients send, and no unit's
// data ever appears in a label.
//
// Threads: every member may be called from any thread. A request's update
// takes a shared lock to find its series (an exclusive one only the first
// time a series is seen) and adds to atomics.
#ifndef FUMA_HOST_METRICS_HPP
#define FUMA_HOST_METRICS_HPP

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "fuma/engine.hpp"

namespace fuma::host {

// The upper bounds of the latency histograms' buckets, in seconds: from a
// page served from memory (well under a millisecond) to a write waiting for
// a busy disk.
inline constexpr std::array<double, 14> kLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// Text of the exposition format (exposed for the tests of the format).
namespace exposition {
// A label value: backslash, double quote and line feed escaped.
std::string label_value(std::string_view value);
// A HELP text: backslash and line feed escaped.
std::string help_text(std::string_view text);
// A sample value: the shortest decimal that reads back as `value`;
// "+Inf", "-Inf", "NaN" as the format spells them.
std::string number(double value);
}  // namespace exposition

// Counters or histograms of one name, one series per set of label values.
class Family {
 public:
  enum class Type { counter, histogram };
  Family(std::string name, std::string help, Type type, std::vector<std::string> labels);

  // Adds 1 to the counter with these label values (in the order of the
  // labels given to the constructor).
  void increment(std::initializer_list<std::string_view> values);
  // Records one observation, in seconds, in the histogram with these values.
  void observe(std::initializer_list<std::string_view> values, double seconds);

  // Appends the HELP and TYPE lines and every series, in label order.
  void render(std::string& out) const;

 private:
  struct Series {
    std::atomic<std::uint64_t> count{0};  // a counter's value
    // A histogram's observations by bucket, not yet cumulative: the last
    // one is above every bound. Rendering adds them up, so the +Inf bucket
    // equals _count in every page, whatever is observed meanwhile.
    std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size() + 1> buckets{};
    std::atomic<std::uint64_t> sum_ns{0};
  };
  Series& series(std::initializer_list<std::string_view> values);

  const std::string name_;
  const std::string help_;
  const Type type_;
  const std::vector<std::string> labels_;
  mutable std::shared_mutex mutex_;
  // Keyed by the label values joined with '\0', which no value holds.
  std::map<std::string, std::unique_ptr<Series>, std::less<>> series_;
};

class Metrics {
 public:
  Metrics();

  // One answered request: the route's pattern, the status sent and the time
  // from the end of its header to the answer's last byte written (as the
  // access log's ms).
  void request(std::string_view route, unsigned status, std::chrono::microseconds took);
  // One engine command run for the API: its name, "OK" or the error code
  // of its answer, and the time the engine took.
  void command(std::string_view name, std::string_view code, std::chrono::microseconds took);
  // Connections accepted and not yet closed.
  void connection_opened();
  void connection_closed();

  // The page: fuma_host_info names the host `host_id`; the engine's
  // statistics and, when the store answered, its open sessions (nullopt: it
  // did not, and fuma_store_up is 0).
  std::string render(std::string_view host_id, const Statistics& engine,
                     const std::optional<OpenSessions>& sessions) const;

 private:
  const double started_;  // seconds since the epoch
  std::atomic<std::int64_t> connections_{0};
  Family requests_;
  Family request_seconds_;
  Family commands_;
  Family command_seconds_;
};

}  // namespace fuma::host

#endif  // FUMA_HOST_METRICS_HPP
