// How a command is written: a name, whether it needs the store, and a handler
// that turns checked arguments into a JSON result (and bytes beside it).
// Only the engine's own translation units include this (it pulls Boost.JSON).
#ifndef FUMA_SRC_ENGINE_COMMAND_HPP
#define FUMA_SRC_ENGINE_COMMAND_HPP

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fuma::store {
class Store;
}

namespace fuma::engine {

// Reads a command's "args" object, naming the field in every complaint, and
// refuses fields the command does not know (a misspelt field is an error,
// not a silent default).
class Args {
 public:
  explicit Args(const boost::json::object& args) : args_(args) {}

  std::string_view string(std::string_view key);
  std::optional<std::string_view> optional_string(std::string_view key);
  std::uint64_t uint(std::string_view key);
  std::optional<std::uint64_t> optional_uint(std::string_view key);
  // A string of exactly one character.
  char character(std::string_view key);

  // Call after reading: throws for any field no reader asked for.
  void finish() const;

 private:
  const boost::json::value* find(std::string_view key);
  const boost::json::object& args_;
  std::vector<std::string_view> read_;
};

struct Context {
  store::Store* store;  // null for stateless calls
  Args args;
  const boost::json::object* actor;  // null when the request names none
  std::string_view data;
};

struct Output {
  boost::json::object json;  // "ok": true is added by the engine
  std::string data;
};

struct Command {
  std::string_view name;
  bool needs_store;
  Output (*run)(Context&);
};

// Every command, sorted by name. Each module contributes its own list.
const std::vector<Command>& commands();
std::vector<Command> uscc_commands();
std::vector<Command> system_commands();

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_COMMAND_HPP
