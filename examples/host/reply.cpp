// SPDX-License-Identifier: Apache-2.0
#include "reply.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <ctime>

#include "fuma/error.hpp"
#include "fuma/version.h"

namespace fuma::host::reply {
namespace {

namespace bj = boost::json;

// Every error code to its HTTP status, the engine's and the host's own. The
// engine's codes come first, in the order of fuma::Errc; the rest exist
// only at the HTTP layer, for requests that never reach the engine.
struct CodeStatus {
  std::string_view code;
  http::status status;
};
constexpr CodeStatus kStatusOfCode[] = {
    {"INTERNAL", http::status::internal_server_error},
    {"OUT_OF_MEMORY", http::status::service_unavailable},
    {"INVALID_ARGUMENT", http::status::bad_request},
    {"UNKNOWN_COMMAND", http::status::not_found},
    {"NOT_FOUND", http::status::not_found},
    {"FORBIDDEN", http::status::forbidden},
    {"CONFLICT", http::status::conflict},
    {"INVALID_STATE", http::status::conflict},
    {"ON_SITE_ONLY", http::status::unprocessable_entity},
    {"MISSING_ATTACHMENTS", http::status::unprocessable_entity},
    {"CREDENTIAL_REVOKED", http::status::forbidden},
    {"INVALID_CODE", http::status::unprocessable_entity},
    {"EXHAUSTED", http::status::conflict},
    {"STORAGE", http::status::service_unavailable},
    {"VERSION", http::status::internal_server_error},
    {"NOT_AN_IMAGE", http::status::unprocessable_entity},
    {"IMAGE_TOO_LARGE", http::status::payload_too_large},
    {"NO_QR_FOUND", http::status::unprocessable_entity},
    {"MULTIPLE_QR", http::status::unprocessable_entity},
    {"NOT_A_CREDENTIAL", http::status::unprocessable_entity},
    {"CREDENTIAL_MALFORMED", http::status::unprocessable_entity},
    {"UNSUPPORTED_VERSION", http::status::unprocessable_entity},
    {"UNKNOWN_KEY", http::status::forbidden},
    {"BAD_SIGNATURE", http::status::forbidden},
    {"CREDENTIAL_EXPIRED", http::status::forbidden},
    {"UNIT_REVOKED", http::status::forbidden},
    {"CAPTCHA_WRONG", http::status::forbidden},
    {"CAPTCHA_EXPIRED", http::status::forbidden},
    {"TOO_MANY_ATTEMPTS", http::status::too_many_requests},
    {"SESSION_EXPIRED", http::status::unauthorized},
    {"COMMITMENT_REQUIRED", http::status::forbidden},
    {"LOGIN_FAILED", http::status::unauthorized},
    {"UNSUPPORTED_IMAGE_FORMAT", http::status::unprocessable_entity},
    {"STORE_UNAVAILABLE", http::status::service_unavailable},
    {"METHOD_NOT_ALLOWED", http::status::method_not_allowed},
    {"PAYLOAD_TOO_LARGE", http::status::payload_too_large},
    {"HEADER_TOO_LARGE", http::status::request_header_fields_too_large},
    {"CSRF_FAILED", http::status::forbidden},
    {"UNSUPPORTED_MEDIA_TYPE", http::status::unsupported_media_type},
};

// RFC 9110 section 5.6.7 IMF-fixdate, spelled out rather than strftime'd so
// that no locale can translate the day and month names; formatted once a
// second per thread.
std::string_view http_date() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t now = std::time(nullptr);
  thread_local std::time_t cached = -1;
  thread_local char buf[40];
  if (now != cached) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                  tm.tm_mday % 100, kMonths[tm.tm_mon % 12], (tm.tm_year + 1900) % 10000,
                  tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
    cached = now;
  }
  return buf;
}

}  // namespace

http::status status_of(std::string_view code) {
  for (const auto& e : kStatusOfCode) {
    if (e.code == code) return e.status;
  }
  return http::status::internal_server_error;
}

Response json(const Request& req, http::status status, std::string body) {
  Response res{status, req.version()};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response ok(const Request& req, std::string body) {
  return json(req, http::status::ok, std::move(body));
}

Response error(unsigned version, bool keep_alive, std::string_view code, std::string_view message,
               std::string_view detail) {
  bj::object error;
  error["code"] = code;
  error["message"] = message;
  error["detail"] = detail;
  bj::object body;
  body["ok"] = false;
  body["error"] = std::move(error);
  Response res{status_of(code), version};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.keep_alive(keep_alive);
  res.body() = bj::serialize(body);
  res.prepare_payload();
  return res;
}

Response error(const Request& req, std::string_view code, std::string_view message,
               std::string_view detail) {
  return error(req.version(), req.keep_alive(), code, message, detail);
}

Response engine_error(const Request& req, const Error& e) {
  Response res = json(req, status_of(e.name()), e.json());
  return res;
}

Response method_not_allowed(const Request& req, std::string_view allow) {
  Response res = error(req, "METHOD_NOT_ALLOWED", "不支持该请求方法",
                       "method " + std::string(req.method_string().substr(0, 32)) +
                           " is not allowed here; use " + std::string(allow));
  res.set(http::field::allow, allow);
  return res;
}

void finish(Response& res) {
  if (res.find(http::field::cache_control) == res.end()) {
    res.set(http::field::cache_control, "no-store");
  }
  // A 503 (the store does not serve, memory ran out) passes: say when to
  // try again (RFC 9110 section 10.2.3), for clients and balancers alike.
  if (res.result() == http::status::service_unavailable &&
      res.find(http::field::retry_after) == res.end()) {
    res.set(http::field::retry_after, kRetryAfterSeconds);
  }
}

void append_common_fields(std::string& out, bool tls) {
  static constexpr std::string_view kFields =
      "Server: fuma-host/" FUMA_VERSION
      "\r\n"
      "X-Content-Type-Options: nosniff\r\n"
      "Content-Security-Policy: default-src 'self'; img-src 'self' data: blob:; "
      "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
      "form-action 'self'; frame-ancestors 'none'\r\n"
      "X-Frame-Options: DENY\r\n"
      "Referrer-Policy: no-referrer\r\n"
      "Cross-Origin-Opener-Policy: same-origin\r\n"
      "Cross-Origin-Resource-Policy: same-origin\r\n";
  // An origin server with a clock must send Date (RFC 9110 section 6.6.1).
  out.append("Date: ");
  out.append(http_date());
  out.append("\r\n");
  out.append(kFields);
  if (tls) out.append("Strict-Transport-Security: max-age=31536000\r\n");
}

}  // namespace fuma::host::reply
