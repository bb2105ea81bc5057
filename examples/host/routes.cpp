#include "routes.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <new>
#include <string>
#include <string_view>

#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "fuma/version.h"
#include "log.hpp"

namespace fuma::host {
namespace {

namespace json = boost::json;

constexpr std::string_view kServer = "fuma-host/" FUMA_VERSION;

// Every error code to its HTTP status, the engine's and the host's own. The
// engine's codes come first, in the order of fuma::Errc; the last three exist
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
    {"METHOD_NOT_ALLOWED", http::status::method_not_allowed},
    {"PAYLOAD_TOO_LARGE", http::status::payload_too_large},
    {"HEADER_TOO_LARGE", http::status::request_header_fields_too_large},
};

http::status status_of(std::string_view code) {
  for (const auto& e : kStatusOfCode) {
    if (e.code == code) return e.status;
  }
  return http::status::internal_server_error;
}

// RFC 9110 section 5.6.7 IMF-fixdate, spelled out rather than strftime'd so
// that no locale can translate the day and month names.
std::string http_date() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday % 100, kMonths[tm.tm_mon % 12], (tm.tm_year + 1900) % 10000,
                tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
  return buf;
}

Response json_response(http::status status, unsigned version, bool keep_alive, std::string body) {
  Response res{status, version};
  res.set(http::field::server, kServer);
  // An origin server with a clock must send Date (RFC 9110 section 6.6.1).
  res.set(http::field::date, http_date());
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.set("X-Content-Type-Options", "nosniff");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// The engine's error shape, {"ok":false,"error":{...}}. Callers pass only
// text they wrote or the engine wrote, never raw request bytes: Boost.JSON
// copies string bytes as they are, so echoing input could emit invalid UTF-8.
Response error_response(std::string_view code, std::string_view message, std::string_view detail,
                        unsigned version, bool keep_alive) {
  json::object error;
  error["code"] = code;
  error["message"] = message;
  error["detail"] = detail;
  json::object body;
  body["ok"] = false;
  body["error"] = std::move(error);
  return json_response(status_of(code), version, keep_alive, json::serialize(body));
}

Response error_response(const Request& req, std::string_view code, std::string_view message,
                        std::string_view detail) {
  return error_response(code, message, detail, req.version(), req.keep_alive());
}

Response engine_response(const Request& req, std::string body) {
  return json_response(http::status::ok, req.version(), req.keep_alive(), std::move(body));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding of one path segment. Strict: a '%' not followed
// by two hex digits is an error rather than a literal, so that the host and
// a proxy in front of it never disagree about what a URL meant. '+' stays
// '+': turning it into a space is a rule for query strings only.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (in.size() - i < 3) return false;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3fu);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return false;
    if (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) return false;
    i += len;
  }
  return true;
}

bool get_or_head(const Request& req) {
  return req.method() == http::verb::get || req.method() == http::verb::head;
}

Response method_not_allowed(const Request& req, std::string_view allow) {
  Response res = error_response(req, "METHOD_NOT_ALLOWED", "不支持该请求方法",
                                "method " + std::string(req.method_string().substr(0, 32)) +
                                    " is not allowed here; use " + std::string(allow));
  res.set(http::field::allow, allow);
  return res;
}

// GET /healthz: alive, and which library and database it runs on.
Response healthz(App& app, const Request& req) {
  const fuma::Response version = app.engine.call(R"({"command":"fuma.version"})");
  const json::value v = json::parse(version.json);
  json::object body;
  body["ok"] = true;
  body["version"] = v.at("version");
  body["schema_version"] = app.engine.schema_version();
  return engine_response(req, json::serialize(body));
}

// GET /api/uscc/{code}: uscc.check on the decoded segment. A code that is
// invalid is still a good question: it gets 200 with the engine's verdict.
Response uscc_check(App& app, const Request& req, std::string_view segment) {
  std::string code;
  if (!percent_decode(segment, code)) {
    return error_response(req, "INVALID_ARGUMENT", "地址中的百分号编码有误",
                          "malformed percent-escape in the path: '%' must be followed by two "
                          "hex digits");
  }
  // JSON strings are UTF-8; Boost.JSON would copy stray bytes into the
  // request unchanged and the engine would refuse it as "not valid JSON".
  // Saying what is really wrong is the host's job, since only it decoded.
  if (!is_utf8(code)) {
    return error_response(req, "INVALID_ARGUMENT", "统一社会信用代码含有无法识别的字符编码",
                          "the code is not valid UTF-8 after percent-decoding");
  }
  json::object args;
  args["code"] = code;
  json::object request;
  request["command"] = "uscc.check";
  request["args"] = std::move(args);
  fuma::Response result = app.engine.call(json::serialize(request));
  return engine_response(req, std::move(result.json));
}

Response route(App& app, const Request& req) {
  // RFC 9112 section 3.2: an HTTP/1.1 request without Host must get 400.
  if (req.version() >= 11 && req.find(http::field::host) == req.end()) {
    return error_response(req, "INVALID_ARGUMENT", "请求格式有误",
                          "an HTTP/1.1 request needs a Host header");
  }
  const std::string_view target = req.target();
  if (target.empty() || target.front() != '/') {
    return error_response(req, "INVALID_ARGUMENT", "请求格式有误",
                          "the request target must be an absolute path (origin-form)");
  }
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/healthz") {
    if (!get_or_head(req)) return method_not_allowed(req, "GET, HEAD");
    return healthz(app, req);
  }
  constexpr std::string_view kUscc = "/api/uscc/";
  if (path.substr(0, kUscc.size()) == kUscc) {
    const std::string_view segment = path.substr(kUscc.size());
    if (!segment.empty() && segment.find('/') == std::string_view::npos) {
      if (!get_or_head(req)) return method_not_allowed(req, "GET, HEAD");
      return uscc_check(app, req, segment);
    }
  }
  return error_response(req, "NOT_FOUND", "请求的地址不存在", "no resource at this path");
}

}  // namespace

Response handle_request(App& app, const Request& req) noexcept {
  try {
    return route(app, req);
  } catch (const fuma::Error& e) {
    return error_response(req, e.name(), e.message(), e.detail());
  } catch (const std::bad_alloc&) {
    log::line("error", "where=handle_request what=\"out of memory\"");
    return error_response(req, "OUT_OF_MEMORY", errc_message(Errc::out_of_memory), "out of memory");
  } catch (const std::exception& e) {
    log::line("error", "where=handle_request what=" + log::quote(e.what()));
  } catch (...) {
    log::line("error", "where=handle_request what=\"unknown exception\"");
  }
  return error_response(req, "INTERNAL", errc_message(Errc::internal), "internal error");
}

Response refuse(Refusal why, unsigned version, std::uint64_t limit) {
  switch (why) {
    case Refusal::body_too_large:
      return error_response("PAYLOAD_TOO_LARGE", "请求内容过大",
                            "the request body exceeds " + std::to_string(limit) + " bytes", version,
                            false);
    case Refusal::header_too_large:
      return error_response(
          "HEADER_TOO_LARGE", "请求头过大",
          "the request header section exceeds " + std::to_string(limit) + " bytes", version, false);
    case Refusal::malformed:
      break;
  }
  return error_response("INVALID_ARGUMENT", "请求格式有误", "malformed HTTP request", version,
                        false);
}

}  // namespace fuma::host
