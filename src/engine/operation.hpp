// SPDX-License-Identifier: Apache-2.0
// The frame every command body runs in, applied from the command's
// declaration. Before the handler the dispatcher (engine.cpp) checks the
// actor's kind against the declared callers (actor.cpp, require_caller). A
// state-changing command then runs in one write transaction that resolves
// the actor, checks the declared roles, answers a repeated idempotency key
// with the remembered result, runs the body, appends the audit record and
// remembers the result: all of it commits together or not at all. A read
// runs in one read transaction that resolves the actor and checks the roles.
// The store is reachable only from here: a handler that never calls
// write_command or read_command still gets its frame, applied by the
// dispatcher around the answer it made.
#ifndef FUMA_SRC_ENGINE_OPERATION_HPP
#define FUMA_SRC_ENGINE_OPERATION_HPP

#include <functional>
#include <optional>
#include <string>

#include "actor.hpp"
#include "command.hpp"
#include "fuma/error.hpp"
#include "store/store.hpp"

namespace fuma::engine {

// What a state-changing command did, for its audit record.
struct Audited {
  std::string target;  // "application:42", "unit:<USCC>", "authority:3"
  std::string before_status;
  std::string after_status;
  // Who the record names when not the request's actor: a login, run by the
  // anonymous actor, names the unit or staff member it was for.
  std::string actor;
  // An answer that is an error, yet whose writes must stand (a failed login
  // counts against the attempt limits): the transaction commits with its
  // audit record (after_status the error's name unless set), nothing is
  // remembered for the idempotency key, and the caller gets this error.
  std::optional<Error> refusal;
};

using WriteBody = std::function<Output(store::Transaction&, const Actor&, Audited&)>;
using ReadBody = std::function<Output(store::Transaction&, const Actor&)>;

// Call after Args::finish(), once, from a command declared Effect::write
// (INTERNAL otherwise). An idempotency key already used by the same actor
// returns that first result without running `body` again, or CONFLICT when
// it was used for another command. An answer that carries bytes out of the
// body is not remembered, and a repeat runs again: session.captcha's
// picture cannot be drawn again from its answer's hash, so a repeat makes a
// new captcha. A command that can draw its bytes again adds them after the
// frame (credential.issue). The anonymous actor
// shares one key space: a repeat with the same key returns the first answer
// only for the very same arguments and bytes (for session.login, the same
// credential picture, which logs in anyway).
Output write_command(Context& ctx, const WriteBody& body);

// A consistent snapshot; an idempotency key is ignored, as repeating a read
// changes nothing. A write command may read first, outside the writer's
// lock (session.login checks the attempt limits before decoding).
Output read_command(Context& ctx, const ReadBody& body);

// store.backup: an online copy of the whole store, outside any transaction.
void backup(Context& ctx, const std::string& path);

// The dispatcher's side of the frame: for a command whose handler returned
// without entering its frame, the frame around the answer it made.
Output apply_frame(Context& ctx, Output out);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_OPERATION_HPP
