// SPDX-License-Identifier: Apache-2.0
#include "routes.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <new>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "api.hpp"
#include "commands.hpp"
#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "log.hpp"
#include "reply.hpp"
#include "site.hpp"
#include "wire.hpp"

namespace fuma::host {
namespace {

namespace json = boost::json;

constexpr std::string_view kStaffPrefix = "/api/staff/";
constexpr std::string_view kApiPrefix = "/api/";
constexpr std::string_view kUsccPrefix = "/api/uscc/";
constexpr std::string_view kContentPrefix = "/api/content/";

bool get_or_head(const Request& req) {
  return req.method() == http::verb::get || req.method() == http::verb::head;
}

std::string_view path_of(const Request& req) {
  const std::string_view target = req.target();
  return target.substr(0, target.find('?'));
}

// GET /healthz: alive, and which library and database it runs on, and the
// database's crypto suite.
Response healthz(App& app, const Request& req) {
  const fuma::Response version = fuma::Engine::call_stateless(R"({"command":"fuma.version"})");
  const json::value v = json::parse(version.json);
  json::object body;
  body["ok"] = true;
  body["version"] = v.at("version");
  body["schema_version"] = app.engine.schema_version();
  body["crypto_suite"] = app.engine.crypto_suite();
  return reply::ok(req, json::serialize(body));
}

// GET /readyz: ready to serve when the store answers a cheap read (and
// passes its own checks). A balancer's health check: 503 takes the host out
// of rotation until the store is back; /healthz, liveness, stays 200.
Response readyz(App& app, const Request& req) {
  static std::atomic<bool> was_ready{true};
  try {
    app.engine.check_store();
  } catch (const fuma::Error& e) {
    // Said once when readiness is lost, not at every probe.
    if (was_ready.exchange(false)) {
      log::line("unready", "code=" + std::string(e.name()) + " detail=" + log::quote(e.detail()));
    }
    // 503, with Retry-After (reply::finish).
    return reply::error(req, "STORAGE", "服务暂不可用，请稍后再试",
                        "the store does not serve now (the host's log says why)");
  }
  if (!was_ready.exchange(true)) log::line("ready", "");
  return reply::ok(req, R"({"ok":true,"ready":true})");
}

bool loopback(const boost::asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()).is_loopback();
  }
  return a.is_loopback();
}

// Who may read /metrics: loopback clients and --metrics-from networks. The
// client is who the host takes it to be everywhere else (the socket's peer,
// or X-Forwarded-For from a trusted proxy); a request that carries
// X-Forwarded-For from any other peer passed a proxy the host does not
// trust (a balancer on this machine, say), whose clients may be anyone.
bool may_read_metrics(const App& app, const Request& req, const Peer& peer) {
  std::vector<std::string_view> forwarded;
  const auto [first, last] = req.equal_range("X-Forwarded-For");
  for (auto it = first; it != last; ++it) forwarded.push_back(it->value());
  boost::system::error_code ec;
  const auto hop = boost::asio::ip::make_address(peer.address, ec);
  if (ec) return false;
  if (!forwarded.empty() && !app.settings.trusted_proxies.contains(hop)) return false;
  const auto client = boost::asio::ip::make_address(
      app.settings.trusted_proxies.client(peer.address, forwarded), ec);
  if (ec) return false;
  return loopback(client) || app.settings.metrics_from.contains(client);
}

// GET /metrics: the Prometheus text format (metrics.hpp).
Response metrics(App& app, const Request& req, const Peer& peer) {
  if (!may_read_metrics(app, req, peer)) {
    return reply::error(req, "FORBIDDEN", "无权访问",
                        "/metrics is served to loopback clients and the networks of "
                        "--metrics-from only");
  }
  std::optional<OpenSessions> sessions;
  try {
    sessions = app.engine.open_sessions();
  } catch (const fuma::Error&) {
    // fuma_store_up says so; /readyz and the log say why.
  }
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.keep_alive(req.keep_alive());
  res.body() = app.metrics.render(app.settings.host_id, app.engine.statistics(), sessions);
  res.prepare_payload();
  return res;
}

// GET /api/uscc/{code}: uscc.check on the decoded segment. A code that is
// invalid is still a good question: it gets 200 with the engine's verdict.
Response uscc_check(const Request& req, std::string_view segment) {
  const auto code = wire::percent_decode(segment);
  if (!code) {
    return reply::error(req, "INVALID_ARGUMENT", "地址中的百分号编码有误",
                        "malformed percent-escape in the path: '%' must be followed by two "
                        "hex digits");
  }
  // JSON strings are UTF-8; Boost.JSON would copy stray bytes into the
  // request unchanged and the engine would refuse it as "not valid JSON".
  // Saying what is really wrong is the host's job, since only it decoded.
  if (!wire::is_utf8(*code)) {
    return reply::error(req, "INVALID_ARGUMENT", "统一社会信用代码含有无法识别的字符编码",
                        "the code is not valid UTF-8 after percent-decoding");
  }
  json::object args;
  args["code"] = *code;
  json::object request;
  request["command"] = "uscc.check";
  request["args"] = std::move(args);
  fuma::Response result = fuma::Engine::call_stateless(json::serialize(request));
  return reply::ok(req, std::move(result.json));
}

