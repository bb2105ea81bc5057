// The workflow definition embedded at build time (see scripts/cmake/embed.cmake).
#ifndef FUMA_SRC_WORKFLOW_EMBEDDED_HPP
#define FUMA_SRC_WORKFLOW_EMBEDDED_HPP

#include <string_view>

namespace fuma::embedded {

std::string_view workflow_definition() noexcept;

}  // namespace fuma::embedded

#endif  // FUMA_SRC_WORKFLOW_EMBEDDED_HPP
