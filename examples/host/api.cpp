// SPDX-License-Identifier: Apache-2.0
#include "api.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>

#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "reply.hpp"
#include "wire.hpp"

namespace fuma::host {
namespace {

namespace json = boost::json;

constexpr std::string_view kUnitCookie = "fuma_unit";
constexpr std::string_view kStaffCookie = "fuma_staff";
constexpr std::string_view kCsrfCookie = "fuma_csrf";

std::string_view cookie_name(Side side) { return side == Side::unit ? kUnitCookie : kStaffCookie; }

std::string_view request_cookie(const Request& req, std::string_view name) {
  const auto it = req.find(http::field::cookie);
  return it == req.end() ? std::string_view{} : wire::cookie(it->value(), name);
}

bool token_shaped(std::string_view t) {
  return !t.empty() && t.size() <= 128 && std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string base64url(std::string_view bytes) {
  std::string out;
  for (char c : base64(bytes)) {
    if (c == '+') {
      out += '-';
    } else if (c == '/') {
      out += '_';
    } else if (c != '=') {
      out += c;
    }
  }
  return out;
}

std::string random_base64url(std::size_t n) {
  unsigned char bytes[32];
  if (n > sizeof bytes || RAND_bytes(bytes, static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return base64url(std::string_view(reinterpret_cast<const char*>(bytes), n));
}

// --- CSRF tokens (api.hpp) ------------------------------------------------

constexpr std::size_t kCsrfNonce = 22;               // 16 random bytes, base64url
constexpr std::size_t kCsrfToken = kCsrfNonce + 43;  // and a SHA-256 HMAC

// Each part with its length first, so that no two bindings read the same.
std::string csrf_mac(const App& app, std::string_view nonce, std::string_view unit,
                     std::string_view staff) {
  std::string message = "fuma-csrf-1;";
  for (std::string_view part : {nonce, unit, staff}) {
    message += std::to_string(part.size());
    message += ':';
    message += part;
    message += ';';
  }
  const std::string& key = app.settings.csrf_key;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (key.empty() || HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                          mac, &length) == nullptr) {
    throw std::runtime_error("the CSRF key is missing, or HMAC failed");
  }
  return base64url(std::string_view(reinterpret_cast<const char*>(mac), length));
}

bool csrf_holds(const App& app, std::string_view token, std::string_view unit,
                std::string_view staff) {
  if (token.size() != kCsrfToken) return false;
  const std::string mac = csrf_mac(app, token.substr(0, kCsrfNonce), unit, staff);
  return mac.size() == kCsrfToken - kCsrfNonce &&
         CRYPTO_memcmp(mac.data(), token.data() + kCsrfNonce, mac.size()) == 0;
}

std::string_view content_type_of(std::string_view data) {
  if (data.substr(0, 5) == "%PDF-") return "application/pdf";
  if (data.substr(0, 8) == "\x89PNG\r\n\x1a\n") return "image/png";
  if (data.substr(0, 3) == "\xff\xd8\xff") return "image/jpeg";
  return "application/octet-stream";
}

// Thrown inside handle_command for a request the host itself refuses.
struct Refused {
  std::string code;
  std::string message;
  std::string detail;
};

json::object parse_args(std::string_view text, std::string_view where) {
  if (text.empty()) return {};
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    throw Refused{"INVALID_ARGUMENT", "请求内容不是有效的 JSON",
                  std::string(where) + " is not valid JSON (UTF-8): " + ec.message()};
  }
  if (!v.is_object()) {
    throw Refused{"INVALID_ARGUMENT", "请求内容格式有误",
                  std::string(where) + " must be a JSON object of the command's args"};
  }
  return std::move(v.as_object());
}

struct Input {
  json::object args;
  std::string data;
  bool want_json = false;  // ?format=json
};

Input read_input(const Request& req, const Route& rule) {
  Input in;
  const std::string_view target = req.target();
  const auto q = target.find('?');
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  bool malformed = false;
  const auto format = wire::query_param(query, "format", malformed);
  const auto query_args = wire::query_param(query, "args", malformed);
  if (malformed) {
    throw Refused{"INVALID_ARGUMENT", "地址中的百分号编码有误",
                  "malformed percent-escape in the query string"};
  }
  if (format && *format != "json") {
    throw Refused{"INVALID_ARGUMENT", "请求参数有误", "format must be 'json' when given"};
  }
  in.want_json = format.has_value();
  if (req.method() != http::verb::post) {
    in.args = parse_args(query_args.value_or(""), "the query parameter args");
    return in;
  }
  const auto ct = req.find(http::field::content_type);
  const std::string type = ct == req.end() ? "" : wire::media_type(ct->value());
  const std::string_view body = req.body();
  if (type == "application/json" || (type.empty() && body.empty())) {
    if (query_args) {
      throw Refused{"INVALID_ARGUMENT", "请求参数有误",
                    "give args either in the JSON body or in the query, not both"};
    }
    in.args = parse_args(body, "the body");
    return in;
  }
  if (!rule.takes_data) {
    throw Refused{"UNSUPPORTED_MEDIA_TYPE", "请求内容类型不受支持",
                  "this command takes its args as application/json"};
  }
  if (type == "multipart/form-data") {
    if (query_args) {
      throw Refused{"INVALID_ARGUMENT", "请求参数有误",
                    "give args either in the multipart part or in the query, not both"};
    }
    const auto boundary = wire::header_param(ct->value(), "boundary");
    std::string error;
    const auto parts = wire::parse_multipart(body, boundary.value_or(""), error);
    if (!parts) throw Refused{"INVALID_ARGUMENT", "上传内容格式有误", error};
    std::optional<std::string> file_name;
    bool have_file = false;
    for (const wire::Part& p : *parts) {
      if (p.name == "args") {
        in.args = parse_args(p.body, "the multipart part args");
      } else if (p.name == "file") {
        if (have_file) {
          throw Refused{"INVALID_ARGUMENT", "一次只能上传一个文件", "more than one part 'file'"};
        }
        have_file = true;
        in.data = std::string(p.body);
        file_name = p.file_name;
      } else {
        throw Refused{"INVALID_ARGUMENT", "上传内容格式有误",
                      "multipart parts are 'args' and 'file' only"};
      }
    }
    if (!have_file) {
      throw Refused{"INVALID_ARGUMENT", "请选择要上传的文件",
                    "the multipart body has no part 'file'"};
    }
    if (file_name && !file_name->empty() && !in.args.contains("file_name") &&
        rule.takes_file_name && wire::is_utf8(*file_name)) {
      in.args["file_name"] = *file_name;
    }
    return in;
  }
  // Raw bytes, typed as what they are (image/png, application/pdf, ...).
  in.args = parse_args(query_args.value_or(""), "the query parameter args");
  in.data = std::string(body);
  return in;
}

// The header equals the cookie (a cross-site page can set neither), and the
// cookie holds for the session cookies beside it.
bool csrf_ok(const App& app, const Request& req) {
  const std::string_view cookie = request_cookie(req, kCsrfCookie);
  const auto it = req.find("X-CSRF-Token");
  if (it == req.end() || cookie.size() != kCsrfToken) return false;
  const std::string_view header = it->value();
  return header.size() == cookie.size() &&
         CRYPTO_memcmp(header.data(), cookie.data(), cookie.size()) == 0 &&
         csrf_cookie_holds(app, req);
}

// A session cookie set (or, with an empty token, dropped) for `side`, and
// a CSRF token for the sessions the browser then holds. Returns the token.
std::string set_session(const App& app, const Request& req, Response& res, Side side,
                        std::string_view token) {
  const bool drop = token.empty();
  res.insert(http::field::set_cookie,
             wire::set_cookie(cookie_name(side), token, true, app.settings.tls, drop));
  const std::string_view other =
      request_cookie(req, cookie_name(side == Side::unit ? Side::staff : Side::unit));
  std::string csrf = side == Side::unit ? new_csrf(app, token, other) : new_csrf(app, other, token);
  res.insert(http::field::set_cookie, wire::set_cookie(kCsrfCookie, csrf, false, app.settings.tls));
  return csrf;
}

Response bytes_response(const Request& req, const Route& rule, std::string_view result_json,
                        std::string data) {
  const std::string_view type = content_type_of(data);
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type, type);
  if (rule.shown_inline) {
    res.set(http::field::content_disposition, "inline");
  } else {
    // The engine names every file it declares a name for; the command's
    // name is only the last resort.
    std::string file_name = rule.name;
    json::error_code ec;
    const json::value v = json::parse(result_json, ec);
    if (!ec && v.is_object()) {
      if (const auto* f = v.as_object().if_contains("file_name"); f && f->is_string()) {
        file_name = std::string(f->as_string());
      }
    }
    res.set(http::field::content_disposition, wire::content_disposition("attachment", file_name));
  }
  res.keep_alive(req.keep_alive());
  res.body() = std::move(data);
  res.prepare_payload();
  return res;
}

Response run(App& app, const Request& req, const Peer& peer, Side side, const Route& rule) {
  if (req.method() != http::verb::post) {
    const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
    if (!get || !rule.get) {
      return reply::method_not_allowed(req, rule.get ? "GET, HEAD, POST" : "POST");
    }
  } else if (!csrf_ok(app, req)) {
    return reply::error(req, "CSRF_FAILED", "页面已过期，请刷新页面后重试",
                        "a POST needs the header X-CSRF-Token equal to the cookie fuma_csrf, "
                        "made for the session cookies it is sent with (GET /api/csrf gives one)");
  }
  Input in = read_input(req, rule);

  json::object envelope;
  envelope["command"] = rule.name;
  const std::string_view token = request_cookie(req, cookie_name(side));
  if (rule.who != Who::nobody) {
    if (token.empty() && rule.who == Who::session) {
      return reply::error(
          req, "SESSION_EXPIRED", "请先登录",
          "no session: log in first (cookie " + std::string(cookie_name(side)) + ")");
    }
    if (!token.empty()) {
      if (!token_shaped(token)) {
        Response res = reply::error(req, "SESSION_EXPIRED", "登录已失效，请重新登录",
                                    "the session cookie is malformed");
        set_session(app, req, res, side, "");
        return res;
      }
      json::object actor;
      actor[side == Side::unit ? "session" : "staff_session"] = token;
      envelope["actor"] = std::move(actor);
    }
  }
  // The user's address, as the socket saw it or, from a trusted proxy, as
  // X-Forwarded-For says; whatever the body says.
  if (rule.takes_client) {
    std::vector<std::string_view> forwarded;
    const auto [first, last] = req.equal_range("X-Forwarded-For");
    for (auto it = first; it != last; ++it) forwarded.push_back(it->value());
    in.args["client"] = app.settings.trusted_proxies.client(peer.address, forwarded);
  }
  if (const auto it = req.find("Idempotency-Key"); it != req.end()) {
    if (!wire::is_utf8(it->value())) {
      throw Refused{"INVALID_ARGUMENT", "请求参数有误", "Idempotency-Key must be UTF-8"};
    }
    envelope["idempotency_key"] = it->value();
  }
  // The audit record of the command keeps the request's id.
  if (!peer.request_id.empty()) envelope["request_id"] = peer.request_id;
  envelope["args"] = std::move(in.args);

  fuma::Response result;
  const auto started = std::chrono::steady_clock::now();
  const auto took = [&started] {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 started);
  };
  try {
    try {
      result = app.engine.call(json::serialize(envelope), in.data);
    } catch (const fuma::Error& e) {
      // A stale cookie does not stop what anyone may do (the blank 申领表).
      if (rule.who != Who::optional || e.code() != Errc::session_expired) throw;
      envelope.erase("actor");
      result = app.engine.call(json::serialize(envelope), in.data);
    }
    app.metrics.command(rule.name, "OK", took());
  } catch (const fuma::Error& e) {
    app.metrics.command(rule.name, e.name(), took());
    Response res = reply::engine_error(req, e);
    // A cookie naming no open session is of no more use: drop it.
    if (e.code() == Errc::session_expired && !token.empty()) set_session(app, req, res, side, "");
    return res;
  }