// GET /api/site: what the pages need to know about this host.
Response site(const App& app, const Request& req) {
  json::object body;
  body["ok"] = true;
  body["title"] = app.settings.title;
  body["demo"] = app.settings.demo;
  if (app.settings.demo) body["demo_captcha"] = app.settings.demo_captcha;
  body["institution_service_url"] = app.settings.institution_url;
  return reply::ok(req, json::serialize(body));
}

// GET /api/content: 首页's columns with their items' titles and dates.
Response content_index(App& app, const Request& req) {
  json::array columns;
  for (const ContentColumn& c : *app.content.columns()) {
    json::array items;
    for (const ContentItem& i : c.items) {
      items.push_back(json::object{{"id", i.id}, {"title", i.title}, {"date", i.date}});
    }
    columns.push_back(
        json::object{{"key", c.key}, {"label", c.label}, {"items", std::move(items)}});
  }
  json::object body;
  body["ok"] = true;
  body["columns"] = std::move(columns);
  return reply::ok(req, json::serialize(body));
}

// GET /api/content/{column}/{item}: one item, its body as plain text.
Response content_item(App& app, const Request& req, std::string_view rest) {
  const auto slash = rest.find('/');
  const std::string_view column = rest.substr(0, slash);
  const std::string_view id = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (valid_content_id(column) && valid_content_id(id)) {
    for (const ContentColumn& c : *app.content.columns()) {
      if (c.key != column) continue;
      for (const ContentItem& i : c.items) {
        if (i.id != id) continue;
        json::object item{{"id", i.id},     {"title", i.title}, {"date", i.date},
                          {"body", i.body}, {"column", c.key},  {"column_label", c.label}};
        json::object body;
        body["ok"] = true;
        body["item"] = std::move(item);
        return reply::ok(req, json::serialize(body));
      }
    }
  }
  return reply::error(req, "NOT_FOUND", "该内容不存在或已删除", "no content item at this path");
}

Response page(const App& app, const Request& req, const StaticFile& file) {
  Response res{http::status::ok, req.version()};
  res.keep_alive(req.keep_alive());
  res.set(http::field::content_type, file.content_type);
  res.set(http::field::etag, file.etag);
  res.set(http::field::cache_control, "no-cache");
  const auto inm = req.find(http::field::if_none_match);
  if (inm != req.end() && wire::none_match(inm->value(), file.etag)) {
    res.result(http::status::not_modified);
  } else {
    res.body() = file.body;
  }
  res.prepare_payload();
  // The CSRF token: every page visit leaves one that holds for the
  // browser's sessions, to send back.
  if (file.content_type.rfind("text/html", 0) == 0 && !csrf_cookie_holds(app, req)) {
    res.set(http::field::set_cookie,
            wire::set_cookie("fuma_csrf", new_csrf(app, req), false, app.settings.tls));
  }
  return res;
}

Response route(App& app, const Request& req, const Peer& peer) {
  // RFC 9112 section 3.2: an HTTP/1.1 request without Host must get 400.
  if (req.version() >= 11 && req.find(http::field::host) == req.end()) {
    return reply::error(req, "INVALID_ARGUMENT", "请求格式有误",
                        "an HTTP/1.1 request needs a Host header");
  }
  const std::string_view target = req.target();
  if (target.empty() || target.front() != '/') {
    return reply::error(req, "INVALID_ARGUMENT", "请求格式有误",
                        "the request target must be an absolute path (origin-form)");
  }
  const std::string_view path = path_of(req);
  if (path == "/healthz") {
    if (!get_or_head(req)) return reply::method_not_allowed(req, "GET, HEAD");
    return healthz(app, req);
  }
  if (path == "/readyz") {
    if (!get_or_head(req)) return reply::method_not_allowed(req, "GET, HEAD");
    return readyz(app, req);
  }
  if (path == "/metrics") {
    if (!get_or_head(req)) return reply::method_not_allowed(req, "GET, HEAD");
    return metrics(app, req, peer);
  }
  if (path.substr(0, kUsccPrefix.size()) == kUsccPrefix) {
    const std::string_view segment = path.substr(kUsccPrefix.size());
    if (!segment.empty() && segment.find('/') == std::string_view::npos) {
      if (!get_or_head(req)) return reply::method_not_allowed(req, "GET, HEAD");
      return uscc_check(req, segment);
    }
  }
  if (path == "/api/openapi.json" || path == "/api/csrf" || path == "/api/site" ||
      path == "/api/content" || path.substr(0, kContentPrefix.size()) == kContentPrefix) {
    if (!get_or_head(req)) return reply::method_not_allowed(req, "GET, HEAD");
    if (path == "/api/openapi.json") {
      return reply::ok(req, app.openapi);
    }
    if (path == "/api/csrf") return csrf_token(app, req);
    if (path == "/api/site") return site(app, req);
    if (path == "/api/content") return content_index(app, req);
    return content_item(app, req, path.substr(kContentPrefix.size()));
  }
  if (path.substr(0, kStaffPrefix.size()) == kStaffPrefix) {
    return handle_command(app, req, peer, Side::staff, path.substr(kStaffPrefix.size()));
  }
  if (path.substr(0, kApiPrefix.size()) == kApiPrefix) {
    return handle_command(app, req, peer, Side::unit, path.substr(kApiPrefix.size()));
  }
  if (const StaticFile* file = app.pages.find(path)) {
    if (!get_or_head(req)) return reply::method_not_allowed(req, "GET, HEAD");
    return page(app, req, *file);
  }
  return reply::error(req, "NOT_FOUND", "请求的地址不存在", "no resource at this path");
}

}  // namespace

