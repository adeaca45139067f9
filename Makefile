# folio — thin wrapper around CMake (like Neovim's): deps, build, demo, test, bench, fuzz.
# Every target that builds first runs `deps`, which installs missing Debian packages.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
NOMPI_BUILD ?= build-nompi
# `make fuzz`: seconds per harness; `make test`: seconds per harness as a ctest
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 3
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE      ?= cmake

DEB_PACKAGES := build-essential cmake pkg-config lua5.4 liblua5.4-dev \
                libopenblas-dev liblapacke-dev libnlopt-dev libyaml-dev libcsv-dev libsqlite3-dev libglpk-dev libjansson-dev \
                libopenmpi-dev openmpi-bin \
                clang llvm

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build asan fuzz-build demo demo-backtest test test-release test-asan test-fuzz test-nompi fuzz bench bench-scale clean help

all: build

help:
	@echo "make deps    install missing Debian packages (apt-get)"
	@echo "make         build into $(BUILD)/"
	@echo "make demo    deps + build + the weekly multi-sleeve rebalance on the sample data"
	@echo "make test    deps + build + ctest, then the same suite under ASan+UBSan, then each"
	@echo "             fuzzer for FUZZ_TEST_SECONDS (default 3) on its corpus (docs/fuzzing.md)"
	@echo "make fuzz    deps + build the fuzzers (clang, $(FUZZ_BUILD)/) and run each for"
	@echo "             FUZZ_SECONDS (default 60); FUZZERS=\"csv_wide json\" picks some"
	@echo "make bench   deps + build + benchmarks (then make bench-scale: the MPI sweep and"
	@echo "             the 1,000 accounts, several minutes)"

# Installs only what is missing; does nothing (not even apt-get update) when all is present.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all Debian packages present"; fi

$(BUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(ASAN_BUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFOLIO_SANITIZE=ON

# The fuzz build: clang, libFuzzer + ASan + UBSan, -O1 with assertions on.
$(FUZZ_BUILD)/CMakeCache.txt:
	CC=clang $(CMAKE) -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -g" \
	  -DFOLIO_FUZZ=ON -DFOLIO_WERROR=OFF -DFOLIO_FUZZ_TEST_SECONDS=$(FUZZ_TEST_SECONDS)

build: deps $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j $(JOBS)

asan: deps $(ASAN_BUILD)/CMakeCache.txt
	$(CMAKE) --build $(ASAN_BUILD) -j $(JOBS)

fuzz-build: deps $(FUZZ_BUILD)/CMakeCache.txt
	$(CMAKE) -S . -B $(FUZZ_BUILD) -DFOLIO_FUZZ_TEST_SECONDS=$(FUZZ_TEST_SECONDS) >/dev/null
	$(CMAKE) --build $(FUZZ_BUILD) -j $(JOBS)

# Each harness in turn for FUZZ_SECONDS; the corpus grows in
# $(FUZZ_BUILD)/fuzz-runs/<name>/ (fuzz/corpus/ is only read).
FUZZERS ?= $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
fuzz: fuzz-build
	@failed=""; for t in $(FUZZERS); do \
	  echo "== fuzz_$$t ($(FUZZ_SECONDS) s)"; \
	  OPENBLAS_NUM_THREADS=1 sh fuzz/run.sh fuzz $(CURDIR)/$(FUZZ_BUILD)/fuzz/fuzz_$$t $(FUZZ_SECONDS) \
	    $(CURDIR)/$(FUZZ_BUILD)/fuzz-runs || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: findings in:$$failed"; exit 1; fi

# The multi-asset rebalance (docs/rebalance.md) on the sample data, at a stated
# instant (15:45 New York on Monday 2024-11-25: equities in RTH, crypto and FX
# in 24h), with the crypto sleeve driven by examples/policies/invvol_capped.lua.
# A fresh event store every time, so the demo is repeatable.
DEMO_ASOF ?= 2024-11-25T15:45:00-05:00
demo: build
	rm -rf examples/out && mkdir -p examples/out
	./$(BUILD)/folio rebalance --fund examples/fund.yaml --positions examples/data/positions.csv \
	  --prices examples/data/prices.csv --asof $(DEMO_ASOF) \
	  --out examples/out/orders.csv --store examples/out/fund.db

# The same fund replayed over the sample history (docs/backtest.md): the CSV
# files, summary.json and the SVG plots in examples/out/backtest/.
demo-backtest: build
	rm -rf examples/out/backtest && mkdir -p examples/out/backtest
	./$(BUILD)/folio backtest --fund examples/fund.yaml --prices examples/data/prices.csv \
	  --out examples/out/backtest
	@echo "plots: examples/out/backtest/equity.svg weights.svg turnover_costs.svg contributions.svg (open in a browser)"

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  OPENBLAS_NUM_THREADS=1 ctest --output-on-failure -j $(JOBS)

test-fuzz: fuzz-build
	cd $(FUZZ_BUILD) && ctest --output-on-failure -j $(JOBS)

# The program built without MPI (MPI is optional): --shard, merge, and
# `mpirun` starting processes that each run their shard (docs/scale.md).
$(NOMPI_BUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(NOMPI_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOLIO_WITH_MPI=OFF

test-nompi: deps $(NOMPI_BUILD)/CMakeCache.txt
	$(CMAKE) --build $(NOMPI_BUILD) --target folio_host -j $(JOBS)
	cd $(NOMPI_BUILD) && ctest --output-on-failure -j $(JOBS) -R 'lua_test_(units|sweep|accounts|scale_mpi)$$'

test: test-release test-asan test-fuzz test-nompi

bench: build
	$(CMAKE) --build $(BUILD) --target folio_bench -j $(JOBS)
	./$(BUILD)/bench/folio_bench

# docs/scale.md: 64 backtests on 1 and 2 MPI ranks; 1,000 accounts on one core.
bench-scale: build
	FOLIO_BIN=./$(BUILD)/folio ./$(BUILD)/folio run --trusted bench/scale/bench_scale.lua

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(NOMPI_BUILD)
