// SPDX-License-Identifier: Apache-2.0
// fuma-host's request handling behind its seam, handle_request: the input is
// parsed as an HTTP/1.1 request by Beast's parser (headers, query string,
// cookies, a multipart or JSON body) and, when it parses, handled by an App
// like the demo's: an in-memory engine holding the demo's authority, staff,
// units and content items, the shipped pages, the demo's captcha. The App
// lives for the whole run, as it does in the host, so state (sessions, rate
// limits, cases) builds up across inputs. A 500 answer is a finding: bad
// input must get a 4xx with its reason.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "admin.hpp"
#include "commands.hpp"
#include "fuma/engine.hpp"
#include "fuzz.hpp"
#include "openapi.hpp"
#include "routes.hpp"
#include "site.hpp"

namespace {

namespace http = boost::beast::http;

std::string make_data_dir() {
  std::string dir = (std::filesystem::temp_directory_path() / "fuma-fuzz-host-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) fuma::fuzz::finding("cannot make a data directory");
  return dir;
}

fuma::Options engine_options() {
  fuma::Options options;  // in memory
  options.captcha_answer = std::string(fuma::host::kDemoCaptcha);
  return options;
}

struct Host {
  std::string data = make_data_dir();
  fuma::Engine engine{engine_options()};
  fuma::host::Commands commands = fuma::host::Commands::from_registry(
      fuma::Engine::call_stateless(R"({"command":"fuma.commands"})").json);
  fuma::host::Pages pages = fuma::host::Pages::load(FUMA_HOST_WEB_SOURCE);
  fuma::host::Content content{(std::filesystem::path(data) / "content").string()};
  fuma::host::App app{engine,
                      pages,
                      content,
                      commands,
                      fuma::host::openapi_document(commands),
                      fuma::host::Settings{}};

  Host() {
    app.settings.demo = true;
    app.settings.demo_captcha = std::string(fuma::host::kDemoCaptcha);
    // As --csrf-key gives it, fixed so that a replay answers as the run did.
    app.settings.csrf_key = std::string(32, 'k');
    fuma::host::ensure_demo(engine, data);
  }
  ~Host() {
    std::error_code ec;
    std::filesystem::remove_all(data, ec);
  }
};

Host& host() {
  static Host h;
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Host& h = host();
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(16 * 1024);
  parser.body_limit(2u << 20);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (used < size && !parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec == http::error::need_more) {
      ec = {};
    } else if (ec) {
      return 0;
    }
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done()) {
    // As Beast's read does at the end of the stream: nothing received is
    // no request (put_eof requires that something was).
    if (!parser.got_some()) return 0;
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }
  const fuma::host::Response res =
      fuma::host::handle_request(h.app, parser.get(), fuma::host::Peer{"203.0.113.7"});
  if (res.result_int() >= 500) fuma::fuzz::finding("a 5xx answer to a request");
  return 0;
}
