# SPDX-License-Identifier: Apache-2.0
# The project's commands. `make run` and `make test` are enough on a fresh
# Debian 12 machine: each installs what is missing first. `make build` and
# `make run` install only what building needs (scripts/install-deps --build:
# Debian packages, never npm); `make test` installs the test tools as well.
BUILD     ?= build
ASAN      ?= build-asan
JOBS      ?= $(shell nproc)
CMAKE_ARGS ?=
LISTEN    ?= 127.0.0.1:8080
DATA      ?= var
UNITS     ?= 1000000

# cmake and ctest run in parallel themselves; make's own targets run in
# order, so that two apt-get never race for dpkg's lock under `make -j`.
.NOTPARALLEL:

.PHONY: all deps deps-build build test stress-tests run sanitize fuzz fuzz-merge bench bench-postgresql bench-scale docs screenshots format clean deb

all: build

deps:
	scripts/install-deps

deps-build:
	scripts/install-deps --build

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DFUMA_WERROR=ON $(CMAKE_ARGS)

build: deps-build $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: deps build
	ctest --test-dir $(BUILD) --output-on-failure --no-label-summary -j $(JOBS)

# The whole suite ten times in a row under a CPU hog, with more jobs than
# cores (scripts/stress-tests): no test may depend on speed.
stress-tests: deps build
	scripts/stress-tests $(BUILD) $(or $(ROUNDS),10)

run: build
	mkdir -p $(DATA)
	$(BUILD)/examples/host/fuma-host --listen $(LISTEN) --data $(DATA) --demo

# AddressSanitizer + UndefinedBehaviorSanitizer over the C++, C and host
# suites and the fuzz harnesses' replays.
sanitize: deps
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DFUMA_WERROR=ON \
	  -DFUMA_SANITIZE=address,undefined -DFUMA_BUILD_HOST=ON $(CMAKE_ARGS)
	cmake --build $(ASAN) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN) --output-on-failure --no-label-summary -j $(JOBS) -L '^(cxx|c|host|fuzz)$$'

# The libFuzzer harnesses (tests/fuzz), built with clang-16 and ASan+UBSan
# in build-fuzz (the C ABI as a static library: the shared one may leave
# no symbol undefined, and the sanitizers' are the program's), each run for FUZZ_SECONDS (120) over its corpus, one at a
# time (HARNESSES="a b" picks some). New inputs stay in
# build-fuzz/fuzz-scratch until `make fuzz-merge` minimises them into the
# corpus. Optimised, but without NDEBUG: an assertion that an input breaks
# (fuma's, or a library's such as Beast's) is a finding. See docs/fuzzing.md.
FUZZ      ?= build-fuzz
FUZZ_SECONDS ?= 120
HARNESSES ?=
fuzz: deps
	CC=clang-16 CXX=clang++-16 cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" \
	  -DFUMA_FUZZ=ON -DFUMA_SANITIZE=address,undefined -DFUMA_BUILD_TESTS=OFF \
	  -DFUMA_BUILD_BENCH=OFF -DFUMA_BUILD_HOST=ON -DFUMA_SHARED=OFF $(CMAKE_ARGS)
	cmake --build $(FUZZ) -j $(JOBS) --target fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) ASAN_OPTIONS=detect_leaks=1 scripts/fuzz $(FUZZ) $(HARNESSES)

fuzz-merge:
	scripts/fuzz --merge $(FUZZ) $(HARNESSES)

bench: deps
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DFUMA_BUILD_BENCH=ON \
	  -DFUMA_BUILD_TESTS=OFF -DFUMA_BUILD_HOST=ON $(CMAKE_ARGS)
	cmake --build build-bench -j $(JOBS) --target fuma-bench fuma-bench-calls fuma-bench-login \
	  fuma-bench-forms fuma-host
	build-bench/tests/bench/fuma-bench
	build-bench/tests/bench/fuma-bench-calls
	build-bench/tests/bench/fuma-bench-login
	build-bench/tests/bench/fuma-bench-forms
	tests/bench/host/run.py build-bench/examples/host/fuma-host

# The host on PostgreSQL (a durable server of the benchmark's own) against
# SQLite, then two hosts behind HAProxy against one, each pair A B B A twice.
bench-postgresql: deps
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DFUMA_BUILD_BENCH=ON \
	  -DFUMA_BUILD_TESTS=OFF -DFUMA_BUILD_HOST=ON $(CMAKE_ARGS)
	cmake --build build-bench -j $(JOBS) --target fuma-host
	tests/bench/host/run.py build-bench/examples/host/fuma-host --rounds 2 \
	  --target sqlite --target postgresql --target postgresql:2

# UNITS units with UNITS cases on each backend (1,000,000 unless given; the
# SQLite file goes to build-bench/scale.db, removed afterwards).
bench-scale: deps
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DFUMA_BUILD_BENCH=ON \
	  -DFUMA_BUILD_TESTS=OFF -DFUMA_BUILD_HOST=ON $(CMAKE_ARGS)
	cmake --build build-bench -j $(JOBS) --target fuma-bench-scale
	rm -f build-bench/scale.db build-bench/scale.db-wal build-bench/scale.db-shm
	build-bench/tests/bench/fuma-bench-scale --store build-bench/scale.db --units $(UNITS)
	rm -f build-bench/scale.db build-bench/scale.db-wal build-bench/scale.db-shm
	tests/support/pg-server --durable sh -c \
	  'build-bench/tests/bench/fuma-bench-scale --store "$$FUMA_TEST_STORE" --units $(UNITS) --batch 100'

# The C header's HTML reference (Doxygen), in $(BUILD)/docs/html.
docs: build
	cmake --build $(BUILD) --target docs

# The operating manuals' screenshots, taken from the demo host by the browser
# walk and written, optimised, into docs/zh/images/.
screenshots: build
	tests/browser/screenshots $(BUILD)

# The Debian packages libfuma1, libfuma-dev, fuma-host and python3-fuma, in
# $(BUILD)/deb/ (scripts/build-deb). Their CMake tree is kept there, shared
# with the test package.build_deb: a rebuild compiles only what changed.
deb: deps
	scripts/build-deb $(BUILD)/deb

format:
	find include src capi examples tests -name '*.[ch]pp' -o -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
