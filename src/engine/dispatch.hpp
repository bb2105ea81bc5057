// SPDX-License-Identifier: Apache-2.0
// The dispatcher: finds a request's command in a list of declarations and
// runs its handler in the frame the declaration asks for (operation.hpp).
// Engine::call dispatches over commands(); a test may dispatch over a list
// with commands of its own, without any global list changing.
#ifndef FUMA_SRC_ENGINE_DISPATCH_HPP
#define FUMA_SRC_ENGINE_DISPATCH_HPP

#include <chrono>
#include <functional>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "fuma/engine.hpp"

namespace fuma::engine {

// What an engine lends each call; the pointers are null for stateless calls.
struct Services {
  store::Store* store;
  Domain domain;
  const Security* security;
  const Printing* printing;
  std::function<std::chrono::system_clock::time_point()> clock;  // empty: the system clock
};

// `list` sorted by name. Throws fuma::Error as Engine::call does.
Response dispatch(const std::vector<Command>& list, const Services& services,
                  std::string_view request, std::string_view data);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_DISPATCH_HPP
