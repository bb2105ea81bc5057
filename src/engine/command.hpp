// SPDX-License-Identifier: Apache-2.0
// How a command is written: one descriptor (Command, below) that declares
// everything a caller may rely on, and a handler that turns checked arguments
// into its answer (Output: the answer's JSON members, written as text after
// the command's transaction, and bytes beside them). Each area file
// (setup_commands.cpp, application_commands.cpp, ...) declares its commands
// beside their handlers; the dispatcher finds them by name, and
// fuma.commands (registry.cpp) hands the whole registry to any embedder.
//
// A descriptor says:
//   name, summary         the command's name; what it does, in Chinese and English
//   callers, roles        which actors the request envelope may name for it
//                         (actor.hpp), and the staff roles it needs: the
//                         dispatcher refuses any other before the handler's
//                         body runs (require_caller, require_declared_role)
//   step                  for a workflow step: the action whose transitions in
//                         the engine's workflow definition decide who may
//                         take it; the roles declared are the shipped
//                         workflow's, those checked the engine's
//   effect                stateless (no store), read, or write: the frame the
//                         dispatcher runs the command in (operation.hpp)
//   takes, returns        bytes beside the JSON: whether, which media types,
//                         and for returned bytes the file name they are given
//   args, result          JSON Schema (draft 2020-12) of "args" and of the
//                         result. "#/$defs/NAME" names a shared definition
//                         (registry.cpp), copied into each schema that uses
//                         it; the result's "ok": true is added by the registry
//   errors                the codes the command itself answers; the registry
//                         adds those of the frame around it (frame_errors)
//   tier                  stable, or experimental (may change in any release)
// It is plain data. Its schemas are compiled once (schema.hpp), when the
// first command runs: the dispatcher checks every request's "args" against
// the args schema before the handler runs (check_args), and reads callers,
// roles, step and effect to apply the frame; the test suites check every
// result against the result schema.
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

#include "fuma/error.hpp"
#include "fuma/workflow.hpp"

namespace fuma::store {
class Store;
using Id = std::int64_t;
}  // namespace fuma::store
namespace fuma::workflow {
class Definition;
}
namespace fuma::attachments {
class Rules;
}
namespace fuma::guide {
class Guide;
struct Locality;
}  // namespace fuma::guide

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

class Calendar;

// The engine's workflow definition and attachment checklist: a locality's
// own or the shipped ones. Commands take them from here, never from a
// global, so two engines in one process can follow different rules.
struct Domain {
  const workflow::Definition& workflow;
  const attachments::Rules& rules;
  const guide::Guide& guide;
  // 联系电话及其他 and the registry of 事业单位 (guide.get).
  const guide::Locality& locality;
  // The official holidays and make-up working days deadlines count on.
  const Calendar& calendar;
};

struct Security;
struct Printing;
struct Command;

// What the request's "actor" claims, before any record is read (actor.hpp
// resolves it). The dispatcher parses it once, before the handler runs.
struct Claim {
  enum class Kind { none, system, staff, unit, session, staff_session };
  Kind kind = Kind::none;
  std::string name;  // the username, the USCC or the session token
  // For a session: the hash its record is found by, or empty for text that
  // is no session token at all.
  std::string token_hash;
};

// The store, as a handler holds it: reachable only through the frame
// (operation.hpp), so a handler cannot open a transaction of its own.
class StoreAccess {
 public:
  explicit StoreAccess(fuma::store::Store* store) : store_(store) {}

 private:
  friend struct Frame;
  fuma::store::Store* store_;
};

struct Context {
  StoreAccess store;  // holds null for stateless calls
  Domain domain;
  const Security* security;  // null for stateless calls
  const Printing* printing;  // null for stateless calls
  Args args;
  const Command& declared;  // the command's declaration
  Claim claim;              // the request's actor, parsed
  std::string_view data;
  std::string_view command;          // the command's name, as requested
  std::string_view idempotency_key;  // empty when the request carries none
  // The caller's id for the request (an HTTP host's X-Request-Id), kept in
  // the command's audit record; empty when the request carries none.
  std::string_view request_id;
  // The engine's clock, read once when the request arrives: every record a
  // command writes carries the same time.
  std::chrono::system_clock::time_point now{};
  // Where the call's JSON is made (the request, and a tree an answer is
  // written from): an arena that lives as long as the call, so that a tree
  // costs no malloc per value and dropping it no walk. Nothing made in it
  // outlives the call.
  boost::json::storage_ptr storage{};
  // The application the command acts on, when it names one: its frame
  // asks the store to read it ahead with the actor (store::ReadAhead), for
  // a server's round trips. Only a hint: the command reads as usual.
  fuma::store::Id case_id = 0;
  // Set by the frame once the command's transaction has run (operation.cpp).
  bool framed = false;
};

