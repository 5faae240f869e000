# Two commands on a fresh Debian machine:  make demo   and   make test
# Both install missing dependencies (scripts/install-deps.sh), configure and build first.
BUILD ?= build
NP    ?= 2
JOBS  ?= $(shell nproc)
CMAKE_ARGS ?=
# Open MPI refuses root without these; harmless for a normal user.
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

.PHONY: all deps configure build demo test test-fast test-sanitize bench install clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_ARGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	bash scripts/demo.sh $(BUILD) $(NP)

# The whole CTest suite (labels: unit, mpi, cli, parity, slurm, slow).
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE 'slow|slurm'

# The same suite built with AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer
# (MATSCREEN_SANITIZE, separate build tree): unit, parity and cli tests, without the
# slow and SLURM ones; any sanitizer report fails (tests/sanitize/run.sh). CI runs it after
# `make test`.
SAN_BUILD ?= build-asan
SAN_LABELS ?= unit|parity|cli
test-sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMATSCREEN_SANITIZE=ON -DMATSCREEN_BENCHMARKS=OFF $(CMAKE_ARGS)
	cmake --build $(SAN_BUILD) -j $(JOBS)
	bash tests/sanitize/run.sh $(SAN_BUILD) $(JOBS) -L '$(SAN_LABELS)' -LE 'slow|slurm'

# Every benchmark at a small size (about 10 minutes on 2 cores, run on a quiet machine), one
# summary of all figures: $(BUILD)/bench/summary.json and summary.csv (scripts/bench_all.py).
bench: build
	/usr/bin/python3 scripts/bench_all.py --build $(BUILD)

install: build
	cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX),)

clean:
	rm -rf $(BUILD)
