#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# libfuma exports the functions fuma.h declares and nothing else, under the
# SONAME that carries the ABI version.
#
#   exports.sh LIB HEADER ABI_VERSION
#
# The environment may name the tools: NM, READELF.
set -euo pipefail

NM=${NM:-nm}
READELF=${READELF:-readelf}
lib=$1 header=$2 abi=$3
fail=0

command -v "$NM" >/dev/null 2>&1 || { echo "exports: $NM not found (binutils)" >&2; exit 1; }
command -v "$READELF" >/dev/null 2>&1 || { echo "exports: $READELF not found (binutils)" >&2; exit 1; }
[ -f "$lib" ] || { echo "exports: no library at $lib" >&2; exit 1; }

# Programs record the SONAME and load whatever file carries it: it must move
# with the ABI version and nothing else.
soname=$("$READELF" -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ "$soname" != "libfuma.so.$abi" ]; then
  echo "exports: FAIL: SONAME is '$soname', expected 'libfuma.so.$abi'" >&2
  fail=1
fi

# Defined dynamic symbols without their @@FUMA_n version suffix. The version
# node itself (an absolute symbol named like FUMA_1) is the script's, not code.
exported=$("$NM" -D --defined-only -P "$lib" | awk '$2 != "A" { sub(/@.*/, "", $1); print $1 }' | sort -u)

stray=$(grep -v '^fuma_' <<<"$exported" || true)
if [ -n "$stray" ]; then
  echo "exports: FAIL: symbols outside fuma_* are exported (hidden visibility or capi/fuma.map broken):" >&2
  echo "$stray" >&2
  fail=1
fi

# Every FUMA_API declaration starts a line of fuma.h with the name before '('.
declared=$(sed -n 's/^FUMA_API[^(]*[^a-z0-9_]\(fuma_[a-z0-9_]*\)(.*/\1/p' "$header" | sort -u)
[ -n "$declared" ] || { echo "exports: no FUMA_API declarations found in $header" >&2; exit 1; }

missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
if [ -n "$missing" ]; then
  echo "exports: FAIL: declared in fuma.h but not exported:" >&2
  echo "$missing" >&2
  fail=1
fi
undeclared=$(comm -13 <(echo "$declared") <(grep '^fuma_' <<<"$exported" || true))
if [ -n "$undeclared" ]; then
  echo "exports: FAIL: exported but not declared in fuma.h:" >&2
  echo "$undeclared" >&2
  fail=1
fi

[ "$fail" -eq 0 ] || exit 1
echo "exports: OK: $soname exports the $(wc -l <<<"$declared") functions fuma.h declares, nothing else"