Response handle_request(App& app, const Request& req, const Peer& peer) noexcept {
  Response res;
  try {
    res = route(app, req, peer);
  } catch (const fuma::Error& e) {
    res = reply::engine_error(req, e);
  } catch (const std::bad_alloc&) {
    log::line("error", "where=handle_request what=\"out of memory\"");
    res = reply::error(req, "OUT_OF_MEMORY", errc_message(Errc::out_of_memory), "out of memory");
  } catch (const std::exception& e) {
    log::line("error", "where=handle_request what=" + log::quote(e.what()));
    res = reply::error(req, "INTERNAL", errc_message(Errc::internal), "internal error");
  } catch (...) {
    log::line("error", "where=handle_request what=\"unknown exception\"");
    res = reply::error(req, "INTERNAL", errc_message(Errc::internal), "internal error");
  }
  reply::finish(res);
  return res;
}

std::string_view route_pattern(const App& app, std::string_view path) {
  // In the order route() tries them.
  for (std::string_view fixed : {"/healthz", "/readyz", "/metrics", "/api/openapi.json",
                                 "/api/csrf", "/api/site", "/api/content"}) {
    if (path == fixed) return fixed;
  }
  if (path.substr(0, kUsccPrefix.size()) == kUsccPrefix) {
    const std::string_view segment = path.substr(kUsccPrefix.size());
    if (!segment.empty() && segment.find('/') == std::string_view::npos) {
      return "/api/uscc/{code}";
    }
  }
  if (path.substr(0, kContentPrefix.size()) == kContentPrefix) {
    return "/api/content/{column}/{item}";
  }
  if (path.substr(0, kStaffPrefix.size()) == kStaffPrefix) return "/api/staff/{command}";
  if (path.substr(0, kApiPrefix.size()) == kApiPrefix) return "/api/{command}";
  if (!path.empty() && path.front() == '/' && app.pages.find(path) != nullptr) return "/{page}";
  return "unmatched";
}

bool runs_inline(const Request& req) {
  const std::string_view path = path_of(req);
  if (path.substr(0, kApiPrefix.size()) != kApiPrefix) {
    // These three wait on the store (or, /healthz, read its facts).
    return path != "/healthz" && path != "/readyz" && path != "/metrics";
  }
  return path.substr(0, kUsccPrefix.size()) == kUsccPrefix || path == "/api/openapi.json" ||
         path == "/api/csrf" || path == "/api/site";
}

bool reads_only(const App& app, const Request& req) {
  return get_or_head(req) && !app.commands.get_writes(path_of(req));
}

std::uint64_t body_limit(const App& app, const Request& req, std::uint64_t normal,
                         std::uint64_t upload) {
  return app.commands.takes_upload(path_of(req)) ? std::max(normal, upload) : normal;
}

Response refuse(Refusal why, unsigned version, std::uint64_t limit) {
  Response res;
  switch (why) {
    case Refusal::body_too_large:
      res = reply::error(version, false, "PAYLOAD_TOO_LARGE", "请求内容过大",
                         "the request body exceeds " + std::to_string(limit) + " bytes");
      break;
    case Refusal::header_too_large:
      res = reply::error(version, false, "HEADER_TOO_LARGE", "请求头过大",
                         "the request header section exceeds " + std::to_string(limit) + " bytes");
      break;
    case Refusal::malformed:
      res = reply::error(version, false, "INVALID_ARGUMENT", "请求格式有误",
                         "malformed HTTP request");
      break;
  }
  reply::finish(res);
  return res;
}

}  // namespace fuma::host