class JsonText;

// What a command answers: the members of its JSON answer (the engine puts
// "ok": true before them) and, for a command that returns bytes, the bytes.
// The members are written as text by `write`, into the one writer of the
// answer, after the command's transaction has ended (by the dispatcher),
// from values the command read inside it: a write holds the store's one
// writer only while it reads and writes the store, not while its answer is
// written. An empty `write` answers no members.
struct Output {
  std::function<void(JsonText&)> write;
  std::string data;
};

// The answer whose members are those of `members`, and `data` beside them:
// for an answer small enough that a tree reads best.
Output answer(boost::json::object members, std::string data = {});

// Who may call a command: the kinds of "actor" a request may name for it.
namespace caller {
constexpr unsigned anonymous = 1u << 0;      // needs no actor; one given must be well formed
constexpr unsigned system = 1u << 1;         // {"system": true}
constexpr unsigned staff = 1u << 2;          // {"staff": "<username>"}
constexpr unsigned staff_session = 1u << 3;  // {"staff_session": "<token>"}
constexpr unsigned unit = 1u << 4;           // {"unit": "<USCC>"}
constexpr unsigned session = 1u << 5;        // {"session": "<token>"}
constexpr unsigned any_staff = staff | staff_session;
constexpr unsigned any_unit = unit | session;
}  // namespace caller

// Staff roles as bits; none set: any staff member the callers admit.
constexpr unsigned role_bit(workflow::Role r) { return 1u << static_cast<unsigned>(r); }
template <class... R>
constexpr unsigned roles(R... r) {
  return (0u | ... | role_bit(r));
}

// Error codes as bits (Errc values run from -1 down).
constexpr std::uint64_t error_bit(Errc e) {
  return std::uint64_t{1} << static_cast<unsigned>(-static_cast<int>(e) - 1);
}
template <class... E>
constexpr std::uint64_t errors(E... e) {
  return (std::uint64_t{0} | ... | error_bit(e));
}

enum class Effect : std::uint8_t { stateless, read, write };
enum class Tier : std::uint8_t { stable, experimental };
enum class Presence : std::uint8_t { none, optional, required };

// Bytes beside the JSON, in the request or in the answer.
struct Bytes {
  Presence presence = Presence::none;
  std::string_view media_types;  // space separated
  // For returned bytes: the name the answer's "file_name" gives them, with
  // {placeholders}; empty when the answer names none.
  std::string_view file_name;
};

struct Command {
  std::string_view name;
  std::string_view summary_zh;
  std::string_view summary_en;
  unsigned callers = 0;  // caller:: bits
  unsigned roles = 0;    // role_bit()s
  std::string_view step;
  Effect effect = Effect::read;
  Bytes takes;
  Bytes returns;
  std::string_view args;    // JSON Schema text
  std::string_view result;  // JSON Schema text, without "ok"
  std::uint64_t errors = 0;
  Tier tier = Tier::stable;
  Output (*run)(Context&) = nullptr;

  constexpr bool needs_store() const { return effect != Effect::stateless; }
  // Whether the command resolves the request's actor (actor.cpp).
  constexpr bool resolves_actor() const { return (callers & ~caller::anonymous) != 0; }
};

// The codes any command answers by the frame it runs in, beyond its own:
// every command INVALID_ARGUMENT (the request), INTERNAL and OUT_OF_MEMORY;
// one with a store STORAGE and STORE_UNAVAILABLE (a database server out of
// reach); one that resolves an actor FORBIDDEN,
// SESSION_EXPIRED, UNIT_REVOKED and COMMITMENT_REQUIRED (for a session, as
// actor.hpp says); every write CONFLICT (an idempotency key used for
// another request).
constexpr std::uint64_t frame_errors(const Command& c) {
  std::uint64_t e = errors(Errc::invalid_argument, Errc::internal, Errc::out_of_memory);
  if (c.needs_store()) e |= errors(Errc::storage, Errc::store_unavailable);
  if (c.resolves_actor()) {
    e |= errors(Errc::forbidden, Errc::session_expired, Errc::unit_revoked,
                Errc::commitment_required);
  }
  if (c.effect == Effect::write) e |= error_bit(Errc::conflict);
  return e;
}

namespace schema {
class Schema;
}

// Refuses, before the handler runs, args that the command's args schema
// refuses: Error(invalid_argument) with the detail "args.<field> <detail>"
// and one problem per field, as bad_arg gives. `args` is the request's
// "args", null when it gives none. `c` is an element of commands(); every
// command's schemas are compiled once, when the first command runs.
void check_args(const Command& c, const boost::json::value* args);
// A command's schemas as fuma.commands publishes them, compiled.
const schema::Schema& args_schema(const Command& c);
const schema::Schema& result_schema(const Command& c);

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
