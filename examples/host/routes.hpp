// Where the application starts: an HTTP request in, an HTTP response out.
// Everything that touches the domain is an engine command; this layer only
// translates between HTTP and the engine's JSON.
#ifndef FUMA_HOST_ROUTES_HPP
#define FUMA_HOST_ROUTES_HPP

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>

namespace fuma {
class Engine;
}

namespace fuma::host {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct App {
  Engine& engine;
};

// Runs on an engine worker thread, never on an I/O thread: engine commands
// may wait on SQLite. Never throws; an unexpected exception becomes a 500
// whose body says nothing about the cause (the log does).
Response handle_request(App& app, const Request& req) noexcept;

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
