# SPDX-License-Identifier: Apache-2.0
# Run by `cmake --install` after libfuma is in place (see CMakeLists.txt):
# makes the installed libfuma.so.1 findable without LD_LIBRARY_PATH, the way
# a Debian administrator expects.
#
# - libdir is a directory the loader searches (/usr/lib/<multiarch> for the
#   prefix /usr, /usr/local/lib through /etc/ld.so.conf.d/libc.conf): the
#   loader's cache is refreshed with ldconfig, as a Debian package's trigger
#   does, and fuma.pc gives plain -L -lfuma;
# - any other libdir (/opt/fuma/lib, a home directory): fuma.pc's Libs carry
#   -Wl,-rpath,${libdir}, so a program built with `pkg-config --libs fuma`
#   finds the library where it was installed.
#
# Staged installs (DESTDIR, as packaging does) and installs by a user who
# may not write the cache never run ldconfig; the package's own trigger or
# the administrator does. Set FUMA_LDCONFIG=OFF in the environment to skip it.
#
# Variables set before this script runs: FUMA_INSTALL_LIBDIR (relative to the
# prefix), FUMA_LDCONFIG_PROGRAM, FUMA_PC_PLAIN, FUMA_PC_RPATH (the two
# fuma.pc variants in the build tree), FUMA_INSTALL_SHARED.

set(_fuma_libdir "${FUMA_INSTALL_LIBDIR}")
if(NOT IS_ABSOLUTE "${_fuma_libdir}")
  set(_fuma_libdir "${CMAKE_INSTALL_PREFIX}/${_fuma_libdir}")
endif()
file(REAL_PATH "${_fuma_libdir}" _fuma_real_libdir)

# The directories ldconfig reads (its configuration and the trusted ones),
# as it lists them itself; real paths, for Debian's merged /usr.
set(_fuma_searched FALSE)
if(FUMA_LDCONFIG_PROGRAM)
  execute_process(COMMAND ${FUMA_LDCONFIG_PROGRAM} -v -N OUTPUT_VARIABLE _fuma_dirs
                  ERROR_QUIET RESULT_VARIABLE _fuma_rc)
  string(REGEX MATCHALL "(^|\n)/[^:\n]*:" _fuma_dirs "${_fuma_dirs}")
  foreach(_fuma_dir IN LISTS _fuma_dirs)
    string(REGEX REPLACE "^\n|:$" "" _fuma_dir "${_fuma_dir}")
    if(EXISTS "${_fuma_dir}")
      file(REAL_PATH "${_fuma_dir}" _fuma_dir)
      if(_fuma_dir STREQUAL _fuma_real_libdir)
        set(_fuma_searched TRUE)
      endif()
    endif()
  endforeach()
endif()

if(_fuma_searched)
  set(_fuma_pc "${FUMA_PC_PLAIN}")
else()
  set(_fuma_pc "${FUMA_PC_RPATH}")
endif()
file(INSTALL DESTINATION "${_fuma_libdir}/pkgconfig" TYPE FILE RENAME fuma.pc FILES "${_fuma_pc}")

if(NOT FUMA_INSTALL_SHARED)
  return()
endif()
if(_fuma_searched)
  if(NOT "$ENV{DESTDIR}" STREQUAL "" OR "$ENV{FUMA_LDCONFIG}" STREQUAL "OFF")
    message(STATUS "Not running ldconfig (DESTDIR or FUMA_LDCONFIG=OFF): run it once "
                   "libfuma.so.${FUMA_ABI_VERSION} is in ${_fuma_libdir}")
  else()
    execute_process(COMMAND ${FUMA_LDCONFIG_PROGRAM} RESULT_VARIABLE _fuma_rc
                    ERROR_VARIABLE _fuma_err)
    if(_fuma_rc EQUAL 0)
      message(STATUS "ldconfig: the loader finds libfuma.so.${FUMA_ABI_VERSION} in ${_fuma_libdir}")
    else()
      message(WARNING "ldconfig failed (${_fuma_err}): programs will not find "
                      "libfuma.so.${FUMA_ABI_VERSION} until root runs ldconfig")
    endif()
  endif()
else()
  message(STATUS "${_fuma_libdir} is not a directory the loader searches: programs built "
                 "with `pkg-config --libs fuma` carry it as their RUNPATH; others need "
                 "-Wl,-rpath,${_fuma_libdir} or an /etc/ld.so.conf.d/ entry")
endif()
