# SPDX-License-Identifier: Apache-2.0
# Turns a data file into a C++ source defining
#   std::string_view fuma::embedded::<SYMBOL>() noexcept
# over its bytes, so the library carries its data and needs no install path.
# Usage: cmake -DINPUT=file -DOUTPUT=file.cpp -DSYMBOL=name -P embed.cmake
foreach(var INPUT OUTPUT SYMBOL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed.cmake: ${var} is not set")
  endif()
endforeach()

file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){20})" "\\1\n" bytes "${bytes}")
get_filename_component(name "${INPUT}" NAME)

file(WRITE "${OUTPUT}.tmp"
"// Generated from ${name} by scripts/cmake/embed.cmake; edit the data file.\n"
"#include <string_view>\n\n"
"namespace fuma::embedded {\n"
"namespace {\n"
"// A trailing NUL keeps the array non-empty for an empty file.\n"
"const unsigned char kData[] = {\n${bytes}0x00};\n"
"}  // namespace\n\n"
"std::string_view ${SYMBOL}() noexcept {\n"
"  return {reinterpret_cast<const char*>(kData), sizeof kData - 1};\n"
"}\n\n"
"}  // namespace fuma::embedded\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
