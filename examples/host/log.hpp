// SPDX-License-Identifier: Apache-2.0
// fuma-host's log: one logfmt line per event on stderr, e.g.
//   ts=2026-11-27T06:54:00.123Z event=request remote=127.0.0.1:50412 method=GET
//   path="/healthz" status=200 bytes=187 ms=0.412
// Lines are written with a single write(2), so threads never interleave them.
// Request lines, one for every request, are gathered while a Buffering
// lives and written together, as nginx's access_log buffer= flush= does:
// a busy host would otherwise make a system call for each.
#ifndef FUMA_HOST_LOG_HPP
#define FUMA_HOST_LOG_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fuma::host::log {

// A logfmt value: quoted, with quotes, backslashes, control characters and
// every byte outside printable ASCII escaped as \xHH, so that what a client
// sends can never forge a line or break a parser. Long values are cut.
std::string quote(std::string_view value, std::size_t max_bytes = 256);

// Writes "ts=... event=<event> <fields>\n"; fields are already "k=v k=v".
// Request lines gathered so far are written first, so the log keeps order.
void line(std::string_view event, std::string_view fields);

// The line of one answered request:
//   ts=... event=request remote=<remote> method=<method> path="<path>"
//   status=<status> bytes=<bytes> ms=<micros / 1000, three decimals>
// remote and method go in as they are; path is quoted (see quote()).
struct Request {
  std::string_view remote;
  std::string_view method;
  std::string_view path;
  unsigned status;
  std::size_t bytes;
  std::uint64_t micros;
};
void request(const Request& r);

// While one lives, request lines gather in memory and are written once
// 32 KiB have gathered, at least once a second, and before any other line;
// its destructor writes what is left. Without one, each is written at once.
// One at a time in a process.
class Buffering {
 public:
  Buffering();
  ~Buffering();
  Buffering(const Buffering&) = delete;
  Buffering& operator=(const Buffering&) = delete;
};

}  // namespace fuma::host::log

#endif  // FUMA_HOST_LOG_HPP
