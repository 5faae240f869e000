# Two commands on a fresh Debian machine:  make demo   and   make test
# Both install missing dependencies (scripts/install-deps.sh), configure and build first.
BUILD ?= build
NP    ?= 2
JOBS  ?= $(shell nproc)
CMAKE_ARGS ?=
# Open MPI refuses root without these; harmless for a normal user.
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

.PHONY: all deps configure build demo test test-fast bench install clean

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

install: build
	cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX),)

clean:
	rm -rf $(BUILD)
