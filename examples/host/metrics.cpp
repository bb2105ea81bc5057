// SPDX-License-Identifier: Apache-2.0
#include "metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>

#include "fuma/version.h"

namespace fuma::host {

namespace exposition {

std::string label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string help_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char digits[32];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  return ec == std::errc() ? std::string(digits, end) : "NaN";
}

}  // namespace exposition

namespace {

void append_uint(std::string& out, std::uint64_t value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, ec == std::errc() ? end : digits);
}

// name{label="value",...}, or name alone without labels; `extra` is one
// more label already written out (a histogram's le="...").
void append_series_name(std::string& out, std::string_view name,
                        const std::vector<std::string>& labels, std::string_view key,
                        std::string_view extra = {}) {
  out += name;
  if (labels.empty() && extra.empty()) return;
  out += '{';
  std::size_t i = 0;
  for (const std::string& label : labels) {
    const std::size_t end = key.find('\0');
    if (i++ > 0) out += ',';
    out += label;
    out += "=\"";
    out += exposition::label_value(key.substr(0, end));
    out += '"';
    key = end == std::string_view::npos ? std::string_view() : key.substr(end + 1);
  }
  if (!extra.empty()) {
    if (!labels.empty()) out += ',';
    out += extra;
  }
  out += '}';
}

void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += exposition::help_text(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void append_gauge(std::string& out, std::string_view name, std::string_view help,
                  std::uint64_t value) {
  append_header(out, name, help, "gauge");
  out += name;
  out += ' ';
  append_uint(out, value);
  out += '\n';
}

double now_seconds() {
  using namespace std::chrono;
  return static_cast<double>(
             duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()) /
         1000.0;
}

double seconds(std::chrono::microseconds took) { return static_cast<double>(took.count()) / 1e6; }

}  // namespace

Family::Family(std::string name, std::string help, Type type, std::vector<std::string> labels)
    : name_(std::move(name)), help_(std::move(help)), type_(type), labels_(std::move(labels)) {}

Family::Series& Family::series(std::initializer_list<std::string_view> values) {
  // Made in a buffer each thread keeps: a request's update allocates
  // nothing once its series exists.
  thread_local std::string key;
  key.clear();
  bool first = true;
  for (std::string_view v : values) {
    if (!first) key += '\0';
    key += v;
    first = false;
  }
  {
    std::shared_lock lock(mutex_);
    if (const auto it = series_.find(key); it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = series_[key];
  if (!slot) slot = std::make_unique<Series>();
  return *slot;
}

void Family::increment(std::initializer_list<std::string_view> values) {
  series(values).count.fetch_add(1, std::memory_order_relaxed);
}

void Family::observe(std::initializer_list<std::string_view> values, double seconds) {
  Series& s = series(values);
  std::size_t bucket = 0;
  while (bucket < kLatencyBuckets.size() && seconds > kLatencyBuckets[bucket]) ++bucket;
  s.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  s.sum_ns.fetch_add(static_cast<std::uint64_t>(std::llround(std::max(seconds, 0.0) * 1e9)),
                     std::memory_order_relaxed);
}

void Family::render(std::string& out) const {
  append_header(out, name_, help_, type_ == Type::counter ? "counter" : "histogram");
  std::shared_lock lock(mutex_);
  for (const auto& [key, s] : series_) {
    if (type_ == Type::counter) {
      append_series_name(out, name_, labels_, key);
      out += ' ';
      append_uint(out, s->count.load(std::memory_order_relaxed));
      out += '\n';
      continue;
    }
    const std::string bucket_name = name_ + "_bucket";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < s->buckets.size(); ++i) {
      cumulative += s->buckets[i].load(std::memory_order_relaxed);
      const std::string le = "le=\"" +
                             (i < kLatencyBuckets.size() ? exposition::number(kLatencyBuckets[i])
                                                         : std::string("+Inf")) +
                             "\"";
      append_series_name(out, bucket_name, labels_, key, le);
      out += ' ';
      append_uint(out, cumulative);
      out += '\n';
    }
    append_series_name(out, name_ + "_sum", labels_, key);
    out += ' ';
    out += exposition::number(static_cast<double>(s->sum_ns.load(std::memory_order_relaxed)) / 1e9);
    out += '\n';
    append_series_name(out, name_ + "_count", labels_, key);
    out += ' ';
    append_uint(out, cumulative);
    out += '\n';
  }
}

Metrics::Metrics()
    : started_(now_seconds()),
      requests_("fuma_http_requests_total", "HTTP requests answered, by route pattern and status.",
                Family::Type::counter, {"route", "status"}),
      request_seconds_("fuma_http_request_duration_seconds",
                       "Time from the end of a request's header to its answer's last byte "
                       "written, by route pattern.",
                       Family::Type::histogram, {"route"}),
      commands_("fuma_commands_total",
                "Engine commands run for the API, by command and the code of the answer (OK "
                "or the error code).",
                Family::Type::counter, {"command", "code"}),
      command_seconds_("fuma_command_duration_seconds",
                       "Time the engine took for a command run for the API, by command.",
                       Family::Type::histogram, {"command"}) {}

void Metrics::request(std::string_view route, unsigned status, std::chrono::microseconds took) {
  char digits[8];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, status);
  const std::string_view code(digits,
                              static_cast<std::size_t>(ec == std::errc() ? end - digits : 0));
  requests_.increment({route, code});
  request_seconds_.observe({route}, seconds(took));
}

