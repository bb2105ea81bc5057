// How a command is written: a name, whether it needs the store, and a handler
// that turns checked arguments into a JSON result (and bytes beside it).
// Only the engine's own translation units include this (it pulls Boost.JSON).
#ifndef FUMA_SRC_ENGINE_COMMAND_HPP
#define FUMA_SRC_ENGINE_COMMAND_HPP

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fuma::store {
class Store;
}
namespace fuma::workflow {
class Definition;
}
namespace fuma::attachments {
class Rules;
}
namespace fuma::guide {
class Guide;
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
  std::optional<bool> optional_bool(std::string_view key);
  // Null when absent; the pointers live as long as the request.
  const boost::json::object* optional_object(std::string_view key);
  const boost::json::array* optional_array(std::string_view key);

  // Call after reading: throws for any field no reader asked for.
  void finish() const;

  // The whole object, as the request gave it.
  const boost::json::object& all() const { return args_; }

 private:
  const boost::json::value* find(std::string_view key);
  const boost::json::object& args_;
  std::vector<std::string_view> read_;
};

// The engine's workflow definition and attachment checklist: a locality's
// own or the shipped ones. Commands take them from here, never from a
// global, so two engines in one process can follow different rules.
struct Domain {
  const workflow::Definition& workflow;
  const attachments::Rules& rules;
  const guide::Guide& guide;
};

struct Security;
struct Printing;

struct Context {
  fuma::store::Store* store;  // null for stateless calls
  Domain domain;
  const Security* security;  // null for stateless calls
  const Printing* printing;  // null for stateless calls
  Args args;
  const boost::json::object* actor;  // null when the request names none
  std::string_view data;
  std::string_view command;          // the command's name, as requested
  std::string_view idempotency_key;  // empty when the request carries none
  // The engine's clock, read once when the request arrives: every record a
  // command writes carries the same time.
  std::chrono::system_clock::time_point now{};
  // Where the call's JSON is made: an arena that lives as long as the call,
  // so that building the answer costs no malloc per value and dropping it
  // no walk. Nothing made in it outlives the call.
  boost::json::storage_ptr storage{};
};

struct Output {
  boost::json::object json;  // "ok": true is added by the engine
  std::string data;
  // The rest of the answer, made after the command's transaction has ended
  // (by write_command and read_command, through finish()) from what the
  // command read inside it: a write then holds the store's one writer only
  // while it reads and writes the store, not while its answer is built.
  std::function<void(Output&)> rest;
  // Members of the answer already written as JSON text ("key":value, comma
  // separated; see json_text.hpp), which follow those of `json`; no key is
  // in both.
  std::string members;
};

// Completes out with out.rest, once.
inline void finish(Output& out) {
  if (!out.rest) return;
  auto rest = std::move(out.rest);
  out.rest = nullptr;
  rest(out);
}

// The text of an answer: `json` serialised, with `members` after its own.
std::string answer_text(const boost::json::object& json, const std::string& members);

// An empty answer made in the call's arena: what a case view goes into.
inline Output output(const Context& ctx) {
  return Output{boost::json::object(ctx.storage), {}, {}, {}};
}

struct Command {
  std::string_view name;
  bool needs_store;
  Output (*run)(Context&);
};

// An argument the command cannot take: Error(invalid_argument) with the
// detail "args.<arg> <detail>" and one problem naming the field, so that a
// form shows the message beside it.
[[noreturn]] void bad_arg(std::string_view arg, std::string detail, std::string message);

// Every command, sorted by name. Each module contributes its own list.
const std::vector<Command>& commands();
std::vector<Command> uscc_commands();
std::vector<Command> system_commands();
std::vector<Command> setup_commands();
std::vector<Command> application_commands();
std::vector<Command> attachment_commands();
std::vector<Command> query_commands();
std::vector<Command> credential_commands();
std::vector<Command> session_commands();
std::vector<Command> print_commands();
std::vector<Command> guide_commands();

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_COMMAND_HPP
