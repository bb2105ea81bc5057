// The JSON API: /api/{command} for the unit side and /api/staff/{command}
// for staff, each exposing the engine commands commands.hpp says. The actor
// is always the host's choice, from the session cookie of that side; a body
// can never name one.
#ifndef FUMA_HOST_API_HPP
#define FUMA_HOST_API_HPP

#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "routes.hpp"

namespace fuma::host {

Response handle_command(App& app, const Request& req, const Peer& peer, Side side,
                        std::string_view name);

// GET /api/csrf: a fresh double-submit token, in the body and the cookie.
Response csrf_token(const App& app, const Request& req);

// Whether the request carries a fuma_csrf cookie (pages set one if not).
bool has_csrf_cookie(const Request& req);
// A new random token (32 bytes from OpenSSL, base64url).
std::string new_token();

}  // namespace fuma::host

#endif  // FUMA_HOST_API_HPP
