// The JSON API: /api/{command} for the unit side and /api/staff/{command}
// for staff, each a table of the engine commands it exposes. The actor is
// always the host's choice, from the session cookie of that side; a body
// can never name one.
#ifndef FUMA_HOST_API_HPP
#define FUMA_HOST_API_HPP

#include <string>
#include <string_view>
#include <vector>

#include "routes.hpp"

namespace fuma::host {

enum class Side { unit, staff };

Response handle_command(App& app, const Request& req, const Peer& peer, Side side,
                        std::string_view name);

// GET /api/csrf: a fresh double-submit token, in the body and the cookie.
Response csrf_token(const App& app, const Request& req);

// Whether the request carries a fuma_csrf cookie (pages set one if not).
bool has_csrf_cookie(const Request& req);
// A new random token (32 bytes from OpenSSL, base64url).
std::string new_token();

// Every command path the API exposes ("/api/session.login",
// "/api/staff/application.accept"), for the OpenAPI check.
std::vector<std::string> command_paths();

}  // namespace fuma::host

#endif  // FUMA_HOST_API_HPP
