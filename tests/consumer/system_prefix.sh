#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `cmake --install` into /usr/local, as a Debian administrator does it, in a
# mount namespace of its own so that the machine's /usr/local and
# /etc/ld.so.cache are untouched: an empty tmpfs stands for /usr/local and a
# copy of /etc for /etc. Afterwards a C program built with README's
# pkg-config line, and `import fuma`, find libfuma.so.1 with neither
# LD_LIBRARY_PATH nor FUMA_LIBRARY: the install ran ldconfig.
#   system_prefix.sh BUILD_DIR SOURCE_DIR WORK_DIR C_COMPILER
set -eu
build=$1
src=$2
work=$3
cc=$4
rm -rf "$work"
mkdir -p "$work"
if ! unshare -m true 2>/dev/null; then
  echo "FAILED: unshare -m is refused: this test installs into /usr/local inside a mount" \
    "namespace and needs root (CAP_SYS_ADMIN)"
  exit 1
fi
cp -a /etc "$work/etc"

# shellcheck disable=SC2016
exec unshare -m sh -eu -c '
  build=$1 src=$2 work=$3 cc=$4
  mount -t tmpfs tmpfs /usr/local
  mount --bind "$work/etc" /etc
  unset LD_LIBRARY_PATH FUMA_LIBRARY PKG_CONFIG_PATH
  cmake --install "$build" --prefix /usr/local >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; echo "FAILED: cmake --install --prefix /usr/local"; exit 1; }
  grep "ldconfig" "$work/install.log"
  flags=$(pkg-config --cflags --libs fuma)
  echo "pkg-config --cflags --libs fuma: $flags"
  case "$flags" in *rpath*) echo "FAILED: fuma.pc gives an rpath for /usr/local/lib"; exit 1 ;; esac
  # shellcheck disable=SC2086
  "$cc" -std=c99 -Wall -Werror "$src/tests/consumer/project/consumer.c" $flags -o "$work/app"
  "$work/app" || { echo "FAILED: the program does not start"; exit 1; }
  loaded=$(PYTHONPATH="$src/bindings/python" /usr/bin/python3 -c "import fuma; print(fuma.library_path)") ||
    { echo "FAILED: import fuma"; exit 1; }
  [ "$loaded" = libfuma.so.1 ] || { echo "FAILED: import fuma loaded $loaded, not the system loader'"'"'s libfuma.so.1"; exit 1; }
  echo "/usr/local: ldconfig ran; the program and import fuma find libfuma.so.1: ok"
' system_prefix "$build" "$src" "$work" "$cc"