void Metrics::command(std::string_view name, std::string_view code,
                      std::chrono::microseconds took) {
  commands_.increment({name, code});
  command_seconds_.observe({name}, seconds(took));
}

void Metrics::connection_opened() { connections_.fetch_add(1, std::memory_order_relaxed); }
void Metrics::connection_closed() { connections_.fetch_sub(1, std::memory_order_relaxed); }

std::string Metrics::render(std::string_view host_id, const Statistics& engine,
                            const std::optional<OpenSessions>& sessions) const {
  std::string out;
  out.reserve(16 * 1024);
  append_header(out, "fuma_host_info", "This host: its --host-id and the version of fuma.",
                "gauge");
  out += "fuma_host_info{host_id=\"" + exposition::label_value(host_id) + "\",version=\"" +
         exposition::label_value(FUMA_VERSION) + "\"} 1\n";
  append_header(out, "process_start_time_seconds",
                "Start time of the process since the Unix epoch, in seconds.", "gauge");
  out += "process_start_time_seconds " + exposition::number(started_) + '\n';
  append_gauge(out, "fuma_http_connections_open", "HTTP connections open now.",
               static_cast<std::uint64_t>(std::max<std::int64_t>(connections_.load(), 0)));
  requests_.render(out);
  request_seconds_.render(out);
  commands_.render(out);
  command_seconds_.render(out);
  append_header(out, "fuma_store_write_retries_total",
                "Write transactions the store ran again after the database refused them for a "
                "passing reason (serialization failure, deadlock).",
                "counter");
  out += "fuma_store_write_retries_total ";
  append_uint(out, engine.write_retries);
  out += '\n';
  append_gauge(out, "fuma_store_connections",
               "Connections to the database the engine holds open now, in use or idle.",
               engine.store_connections);
  append_gauge(out, "fuma_store_up",
               "1 when the store answered this scrape's read (the open sessions), else 0.",
               sessions ? 1 : 0);
  if (sessions) {
    append_header(out, "fuma_sessions_open",
                  "Sessions open now (not ended, within the idle and absolute limits), by side.",
                  "gauge");
    out += "fuma_sessions_open{side=\"staff\"} ";
    append_uint(out, sessions->staff);
    out += "\nfuma_sessions_open{side=\"unit\"} ";
    append_uint(out, sessions->unit);
    out += '\n';
  }
  return out;
}

}  // namespace fuma::host
