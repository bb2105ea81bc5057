// SPDX-License-Identifier: Apache-2.0
// Which command takes each step of the workflow: what the workflow's load
// is checked against, and what the case page offers.
#ifndef FUMA_SRC_ENGINE_STEPS_HPP
#define FUMA_SRC_ENGINE_STEPS_HPP

#include <string>
#include <vector>

#include "fuma/workflow.hpp"

namespace fuma::engine {

// The actions that commands take by name, and whether the unit or staff
// takes each: the `step` of every step command (application.save,
// application.accept, ...) but application.submit, which takes the
// validating steps whatever their action.
std::vector<workflow::Runtime::Step> step_actions();

// The command that takes `t`: application.submit for a validating step,
// else "application." + its action. For a definition that passed
// Definition::check against step_actions(), the command exists.
std::string step_command(const workflow::Transition& t);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_STEPS_HPP
