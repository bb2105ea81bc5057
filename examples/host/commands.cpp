// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <stdexcept>

namespace fuma::host {
namespace {

namespace json = boost::json;

// A side of the API: the session kind its cookie holds (a caller of
// fuma.commands), and the commands that open and end that session. These
// are the host's cookie handling, not facts about commands.
struct SideSession {
  Side side;
  std::string_view caller;  // "session" or "staff_session"
  std::string_view login;
  std::string_view logout;
};
constexpr SideSession kSides[] = {
    {Side::unit, "session", "session.login", "session.logout"},
    {Side::staff, "staff_session", "staff.login", "staff.logout"},
};

bool has(const json::array& list, std::string_view word) {
  return std::any_of(list.begin(), list.end(), [word](const json::value& v) {
    return v.is_string() && v.get_string() == word;
  });
}

bool has_property(const json::object& schema, std::string_view name) {
  const json::value* props = schema.if_contains("properties");
  return props && props->is_object() && props->get_object().contains(name);
}

// The route of a declaration on a side, or false when the side has none.
bool route_on(const SideSession& s, const json::object& d, Route& r) {
  r.name = std::string(d.at("name").as_string());
  const json::array& callers = d.at("callers").as_array();
  const bool anonymous = has(callers, "anonymous");
  const bool with_session = has(callers, s.caller);
  if (!anonymous && !with_session) return false;
  for (const SideSession& other : kSides) {
    if (other.side != s.side && other.login == r.name) return false;
  }
  r.who = with_session ? (anonymous ? Who::optional : Who::session) : Who::nobody;
  r.writes = d.at("effect").as_string() == "write";
  const bool only_anonymous = anonymous && callers.size() == 1;
  const json::value& returns = d.at("returns");
  r.login = r.name == s.login;
  r.logout = r.name == s.logout;
  r.get = !r.writes || (only_anonymous && !returns.is_null() && !r.login);
  r.takes_data = !d.at("takes").is_null();
  r.shown_inline = !returns.is_null() && returns.as_object().at("file_name").is_null();
  const json::object& args = d.at("args").as_object();
  r.takes_client = has_property(args, "client");
  r.takes_file_name = r.takes_data && has_property(args, "file_name");
  r.declaration = d;
  return true;
}

const std::vector<Route>* pick(const std::vector<Route>& unit, const std::vector<Route>& staff,
                               Side side) {
  return side == Side::unit ? &unit : &staff;
}

}  // namespace

std::string_view side_prefix(Side side) { return side == Side::unit ? "/api/" : "/api/staff/"; }

Commands Commands::from_registry(std::string_view registry) {
  Commands out;
  try {
    const json::value v = json::parse(registry);
    const json::array& list = v.at("commands").as_array();
    for (const SideSession& s : kSides) {
      std::vector<Route>& routes = s.side == Side::unit ? out.unit_ : out.staff_;
      for (const json::value& d : list) {
        Route r;
        if (!route_on(s, d.as_object(), r)) continue;
        const std::string path = std::string(side_prefix(s.side)) + r.name;
        if (r.get && r.writes) out.get_writes_.push_back(path);
        if (r.takes_data) out.uploads_.push_back(path);
        routes.push_back(std::move(r));
      }
      std::sort(routes.begin(), routes.end(),
                [](const Route& a, const Route& b) { return a.name < b.name; });
      if (std::none_of(routes.begin(), routes.end(), [](const Route& r) { return r.login; })) {
        throw std::runtime_error("the registry has no " + std::string(s.login));
      }
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("the engine's command registry: ") + e.what());
  }
  return out;
}

const Route* Commands::find(Side side, std::string_view name) const {
  const std::vector<Route>& routes = *pick(unit_, staff_, side);
  const auto it = std::lower_bound(routes.begin(), routes.end(), name,
                                   [](const Route& r, std::string_view n) { return r.name < n; });
  return it != routes.end() && it->name == name ? &*it : nullptr;
}

const std::vector<Route>& Commands::routes(Side side) const { return *pick(unit_, staff_, side); }

bool Commands::get_writes(std::string_view path) const {
  return std::find(get_writes_.begin(), get_writes_.end(), path) != get_writes_.end();
}

bool Commands::takes_upload(std::string_view path) const {
  return std::find(uploads_.begin(), uploads_.end(), path) != uploads_.end();
}

}  // namespace fuma::host
