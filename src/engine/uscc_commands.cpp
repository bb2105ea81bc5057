// uscc.check and uscc.allocate: the USCC module as commands.
#include <boost/json/array.hpp>

#include "command.hpp"
#include "fuma/uscc.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;

json::object division_json(const uscc::Division& d) {
  json::object o;
  o["code"] = d.code;
  o["name"] = d.name;
  o["province"] = d.province;
  o["history"] = d.history;
  o["abolished"] = d.abolished();
  if (d.from_year) o["from_year"] = *d.from_year;
  if (d.to_year) o["to_year"] = *d.to_year;
  return o;
}

json::object parts_json(const uscc::Parts& p) {
  json::object o;
  auto named = [](char code, const std::string& name) {
    json::object x;
    x["code"] = std::string(1, code);
    x["name"] = name.empty() ? json::value(nullptr) : json::value(name);
    return x;
  };
  o["authority"] = named(p.authority, p.authority_name);
  o["category"] = named(p.category, p.category_name);
  if (p.division_info) {
    o["division"] = division_json(*p.division_info);
  } else {
    json::object d;
    d["code"] = p.division;
    d["name"] = nullptr;
    o["division"] = std::move(d);
  }
  o["org_code"] = p.org_code;
  o["check"] = std::string(1, p.check);
  return o;
}

Output check(Context& ctx) {
  std::string_view code = ctx.args.string("code");
  ctx.args.finish();
  const uscc::Check c = uscc::check(code);
  Output out;
  out.json["valid"] = c.ok();
  out.json["reason"] = c.ok() ? json::value(nullptr) : json::value(uscc::reason_name(c.reason));
  out.json["code"] = c.code.empty() ? json::value(nullptr) : json::value(c.code);
  out.json["message"] = c.ok() ? json::value(nullptr) : json::value(c.message);
  out.json["detail"] = c.ok() ? json::value(nullptr) : json::value(c.detail);
  out.json["position"] = c.position == 0 ? json::value(nullptr) : json::value(c.position);
  out.json["parts"] = c.parts ? json::value(parts_json(*c.parts)) : json::value(nullptr);
  json::array warnings;
  for (auto w : c.warnings) warnings.emplace_back(uscc::warning_name(w));
  out.json["warnings"] = std::move(warnings);
  return out;
}

Output allocate(Context& ctx) {
  const char authority = ctx.args.character("authority");
  const char category = ctx.args.character("category");
  const std::string_view division = ctx.args.string("division");
  const std::string_view segment = ctx.args.optional_string("segment").value_or("");
  const std::uint64_t serial = ctx.args.uint("serial");
  ctx.args.finish();
  Output out;
  out.json["code"] = uscc::allocate(authority, category, division, segment, serial);
  return out;
}

}  // namespace

std::vector<Command> uscc_commands() {
  return {
      {"uscc.allocate", false, allocate},
      {"uscc.check", false, check},
  };
}

}  // namespace fuma::engine
