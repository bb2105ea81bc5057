#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# libfuma's ABI, dumped and compared with libabigail.
#
#   abicheck.sh dump LIB OUT HEADERS_DIR...
#       writes LIB's ABI to OUT (scripts/abi-baseline uses it);
#   abicheck.sh check BASELINE LIB WORKDIR HEADERS_DIR...
#       dumps LIB into WORKDIR the same way and compares it with BASELINE.
#
# HEADERS_DIR are the public header directories (include/fuma of the source
# tree and of the build tree, for the generated version.h). Types declared
# elsewhere -- the struct behind an opaque fuma_engine, say -- are private and
# only their names count, so the C++ internals may change freely.
#
# The environment may name the tools: ABIDW, ABIDIFF, READELF.
set -euo pipefail

ABIDW=${ABIDW:-abidw}
ABIDIFF=${ABIDIFF:-abidiff}
READELF=${READELF:-readelf}

die() {
  echo "abicheck: $*" >&2
  exit 1
}

# need NAME PROGRAM: CMake passes NAME-NOTFOUND for a program it did not find.
need() {
  command -v "$2" >/dev/null 2>&1 || die "$1 not found: install abigail-tools and binutils (scripts/install-deps)"
}

# Not grep -q: it would close the pipe early and, under pipefail, turn
# readelf's SIGPIPE into "no debug info".
has_debug_info() {
  "$READELF" -S --wide "$1" | grep '\.debug_info' >/dev/null
}

# Whether abidw told public from private types. abidiff reports nothing when
# a struct is defined on one side and only declared on the other, so a dump
# that got it wrong would pass silently: with public types reduced to
# declarations (header paths not matching the debug info), every change to
# struct fuma_error would go unseen; with private ones defined (no headers
# found), a baseline would hold the C++ internals behind fuma_engine.
tells_public_from_private() {
  grep -q "<class-decl name='fuma_error' size-in-bits=" "$1" &&
    grep -q "<class-decl name='fuma_engine' .*is-declaration-only='yes'" "$1"
}

# Options, with why:
#   --drop-private-types --exported-interfaces-only  the C ABI is the fuma_*
#       functions and the types declared in the public headers, nothing else;
#   --no-elf-needed  DT_NEEDED (Boost's soname, say) is not libfuma's ABI;
#   --no-show-locs --short-locs --no-corpus-path --no-comp-dir-path  no line
#       numbers or checkout paths, so a regenerated baseline differs from the
#       stored one only where the ABI does.
dump() {
  local lib=$1 out=$2
  shift 2
  local hd=()
  for dir in "$@"; do
    [ -d "$dir" ] || die "no header directory $dir"
    hd+=(--headers-dir "$dir")
  done
  need abidw "$ABIDW"
  [ -f "$lib" ] || die "no library at $lib"
  "$ABIDW" "${hd[@]}" --drop-private-types --exported-interfaces-only --no-elf-needed \
    --no-show-locs --short-locs --no-corpus-path --no-comp-dir-path --out-file "$out" "$lib"
}

check() {
  local baseline=$1 lib=$2 work=$3
  shift 3
  need abidiff "$ABIDIFF"
  need readelf "$READELF"
  [ -f "$baseline" ] || die "no baseline at $baseline (scripts/abi-baseline writes it)"
  tells_public_from_private "$baseline" ||
    die "$baseline does not define struct fuma_error or defines the opaque fuma_engine: regenerate it with scripts/abi-baseline from a build with debug info"
  mkdir -p "$work"
  local current=$work/libfuma.abi
  dump "$lib" "$current" "$@"

  if has_debug_info "$lib"; then
    tells_public_from_private "$current" ||
      die "abidw did not tell public from private types in $lib: the header directories ($*) do not match the paths in its debug info"
  else
    # A Release build (-O2, no -g) still lets abidiff compare the exported
    # symbols, so a removed function fails; signatures and struct layouts
    # need the debug info of a RelWithDebInfo or Debug build.
    echo "abicheck: NOTE: $lib has no debug info; comparing symbols only, not types"
  fi

  # Added functions are compatible and are not reported (--no-added-syms).
  # Exit status bits: 1 error, 2 usage error, 4 ABI change, 8 incompatible
  # change. Any of them fails: a reported change is a changed or removed
  # released interface, which fuma.h promises never to make.
  local rc=0
  "$ABIDIFF" --no-default-suppression --no-added-syms "$baseline" "$current" || rc=$?
  if [ "$rc" -eq 0 ]; then
    # Say what the baseline does not cover yet, so it is refreshed at release.
    local added
    added=$("$ABIDIFF" --no-default-suppression "$baseline" "$current" | grep "^  \[A\]" || true)
    if [ -n "$added" ]; then
      echo "abicheck: functions not in the baseline yet (run scripts/abi-baseline when releasing):"
      echo "$added"
    fi
    echo "abicheck: OK: libfuma keeps every interface of $(basename "$baseline")"
    return 0
  fi
  if [ $((rc & 3)) -ne 0 ]; then
    die "abidiff failed to run (exit status $rc)"
  fi
  local what="changed"
  [ $((rc & 8)) -ne 0 ] && what="changed incompatibly (a removed symbol or a new SONAME)"
  cat >&2 <<EOF
abicheck: FAIL: the C ABI $what (abidiff exit status $rc); see the report above.
  Existing signatures and public structs never change (fuma.h, convention 7):
  add a new function with a _v2 suffix instead. A deliberate break needs
  FUMA_ABI_VERSION raised and the baseline regenerated with scripts/abi-baseline.
EOF
  exit 1
}

case "${1:-}" in
  dump)
    [ $# -ge 4 ] || die "usage: $0 dump LIB OUT HEADERS_DIR..."
    shift
    lib=$1 out=$2
    shift 2
    # Written aside first: a failed dump must not replace a good baseline.
    dump "$lib" "$out.tmp" "$@"
    if ! tells_public_from_private "$out.tmp"; then
      rm -f "$out.tmp"
      die "abidw did not tell public from private types in $lib: build with debug info (RelWithDebInfo or Debug), from this source tree"
    fi
    mv "$out.tmp" "$out"
    ;;
  check)
    [ $# -ge 5 ] || die "usage: $0 check BASELINE LIB WORKDIR HEADERS_DIR..."
    shift
    check "$@"
    ;;
  *)
    die "usage: $0 dump|check ..."
    ;;
esac
