# SPDX-License-Identifier: Apache-2.0
# Installs a build into a fresh prefix and uses it the way other projects do.
#   cmake -DMODE=install_consume|conan_test_package -DBUILD_DIR=... -P consume.cmake
#
# install_consume     the consumer project (C and C++, find_package), the same
#                     C program built with pkg-config alone and run with no
#                     LD_LIBRARY_PATH, a C-only consumer of fuma::capi from a
#                     C++ project that sees none of the C++ library's
#                     dependencies, the package's version rule, and the Python
#                     package, pip-installed, finding this libfuma by itself;
# conan_test_package  conan/test_package built against our own fumaConfig, as
#                     no Conan client exists to run it the Conan way.
#
# Variables (set by tests/consumer/CMakeLists.txt): MODE BUILD_DIR WORK_DIR
# SOURCE_DIR CONAN_TEST_PACKAGE CONFIG GENERATOR MAKE_PROGRAM C_COMPILER
# CXX_COMPILER LAUNCHER SANITIZE LIBDIR SHARED ABI_VERSION PKG_CONFIG
# COMPATIBLE INCOMPATIBLE HOST MANDIR MAN PYTHON PYTHON_PACKAGE.
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
# No -rpath of our own and no LD_LIBRARY_PATH: what fuma.pc prints must be
# enough for the program to find libfuma.so.1 when it starts.
step("compile the C consumer with pkg-config flags"
     COMMAND ${C_COMPILER} -std=c99 -Wall -Wextra -Wpedantic -Werror ${san_list}
             ${SOURCE_DIR}/project/consumer.c ${pc_flags} -o ${WORK_DIR}/pkgconfig/consumer_c)
set(no_library_env ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH --unset=FUMA_LIBRARY)
step("run the C consumer built with pkg-config, no LD_LIBRARY_PATH" ECHO
     COMMAND ${no_library_env} ${WORK_DIR}/pkgconfig/consumer_c)

# 3. Versions: same major accepted, another major refused; from a C-only project.
step("version rule: fuma ${COMPATIBLE} accepted, ${INCOMPATIBLE} refused"
     COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/version -B ${WORK_DIR}/version ${cmake_args}
             -DCOMPATIBLE=${COMPATIBLE} -DINCOMPATIBLE=${INCOMPATIBLE} -DSHARED=${SHARED})

# 4. A C++ project that only calls the C ABI, where the C++ library's
# dependencies cannot be found: COMPONENTS capi, and no components at all,
# configure and build; COMPONENTS cxx fails naming the Debian packages.
file(MAKE_DIRECTORY ${WORK_DIR}/no-pkgconfig)
set(no_deps_env ${CMAKE_COMMAND} -E env PKG_CONFIG_LIBDIR=${WORK_DIR}/no-pkgconfig
                --unset=PKG_CONFIG_PATH)
set(no_deps_args -DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON
                 -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON -DCMAKE_DISABLE_FIND_PACKAGE_ZXing=ON)
if(SHARED)
  foreach(request capi default)
    step("configure a C++ project using fuma::capi (${request}) without fuma++'s dependencies"
         COMMAND ${no_deps_env} ${CMAKE_COMMAND} -S ${SOURCE_DIR}/capi_only
                 -B ${WORK_DIR}/capi_only_${request} ${cmake_args} ${no_deps_args}
                 -DREQUEST=${request})
    step("build it" COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/capi_only_${request} ${config_args})
    find_program_built(exe ${WORK_DIR}/capi_only_${request} consumer_c)
    step("run it" COMMAND ${no_library_env} ${exe})
  endforeach()
endif()
execute_process(COMMAND ${no_deps_env} ${CMAKE_COMMAND} -S ${SOURCE_DIR}/capi_only
                        -B ${WORK_DIR}/capi_only_cxx ${cmake_args} ${no_deps_args} -DREQUEST=cxx
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "${MODE}: FAILED: COMPONENTS cxx was found without its dependencies")
endif()
foreach(debian libboost1.81-dev libsqlite3-dev libssl-dev libzxing-dev libstb-dev libpodofo-dev
               libharfbuzz-dev libfontconfig-dev)
  if(NOT out MATCHES "${debian}")
    message(FATAL_ERROR "${MODE}: FAILED: COMPONENTS cxx without its dependencies does not name "
                        "the package ${debian}:\n${out}")
  endif()
endforeach()
message(STATUS "${MODE}: fuma::capi needs no C++ dependency; fuma::fuma names the packages: ok")

# 5. Python: `pip install bindings/python`, then `import fuma` with neither
# LD_LIBRARY_PATH nor FUMA_LIBRARY: the package finds the libfuma of this
# prefix through its fuma.pc, as an administrator of /opt/fuma sets up
# PKG_CONFIG_PATH for building C programs. (A sanitized libfuma cannot load
# into an uninstrumented interpreter.)
if(SHARED AND NOT SANITIZE)
  if(NOT PYTHON OR NOT PYTHON_PACKAGE)
    message(FATAL_ERROR "${MODE}: FAILED: PYTHON and PYTHON_PACKAGE must be set")
  endif()
  step("pip install bindings/python"
       COMMAND ${CMAKE_COMMAND} -E env PIP_NO_INDEX=1 PIP_NO_CACHE_DIR=1
               PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
               ${PYTHON} -m pip install --quiet --no-deps --target ${WORK_DIR}/site
               ${PYTHON_PACKAGE})
  execute_process(COMMAND ${no_library_env} PYTHONPATH=${WORK_DIR}/site
                          PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig
                          ${PYTHON} -c "import fuma; print(fuma.library_path)"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE loaded ERROR_VARIABLE err
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${MODE}: FAILED: import fuma (exit ${rc}):\n${err}")
  endif()
  file(REAL_PATH "${loaded}" loaded)
  file(REAL_PATH "${real_libdir}/libfuma.so.${ABI_VERSION}" expected)
  if(NOT loaded STREQUAL expected)
    message(FATAL_ERROR "${MODE}: FAILED: import fuma loaded '${loaded}', not "
                        "${real_libdir}/libfuma.so.${ABI_VERSION}")
  endif()
  message(STATUS "${MODE}: import fuma loads ${loaded}: ok")
endif()

message(STATUS "${MODE}: the installed package works from CMake, pkg-config, C/C++ and Python")
