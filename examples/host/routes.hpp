// SPDX-License-Identifier: Apache-2.0
// Where the application starts: an HTTP request in, an HTTP response out.
// Everything that touches the domain is an engine command; this layer only
// translates between HTTP and the engine's JSON, picks the actor from the
// session cookie, and serves the pages.
#ifndef FUMA_HOST_ROUTES_HPP
#define FUMA_HOST_ROUTES_HPP

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <string>

#include "metrics.hpp"
#include "proxy.hpp"

namespace fuma {
class Engine;
}

namespace fuma::host {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

class Pages;
class Content;
class Commands;

// What the pages need to know about this host (GET /api/site), and how it
// sets cookies.
struct Settings {
  std::string title = "机关赋码和事业单位登记管理平台";
  bool demo = false;
  std::string demo_captcha;        // shown on the login dialog when demo
  std::string institution_url;     // 事业单位用户服务, outside this product
  bool tls = false;                // cookies get Secure, responses HSTS
  TrustedProxies trusted_proxies;  // whose X-Forwarded-For names the client
  // The key CSRF tokens are signed with (api.hpp): --csrf-key's bytes, or
  // 32 random bytes drawn at start.
  std::string csrf_key;
  std::string host_id = "fuma-host";  // --host-id, in GET /metrics
  // Sent in every answer's X-Fuma-Host (which host of several behind a
  // balancer answered); empty: no such header. --host-id's value when given.
  std::string host_header;
  // Who may read GET /metrics besides loopback clients (--metrics-from).
  TrustedProxies metrics_from;
};

struct App {
  Engine& engine;
  const Pages& pages;
  Content& content;          // 首页's columns
  const Commands& commands;  // what each side of the API exposes
  std::string openapi;       // GET /api/openapi.json, made from `commands`
  Settings settings;
  Metrics metrics{};  // GET /metrics
};

// Who sent the request, as the socket saw it, and the id the host knows
// the request by.
struct Peer {
  std::string address;  // the IP address, without port
  // The request's id (the client's X-Request-Id when well-formed, else one
  // the connection drew): in the access log, in the answer's X-Request-Id,
  // and passed to the engine, whose audit record keeps it. Empty: none.
  std::string request_id{};
};

// The route a request to `path` (without the query) takes, as a pattern for
// metrics: "/healthz", "/api/{command}", "/api/staff/{command}",
// "/api/uscc/{code}", "/{page}" for the pages, "unmatched" for what no
// route serves. Never a part of the path as sent, so labels stay few and
// carry no data.
std::string_view route_pattern(const App& app, std::string_view path);

// Runs on an engine worker thread, never on an I/O thread: engine commands
// may wait on SQLite. Never throws; an unexpected exception becomes a 500
// whose body says nothing about the cause (the log does).
Response handle_request(App& app, const Request& req, const Peer& peer) noexcept;

// Requests that need no engine worker: pages, GET /api/uscc/{code} and
// other work that never waits. The connection answers these on its own
// strand and saves two thread hops.
bool runs_inline(const Request& req);

// Requests that only read: GET and HEAD, but those of the few commands that
// write and answer GET (session.captcha, which stores the captcha; see
// commands.hpp). They run on a pool of their own, a thread a CPU: more
// threads than CPUs only switch between each other, while writes need many
// waiting threads to share a sync.
bool reads_only(const App& app, const Request& req);

// The largest body a request may have, chosen from its header: those of the
// commands that take bytes (login pictures, attachments, scans) get
// `upload`, everything else `normal`.
std::uint64_t body_limit(const App& app, const Request& req, std::uint64_t normal,
                         std::uint64_t upload);

// Requests the connection refuses before they are complete, answered in the
// same JSON error shape. The connection closes after these.
enum class Refusal {
  malformed,         // 400: not a parseable HTTP request
  body_too_large,    // 413
  header_too_large,  // 431
};
Response refuse(Refusal why, unsigned version, std::uint64_t limit);

}  // namespace fuma::host

#endif  // FUMA_HOST_ROUTES_HPP
