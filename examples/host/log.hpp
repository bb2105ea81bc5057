// SPDX-License-Identifier: Apache-2.0
// fuma-host's log: one logfmt line per event on stderr, e.g.
//   ts=2026-11-27T06:54:00.123Z host=node-1 event=request remote=127.0.0.1:50412
//   method=GET path="/healthz" status=200 bytes=187 ms=0.412
//   request_id=6f1c0e9a2b7d4e3f8a5b6c7d8e9f0a1b
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

// Names the host in every line written from now on (host=<id> after ts=),
// quoted when it holds anything but letters, digits and ".-_:". Call once,
// before the threads that log start; without it, lines carry no host.
void set_host(std::string_view host_id);

// Writes "ts=... host=... event=<event> <fields>\n"; fields are already
// "k=v k=v".
// Request lines gathered so far are written first, so the log keeps order.
void line(std::string_view event, std::string_view fields);

// The line of one answered request:
//   ts=... host=... event=request remote=<remote> method=<method>
//   path="<path>" status=<status> bytes=<bytes>
//   ms=<micros / 1000, three decimals> request_id=<request_id>
// remote, method and request_id go in as they are (the connection made the
// id of safe characters); path is quoted (see quote()).
struct Request {
  std::string_view remote;
  std::string_view method;
  std::string_view path;
  unsigned status;
  std::size_t bytes;
  std::uint64_t micros;
  std::string_view request_id;
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
