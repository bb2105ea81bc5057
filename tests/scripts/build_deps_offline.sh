#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `make build`'s dependency step works without the network and never runs
# npm: in a scratch copy of the Makefile, scripts/install-deps and the
# browser tests' lock file (with no node_modules, so that the full mode
# would have to run `npm ci`), `make deps-build` runs with npm pointed at an
# unreachable registry, without a network namespace where unshare allows it,
# and under strace, which records every program it starts.
#   build_deps_offline.sh SOURCE_DIR WORK_DIR
set -eu
src=$1
work=$2
rm -rf "$work"
mkdir -p "$work/tree/scripts" "$work/tree/tests/browser"
cp "$src/Makefile" "$work/tree/"
cp "$src/scripts/install-deps" "$work/tree/scripts/"
cp "$src/tests/browser/package.json" "$src/tests/browser/package-lock.json" "$work/tree/tests/browser/"

offline=""
if unshare -n true 2>/dev/null; then
  offline="unshare -n"
fi
status=0
# shellcheck disable=SC2086
env npm_config_registry=http://127.0.0.1:9 npm_config_fetch_retries=0 \
  $offline strace -f -qq -e trace=execve -o "$work/trace" \
  make -s -C "$work/tree" deps-build >"$work/out" 2>&1 || status=$?
cat "$work/out"
if [ "$status" -ne 0 ]; then
  echo "FAILED: make deps-build exited $status${offline:+ without a network}"
  exit 1
fi
grep -q "^install-deps: all packages present for building" "$work/out" || {
  echo "FAILED: install-deps --build did not report its packages present"
  exit 1
}
# execve("/usr/bin/npm", ...) or node, whether it succeeded or not.
if grep -E 'execve\("[^"]*/(npm|npx|node|nodejs)"' "$work/trace"; then
  echo "FAILED: make deps-build started npm or node"
  exit 1
fi
if [ -e "$work/tree/tests/browser/node_modules" ]; then
  echo "FAILED: make deps-build created tests/browser/node_modules"
  exit 1
fi
grep -q 'execve("[^"]*/install-deps", \["[^"]*install-deps", "--build"\]' "$work/trace" || {
  echo "FAILED: make deps-build did not run scripts/install-deps --build"
  exit 1
}
echo "make deps-build: no npm, no node${offline:+, no network}: ok"
