// SPDX-License-Identifier: Apache-2.0
// Building responses: the JSON shapes, the status of each error code, and
// the headers every answer carries. Shared by routes.cpp and api.cpp.
#ifndef FUMA_HOST_REPLY_HPP
#define FUMA_HOST_REPLY_HPP

#include <string>
#include <string_view>

#include "routes.hpp"

namespace fuma {
class Error;
}

namespace fuma::host::reply {

// The HTTP status of an engine or host error code; 500 for an unknown one.
http::status status_of(std::string_view code);

Response json(const Request& req, http::status status, std::string body);
Response ok(const Request& req, std::string body);

// {"ok":false,"error":{code,message,detail}}. Callers pass only text they
// or the engine wrote, never raw request bytes: Boost.JSON copies string
// bytes as they are, so echoing input could emit invalid UTF-8.
Response error(const Request& req, std::string_view code, std::string_view message,
               std::string_view detail);
Response error(unsigned version, bool keep_alive, std::string_view code, std::string_view message,
               std::string_view detail);
// The engine's own error JSON (with its problems), under its code's status.
Response engine_error(const Request& req, const Error& e);

Response method_not_allowed(const Request& req, std::string_view allow);

// How long a client, or a balancer's health check, should wait before
// trying again after a 503, in seconds: a store out of reach for a moment
// (a database restarting, a failover) is back within seconds.
inline constexpr std::string_view kRetryAfterSeconds = "2";

// Cache-Control: no-store unless the response chose its own; Retry-After
// (kRetryAfterSeconds) on a 503 that has none.
void finish(Response& res);

// The fields every answer carries, as they go on the wire ("Name: value"
// and CRLF each): Date, Server and the safety headers (Content-Security-
// Policy, nosniff, frame, referrer and cross-origin policies, HSTS under
// TLS). The connection adds them when it writes an answer, after the
// response's own fields: they are the same for every answer, so they are
// written out once rather than set on each (and the Date once a second).
void append_common_fields(std::string& out, bool tls);

}  // namespace fuma::host::reply

#endif  // FUMA_HOST_REPLY_HPP