  if (rule.login) {
    json::object body = json::parse(result.json).as_object();
    const std::string session(body.at("token").as_string());
    body.erase("token");
    // The token the answer carries must be the cookie's: made for the new
    // session, so any token from before the login no longer holds.
    Response res = reply::ok(req, "{}");
    body["csrf"] = set_session(app, req, res, side, session);
    res.body() = json::serialize(body);
    res.prepare_payload();
    return res;
  }
  if (rule.logout) {
    Response res = reply::ok(req, std::move(result.json));
    set_session(app, req, res, side, "");
    return res;
  }
  if (result.data.empty()) return reply::ok(req, std::move(result.json));
  if (in.want_json) {
    json::object body = json::parse(result.json).as_object();
    body["content_type"] = content_type_of(result.data);
    body["data_base64"] = base64(result.data);
    return reply::ok(req, json::serialize(body));
  }
  return bytes_response(req, rule, result.json, std::move(result.data));
}

// "noun.verb": lower-case letters and '_', one dot or more.
bool command_shaped(std::string_view name) {
  return name.size() <= 64 && name.find('.') != std::string_view::npos &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || c == '.' || c == '_'; });
}

}  // namespace

Response handle_command(App& app, const Request& req, const Peer& peer, Side side,
                        std::string_view name) {
  if (!command_shaped(name)) {
    return reply::error(req, "NOT_FOUND", "请求的地址不存在", "no resource at this path");
  }
  const Route* rule = app.commands.find(side, name);
  if (!rule) {
    return reply::error(req, "UNKNOWN_COMMAND", "没有这项操作",
                        "no command '" + std::string(name) + "' on this side of the API");
  }
  try {
    return run(app, req, peer, side, *rule);
  } catch (const Refused& r) {
    return reply::error(req, r.code, r.message, r.detail);
  }
}

std::string new_csrf(const App& app, std::string_view unit, std::string_view staff) {
  const std::string nonce = random_base64url(16);
  return nonce + csrf_mac(app, nonce, unit, staff);
}

std::string new_csrf(const App& app, const Request& req) {
  return new_csrf(app, request_cookie(req, kUnitCookie), request_cookie(req, kStaffCookie));
}

bool csrf_cookie_holds(const App& app, const Request& req) {
  return csrf_holds(app, request_cookie(req, kCsrfCookie), request_cookie(req, kUnitCookie),
                    request_cookie(req, kStaffCookie));
}

Response csrf_token(const App& app, const Request& req) {
  std::string token(request_cookie(req, kCsrfCookie));
  if (!csrf_cookie_holds(app, req)) token = new_csrf(app, req);
  json::object body;
  body["ok"] = true;
  body["csrf"] = token;
  Response res = reply::ok(req, json::serialize(body));
  res.set(http::field::set_cookie, wire::set_cookie(kCsrfCookie, token, false, app.settings.tls));
  return res;
}

}  // namespace fuma::host
