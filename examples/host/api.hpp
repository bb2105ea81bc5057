// SPDX-License-Identifier: Apache-2.0
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

// GET /api/csrf: the request's token if it holds for the session cookies
// the request carries, else a new one; in the body and the cookie.
Response csrf_token(const App& app, const Request& req);

// The CSRF token is OWASP's signed double-submit cookie: 22 characters of
// random nonce, then HMAC-SHA256 under the host's CSRF key (Settings) over
// the nonce and both session cookies the browser holds (fuma_unit and
// fuma_staff, empty when absent), base64url. A token is good only beside
// the sessions it was made for: one from another browser's session, or one
// planted before a login, fails. Anonymous requests bind to no session.

// Whether the request's fuma_csrf cookie holds for its session cookies
// (pages set a fresh one if not).
bool csrf_cookie_holds(const App& app, const Request& req);
// A new token for the session cookies `unit` and `staff`.
std::string new_csrf(const App& app, std::string_view unit, std::string_view staff);
// A new token for the session cookies the request carries.
std::string new_csrf(const App& app, const Request& req);

}  // namespace fuma::host

#endif  // FUMA_HOST_API_HPP
