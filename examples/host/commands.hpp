// SPDX-License-Identifier: Apache-2.0
// Which engine commands each side of the API exposes, and how: made once, at
// start, from the engine's registry (the command fuma.commands), never
// written down here. A command's declaration says who may call it, whether
// it writes, which bytes it takes and returns; the host's rules follow:
//
//   side        /api/{command} (unit) routes the commands a unit session or
//               nobody may call; /api/staff/{command} those a staff session
//               or nobody may call. A command only the system, or an
//               identity the host does not authenticate (a unit or staff
//               member asserted by name), may call is not routed at all.
//               A login is routed on its own side only, since its token
//               becomes that side's cookie.
//   actor       the side's session, required when the command needs it,
//               optional when nobody may call it too, never when it is for
//               nobody alone.
//   GET         a command that does not write answers GET and HEAD as well
//               as POST. So does an anonymous write that returns bytes (the
//               captcha a page loads with <img>): acting for nobody, a GET
//               from another site can do nothing that site could not do
//               itself, so the CSRF token guards nothing there. A login
//               stays POST only: a cross-site login is an attack of its own.
//   uploads     a command that takes bytes accepts multipart and raw bodies,
//               and the larger body limit.
//   downloads   returned bytes are an attachment named by the answer's
//               file_name; bytes the declaration gives no name are shown,
//               not saved (Content-Disposition: inline).
#ifndef FUMA_HOST_COMMANDS_HPP
#define FUMA_HOST_COMMANDS_HPP

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace fuma::host {

enum class Side { unit, staff };

// Whom a command runs as.
enum class Who {
  nobody,    // never an actor, even with a cookie (logins, public lookups)
  optional,  // the session when there is one (the filled 申领表 for staff)
  session,   // the session of this side's cookie, or 401
};

struct Route {
  std::string name;
  Who who = Who::nobody;
  bool get = false;           // also answers GET and HEAD, args in ?args=
  bool writes = false;        // its effect is a write
  bool takes_data = false;    // bytes beside the args: multipart or a raw body
  bool shown_inline = false;  // returned bytes without a name of their own
  bool login = false;         // its answer's token becomes the side's cookie
  bool logout = false;        // its answer clears the side's cookie
  // The args name the user's address ("client") or the uploaded file's name
  // ("file_name"): the host fills them in.
  bool takes_client = false;
  bool takes_file_name = false;
  boost::json::object declaration;  // as fuma.commands gives it
};

class Commands {
 public:
  // Builds both sides from fuma.commands' answer. Throws std::runtime_error
  // for an answer it cannot read.
  static Commands from_registry(std::string_view registry);

  // The route of a command on a side, or null; a binary search.
  const Route* find(Side side, std::string_view name) const;
  // Each side's routes, sorted by name.
  const std::vector<Route>& routes(Side side) const;

  // Whether a GET or HEAD of this path runs a command that writes.
  bool get_writes(std::string_view path) const;
  // Whether this path runs a command that takes bytes.
  bool takes_upload(std::string_view path) const;

 private:
  std::vector<Route> unit_;
  std::vector<Route> staff_;
  std::vector<std::string> get_writes_;  // paths
  std::vector<std::string> uploads_;     // paths
};

// The path prefix of a side: "/api/" or "/api/staff/".
std::string_view side_prefix(Side side);

}  // namespace fuma::host

#endif  // FUMA_HOST_COMMANDS_HPP
