#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# scripts/spdx on a scratch copy of the tracked files, with every licence
# line taken out first: --check must then fail, scripts/spdx must add the
# line to every file --list names, a second run must change nothing, and
# the files must still be what their tools accept (shebangs and doctypes
# first; Python, shell and JavaScript parse; CMake configures; fuma.h
# compiles as strict C99).
#   spdx_scratch.sh SOURCE_DIR WORK_DIR
set -eu
src=$1
work=$2
tree=$work/tree
fail() { echo "FAILED: $*"; exit 1; }

rm -rf "$work"
mkdir -p "$tree"
(cd "$src" && git ls-files -z | tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$tree"
cp "$src/scripts/spdx" "$tree/scripts/spdx"  # the script under test, committed or not
(cd "$tree" && git init -q && git add -A)

grep -rlZ --exclude-dir=.git "SPDX-License-Identifier: Apache-2.0" "$tree" |
  xargs -0 -r sed -i '1,5{/SPDX-License-Identifier: Apache-2.0/d}'
"$tree/scripts/spdx" --list >"$work/list"
[ -s "$work/list" ] || fail "scripts/spdx --list names no file"
for f in $(cat "$work/list"); do head -c2 "$tree/$f"; echo; done >"$work/firsts.before"

if "$tree/scripts/spdx" --check >"$work/check.before"; then
  fail "scripts/spdx --check passed on a tree without licence lines"
fi
"$tree/scripts/spdx" >"$work/add" || fail "scripts/spdx exited $?: $(cat "$work/add")"
"$tree/scripts/spdx" --check || fail "scripts/spdx --check fails after scripts/spdx"
grep -q "^spdx: added the licence line to 0 file(s)$" <<EOF2 || fail "a second run changed files"
$("$tree/scripts/spdx")
EOF2

# Every file listed carries it in its first lines; what came first stays first.
for f in $(cat "$work/list"); do
  head -n 3 "$tree/$f" | grep -q "SPDX-License-Identifier: Apache-2.0" || fail "$f lacks the line"
done
for f in $(cat "$work/list"); do head -c2 "$tree/$f"; echo; done >"$work/firsts.after"
grep -n '^#!' "$work/firsts.before" | cut -d: -f1 >"$work/shebangs.before"
grep -n '^#!' "$work/firsts.after" | cut -d: -f1 >"$work/shebangs.after"
cmp -s "$work/shebangs.before" "$work/shebangs.after" || fail "a #! line is no longer first"
for f in $(grep '\.html$' "$work/list"); do
  head -n1 "$tree/$f" | grep -qi '^<!doctype html>' || fail "$f: the doctype is no longer first"
done

# The languages' own tools accept the files.
for f in $(grep '\.py$' "$work/list"); do
  /usr/bin/python3 -c 'import ast, sys; ast.parse(open(sys.argv[1], "rb").read(), sys.argv[1])' \
    "$tree/$f" || fail "$f does not parse"
done
for f in $(cat "$work/list"); do
  case "$(head -n1 "$tree/$f")" in
    '#!/bin/sh'* | '#!/bin/bash'* | '#!/usr/bin/env bash'*) bash -n "$tree/$f" || fail "$f" ;;
    '#!/usr/bin/python3'*) /usr/bin/python3 -m py_compile "$tree/$f" || fail "$f" ;;
  esac
done
for f in $(grep -E '\.(m?js)$' "$work/list"); do
  node --check "$tree/$f" || fail "$f does not parse"
done
cmake -S "$tree" -B "$work/build" -DFUMA_BUILD_TESTS=OFF -DFUMA_BUILD_BENCH=OFF \
  -DFUMA_BUILD_HOST=ON >"$work/cmake.log" 2>&1 || fail "CMake does not configure: $(tail -20 "$work/cmake.log")"
cc -std=c99 -Wall -Wextra -pedantic -Werror -fsyntax-only -I"$tree/include" \
  -I"$work/build/include" -x c "$tree/include/fuma/fuma.h" || fail "fuma.h does not compile"

echo "scripts/spdx gave $(wc -l <"$work/list") source files the licence line: ok"
