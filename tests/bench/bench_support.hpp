// SPDX-License-Identifier: Apache-2.0
// What the plain benchmark programs that drive the engine through
// Engine::call share: the request text, a call that returns the result (and
// its bytes), the setup as the system (the authority sz and its acceptor),
// a registered unit, a credential request, and the median and percentiles
// of the timings.
#ifndef FUMA_TESTS_BENCH_BENCH_SUPPORT_HPP
#define FUMA_TESTS_BENCH_BENCH_SUPPORT_HPP

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "fuma/engine.hpp"

namespace fuma::bench {

namespace json = boost::json;

// The request Engine::call takes; no actor when `actor` is empty.
inline std::string request_text(const std::string& command, const json::object& args,
                                const json::object& actor) {
  json::object req{{"command", command}, {"args", args}};
  if (!actor.empty()) req["actor"] = actor;
  return json::serialize(req);
}

// The result of a command (a failure throws fuma::Error); `out`, if given,
// gets the result's bytes.
inline json::object call(Engine& e, const std::string& command, const json::object& args,
                         const json::object& actor, const std::string& data = {},
                         std::string* out = nullptr) {
  Response r = e.call(request_text(command, args, actor), data);
  if (out) *out = std::move(r.data);
  return json::parse(r.json).as_object();
}

// The authority sz and its acceptor acc, created as the system; acc's actor.
inline json::object setup_acceptor(Engine& e) {
  const json::object system{{"system", true}};
  call(e, "authority.create",
       {{"code", "sz"}, {"name", "深圳市委机构编制委员会办公室"}, {"division", "440300"}}, system);
  call(e, "staff.create",
       {{"authority", "sz"}, {"username", "acc"}, {"name", "甲"}, {"roles", {"acceptor"}}}, system);
  return {{"staff", "acc"}};
}

// unit.register on site by `acceptor`: the result.
inline json::object register_unit(Engine& e, const json::object& acceptor, const std::string& name,
                                  const std::string& address) {
  return call(
      e, "unit.register",
      {{"name", name}, {"category", "机关"}, {"address", address}, {"responsible_person", "张三"}},
      acceptor);
}

// credential.request (first, for 李四) by `acceptor`: the result.
inline json::object request_credential(Engine& e, const json::object& acceptor,
                                       const std::string& uscc, const std::string& requested_on) {
  return call(e, "credential.request",
              {{"uscc", uscc},
               {"reason", "first"},
               {"recipient", "李四"},
               {"phone", "13800138000"},
               {"requested_on", requested_on}},
              acceptor);
}

// The login picture (PNG bytes) issued to a unit that `acceptor` registers
// on site (深圳市某局).
inline std::string unit_with_picture(Engine& e, const json::object& acceptor) {
  const std::string uscc(
      register_unit(e, acceptor, "深圳市某局", "深圳市福田区").at("uscc").as_string());
  const auto request = request_credential(e, acceptor, uscc, "2026-01-05");
  std::string png;
  call(e, "credential.issue",
       {{"request", request.at("request").at("id")}, {"delivery", "on_site"}}, acceptor, {}, &png);
  return png;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

inline double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace fuma::bench

#endif  // FUMA_TESTS_BENCH_BENCH_SUPPORT_HPP
