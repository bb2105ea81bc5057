// The frame every command body runs in. A state-changing command runs in one
// write transaction that resolves the actor, answers a repeated idempotency
// key with the remembered result, runs the body, appends the audit record
// and remembers the result: all of it commits together or not at all.
#ifndef FUMA_SRC_ENGINE_OPERATION_HPP
#define FUMA_SRC_ENGINE_OPERATION_HPP

#include <functional>
#include <string>

#include "actor.hpp"
#include "command.hpp"
#include "store/store.hpp"

namespace fuma::engine {

// What a state-changing command did, for its audit record.
struct Audited {
  std::string target;  // "application:42", "unit:<USCC>", "authority:3"
  std::string before_status;
  std::string after_status;
};

using WriteBody = std::function<Output(store::Transaction&, const Actor&, Audited&)>;
using ReadBody = std::function<Output(store::Transaction&, const Actor&)>;

// Call after Args::finish(). An idempotency key already used by the same
// actor returns that first result without running `body` again, or CONFLICT
// when it was used for another command. Results with bytes beside the JSON
// are not remembered (no state-changing command returns any).
Output write_command(Context& ctx, const WriteBody& body);

// Read-only commands: a consistent snapshot; an idempotency key is ignored,
// as repeating a read changes nothing.
Output read_command(Context& ctx, const ReadBody& body);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_OPERATION_HPP
