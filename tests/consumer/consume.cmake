# Installs a build into a fresh prefix and uses it the way other projects do.
#   cmake -DMODE=install_consume|conan_test_package -DBUILD_DIR=... -P consume.cmake
#
# install_consume     the consumer project (C and C++, find_package), the same
#                     C program built with pkg-config alone, and the package's
#                     version rule;
# conan_test_package  conan/test_package built against our own fumaConfig, as
#                     no Conan client exists to run it the Conan way.
#
# Variables (set by tests/consumer/CMakeLists.txt): MODE BUILD_DIR WORK_DIR
# SOURCE_DIR CONAN_TEST_PACKAGE CONFIG GENERATOR MAKE_PROGRAM C_COMPILER
# CXX_COMPILER LAUNCHER SANITIZE LIBDIR SHARED ABI_VERSION PKG_CONFIG
# COMPATIBLE INCOMPATIBLE HOST MANDIR MAN.
cmake_minimum_required(VERSION 3.20)

foreach(var MODE BUILD_DIR WORK_DIR SOURCE_DIR C_COMPILER CXX_COMPILER LIBDIR ABI_VERSION)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "consume.cmake: ${var} is not set")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)

# Runs one step; on failure stops with its name and everything it printed.
# ECHO prints the output of a step that succeeded too (the programs' checks).
function(step name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "ECHO" "" "COMMAND")
  execute_process(COMMAND ${arg_COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${arg_COMMAND}")
    message(FATAL_ERROR "${MODE}: FAILED: ${name} (exit ${rc})\n  ${cmd}\n${out}")
  endif()
  if(arg_ECHO)
    message("${out}")
  endif()
  message(STATUS "${MODE}: ${name}: ok")
endfunction()

function(expect_file path why)
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "${MODE}: FAILED: the install lacks ${path} (${why})")
  endif()
endfunction()

# The consumers use the build's compilers and, for a sanitized build, the same
# sanitizers: an instrumented libfuma cannot load into an uninstrumented program.
set(san_flags "")
if(SANITIZE)
  set(san_flags "-fsanitize=${SANITIZE}")
endif()
set(cmake_args -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${C_COMPILER}
               -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
               "-DCMAKE_C_FLAGS=${san_flags}" "-DCMAKE_CXX_FLAGS=${san_flags}"
               "-DCMAKE_EXE_LINKER_FLAGS=${san_flags}")
if(GENERATOR)
  list(APPEND cmake_args -G ${GENERATOR})
endif()
if(MAKE_PROGRAM)
  list(APPEND cmake_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(CONFIG)
  list(APPEND cmake_args -DCMAKE_BUILD_TYPE=${CONFIG})
endif()
if(LAUNCHER)
  list(APPEND cmake_args -DCMAKE_C_COMPILER_LAUNCHER=${LAUNCHER} -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
set(config_args "")
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()

# Configures and builds a project against the prefix, and checks that the
# fuma it found is the one just installed, not a build tree or /usr/local.
function(build_project name source binary)
  step("configure ${name}" COMMAND ${CMAKE_COMMAND} -S ${source} -B ${binary} ${cmake_args})
  file(STRINGS ${binary}/CMakeCache.txt fuma_dir REGEX "^fuma_DIR:")
  string(REGEX REPLACE "^fuma_DIR:[A-Z]+=" "" fuma_dir "${fuma_dir}")
  file(REAL_PATH "${fuma_dir}" fuma_dir)
  file(REAL_PATH "${prefix}" real_prefix)
  string(FIND "${fuma_dir}/" "${real_prefix}/" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "${MODE}: FAILED: ${name} found fuma in '${fuma_dir}', not in ${prefix}")
  endif()
  step("build ${name}" COMMAND ${CMAKE_COMMAND} --build ${binary} ${config_args})
endfunction()

# The program a multi-config generator puts under a configuration folder.
function(find_program_built out binary name)
  foreach(dir ${binary} ${binary}/${CONFIG})
    if(EXISTS ${dir}/${name})
      set(${out} ${dir}/${name} PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "${MODE}: FAILED: no ${name} in ${binary}")
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

step("cmake --install into ${prefix}"
     COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} ${config_args})
expect_file(${prefix}/include/fuma/fuma.h "the C header")
expect_file(${prefix}/include/fuma/version.h "the generated header fuma.h includes")
expect_file(${prefix}/${LIBDIR}/cmake/fuma/fumaConfig.cmake "find_package(fuma CONFIG)")
expect_file(${prefix}/${LIBDIR}/cmake/fuma/fumaConfigVersion.cmake "the version rule")
expect_file(${prefix}/${LIBDIR}/pkgconfig/fuma.pc "pkg-config")
if(SHARED)
  expect_file(${prefix}/${LIBDIR}/libfuma.so.${ABI_VERSION} "the SONAME programs load")
endif()

if(MODE STREQUAL "conan_test_package")
  build_project("conan/test_package" ${CONAN_TEST_PACKAGE} ${WORK_DIR}/test_package)
  find_program_built(exe ${WORK_DIR}/test_package test_package)
  step("run conan/test_package" ECHO COMMAND ${exe})
  return()
elseif(NOT MODE STREQUAL "install_consume")
  message(FATAL_ERROR "consume.cmake: unknown MODE '${MODE}'")
endif()

# 0. fuma-host(1): where man looks for it, found by name and rendered without
# a warning (tests/host/test_manpage.py checks its text).
if(HOST)
  expect_file(${prefix}/${MANDIR}/man1/fuma-host.1 "fuma-host(1), installed for man")
  if(NOT MAN)
    message(FATAL_ERROR "${MODE}: FAILED: man not found (scripts/install-deps installs man-db)")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C MANWIDTH=80
                          ${MAN} --warnings=w -M ${prefix}/${MANDIR} 1 fuma-host
                  RESULT_VARIABLE rc OUTPUT_VARIABLE page ERROR_VARIABLE warnings)
  if(NOT rc EQUAL 0 OR NOT warnings STREQUAL "" OR NOT page MATCHES "^FUMA-HOST\\(1\\)")
    message(FATAL_ERROR "${MODE}: FAILED: man -M ${prefix}/${MANDIR} 1 fuma-host "
                        "(exit ${rc}):\n${warnings}")
  endif()
  message(STATUS "${MODE}: man finds fuma-host(1) in the installed tree: ok")
endif()

# 1. CMake: find_package(fuma CONFIG REQUIRED), fuma::capi and fuma::fuma.
build_project("the consumer project" ${SOURCE_DIR}/project ${WORK_DIR}/cmake)
find_program_built(consumer_c ${WORK_DIR}/cmake consumer_c)
find_program_built(consumer_cxx ${WORK_DIR}/cmake consumer_cxx)
step("run the C consumer (fuma::capi)" ECHO COMMAND ${consumer_c})
step("run the C++ consumer (fuma::fuma)" ECHO COMMAND ${consumer_cxx} ${WORK_DIR}/engine.sqlite)

# 2. pkg-config alone, as a Makefile would: the flags it prints must be enough
# to compile and link, and its libdir must be the prefix the files are in.
if(NOT PKG_CONFIG)
  message(FATAL_ERROR "${MODE}: FAILED: pkg-config not found (scripts/install-deps installs it)")
endif()
set(pc_env ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig)
set(pc_static "")
if(NOT SHARED)
  # A static libfuma needs the C++ library and its dependencies (Libs.private).
  set(pc_static --static)
endif()
execute_process(COMMAND ${pc_env} ${PKG_CONFIG} --cflags --libs ${pc_static} fuma
                RESULT_VARIABLE rc OUTPUT_VARIABLE pc_flags ERROR_VARIABLE pc_err
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${MODE}: FAILED: pkg-config --cflags --libs fuma (exit ${rc}):\n${pc_err}")
endif()
execute_process(COMMAND ${pc_env} ${PKG_CONFIG} --variable=libdir fuma
                OUTPUT_VARIABLE pc_libdir OUTPUT_STRIP_TRAILING_WHITESPACE)
file(REAL_PATH "${pc_libdir}" pc_libdir)
file(REAL_PATH "${prefix}/${LIBDIR}" real_libdir)
if(NOT pc_libdir STREQUAL real_libdir)
  message(FATAL_ERROR "${MODE}: FAILED: fuma.pc says libdir=${pc_libdir}, but the library is in "
                      "${real_libdir}: the .pc file does not follow the install prefix")
endif()
message(STATUS "${MODE}: pkg-config --cflags --libs fuma: ${pc_flags}")
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(san_list UNIX_COMMAND "${san_flags}")
file(MAKE_DIRECTORY ${WORK_DIR}/pkgconfig)
step("compile the C consumer with pkg-config flags"
     COMMAND ${C_COMPILER} -std=c99 -Wall -Wextra -Wpedantic -Werror ${san_list}
             ${SOURCE_DIR}/project/consumer.c ${pc_flags} -Wl,-rpath,${pc_libdir}
             -o ${WORK_DIR}/pkgconfig/consumer_c)
step("run the C consumer built with pkg-config" ECHO COMMAND ${WORK_DIR}/pkgconfig/consumer_c)

# 3. Versions: same major accepted, another major refused; from a C-only project.
step("version rule: fuma ${COMPATIBLE} accepted, ${INCOMPATIBLE} refused"
     COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/version -B ${WORK_DIR}/version ${cmake_args}
             -DCOMPATIBLE=${COMPATIBLE} -DINCOMPATIBLE=${INCOMPATIBLE} -DSHARED=${SHARED})

message(STATUS "${MODE}: the installed package works from CMake, pkg-config and C/C++")
