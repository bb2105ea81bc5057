// fuma-host's log: one logfmt line per event on stderr, e.g.
//   ts=2026-11-27T06:54:00.123Z event=request remote=127.0.0.1:50412 method=GET
//   path="/healthz" status=200 bytes=187 ms=0.412
// Lines are written with a single write(2), so threads never interleave them.
#ifndef FUMA_HOST_LOG_HPP
#define FUMA_HOST_LOG_HPP

#include <string>
#include <string_view>

namespace fuma::host::log {

// A logfmt value: quoted, with quotes, backslashes, control characters and
// every byte outside printable ASCII escaped as \xHH, so that what a client
// sends can never forge a line or break a parser. Long values are cut.
std::string quote(std::string_view value, std::size_t max_bytes = 256);

// Writes "ts=... event=<event> <fields>\n"; fields are already "k=v k=v".
void line(std::string_view event, std::string_view fields);

}  // namespace fuma::host::log

#endif  // FUMA_HOST_LOG_HPP
