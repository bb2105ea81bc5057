// SPDX-License-Identifier: Apache-2.0
#include "log.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <system_error>
#include <thread>

namespace fuma::host::log {
namespace {

// Gathered request lines are written once there are this many bytes.
constexpr std::size_t kGatherBytes = 32 * 1024;
// ... and at least this often.
constexpr std::chrono::seconds kFlushEvery{1};

// "2026-11-27T06:54:00.123Z". The part up to the seconds is formatted once a
// second per thread: a busy host writes thousands of lines a second.
void append_timestamp(std::string& out) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  thread_local std::time_t cached_secs = -1;
  thread_local char date[32];
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_secs = secs;
  }
  out.append(date);
  out += '.';
  out += static_cast<char>('0' + ms / 100);
  out += static_cast<char>('0' + ms / 10 % 10);
  out += static_cast<char>('0' + ms % 10);
  out += 'Z';
}

void append_quoted(std::string& out, std::string_view value, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : value.substr(0, max_bytes)) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (value.size() > max_bytes) out += "...";
  out += '"';
}

template <class Int>
void append_int(std::string& out, Int value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, ec == std::errc() ? end : digits);
}

void write_all(std::string_view text) {
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere left to report a failing stderr
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// The request lines not yet written, and the thread that writes them.
struct Gathered {
  std::mutex mutex;
  std::string text;
  bool buffering = false;
  bool stopping = false;
  std::condition_variable wake;
  std::thread flusher;

  // The caller holds mutex.
  void write_out() {
    if (text.empty()) return;
    write_all(text);
    text.clear();
  }
};

Gathered& gathered() {
  static Gathered g;
  return g;
}

// " host=<id>", or "" before set_host(); written once, before the threads.
std::string& host_field() {
  static std::string field;
  return field;
}

bool plain_value(std::string_view value) {
  return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == ':';
  });
}

}  // namespace

std::string quote(std::string_view value, std::size_t max_bytes) {
  std::string out;
  append_quoted(out, value, max_bytes);
  return out;
}

void set_host(std::string_view host_id) {
  std::string& field = host_field();
  field = " host=";
  if (plain_value(host_id)) {
    field += host_id;
  } else {
    append_quoted(field, host_id, 64);
  }
}

void line(std::string_view event, std::string_view fields) {
  std::string text = "ts=";
  append_timestamp(text);
  text += host_field();
  text += " event=";
  text += event;
  if (!fields.empty()) {
    text += ' ';
    text += fields;
  }
  text += '\n';
  Gathered& g = gathered();
  std::lock_guard lock(g.mutex);
  g.write_out();
  write_all(text);
}

void request(const Request& r) {
  // Made in a buffer each thread keeps, outside the lock.
  thread_local std::string text;
  text.clear();
  text += "ts=";
  append_timestamp(text);
  text += host_field();
  text += " event=request remote=";
  text += r.remote;
  text += " method=";
  text += r.method;
  text += " path=";
  append_quoted(text, r.path, 256);
  text += " status=";
  append_int(text, r.status);
  text += " bytes=";
  append_int(text, r.bytes);
  text += " ms=";
  append_int(text, r.micros / 1000);
  text += '.';
  const auto frac = static_cast<unsigned>(r.micros % 1000);
  text += static_cast<char>('0' + frac / 100);
  text += static_cast<char>('0' + frac / 10 % 10);
  text += static_cast<char>('0' + frac % 10);
  if (!r.request_id.empty()) {
    text += " request_id=";
    text += r.request_id;
  }
  text += '\n';
  Gathered& g = gathered();
  std::lock_guard lock(g.mutex);
  if (!g.buffering) return write_all(text);
  g.text += text;
  if (g.text.size() >= kGatherBytes) g.write_out();
}

Buffering::Buffering() {
  Gathered& g = gathered();
  std::lock_guard lock(g.mutex);
  g.stopping = false;
  g.text.reserve(kGatherBytes + 1024);
  try {
    g.flusher = std::thread([&g] {
      std::unique_lock lock(g.mutex);
      while (!g.stopping) {
        g.wake.wait_for(lock, kFlushEvery);
        g.write_out();
      }
    });
  } catch (const std::system_error&) {
    return;  // no thread: every line is written at once, as without buffering
  }
  g.buffering = true;
}

Buffering::~Buffering() {
  Gathered& g = gathered();
  {
    std::lock_guard lock(g.mutex);
    g.stopping = true;
  }
  g.wake.notify_one();
  if (g.flusher.joinable()) g.flusher.join();
  std::lock_guard lock(g.mutex);
  g.buffering = false;
  g.write_out();
}

}  // namespace fuma::host::log
