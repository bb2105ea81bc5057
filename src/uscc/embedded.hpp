// The data files embedded at build time (see scripts/cmake/embed.cmake).
#ifndef FUMA_SRC_USCC_EMBEDDED_HPP
#define FUMA_SRC_USCC_EMBEDDED_HPP

#include <string_view>

namespace fuma::embedded {

std::string_view gbt2260_divisions() noexcept;
std::string_view divisions_extra() noexcept;
std::string_view authorities() noexcept;

}  // namespace fuma::embedded

#endif  // FUMA_SRC_USCC_EMBEDDED_HPP
