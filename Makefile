# Tugra — the two commands are `make run` and `make test`; see README.md.
BUILD ?= build
FUZZ_BUILD ?= build-fuzz
BUILD_TYPE ?= RelWithDebInfo
HOME_DIR ?= $(or $(TUGRA_HOME),var)
JOBS ?= $(shell nproc)

.PHONY: all deps configure build fuzz-build e2e-deps run test bench clean help install

all: build

help:
	@echo "make run    install what is missing, build, initialise $(HOME_DIR) and start Tugra"
	@echo "make test   install what is missing, build and run every test"
	@echo "make build  build only (build/bin/tugra)"
	@echo "make fuzz-build  build the libFuzzer targets with clang into $(FUZZ_BUILD)"
	@echo "make bench  run the benchmarks in bench/ and print their figures"
	@echo "make install [PREFIX=/usr/local] [DESTDIR=]  install tugra, its systemd units and file layout (docs/OPERATIONS.md)"
	@echo "make clean  remove the build directory"

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DTUGRA_WERROR=ON

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

$(FUZZ_BUILD)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTUGRA_FUZZ=ON

fuzz-build: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

run: build
	@scripts/run $(HOME_DIR)

# The browser tests' npm packages (playwright-core; the browser is Debian's chromium).
e2e-deps: tests/e2e/node_modules/.package-lock.json

tests/e2e/node_modules/.package-lock.json: tests/e2e/package.json tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error

test: build fuzz-build e2e-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

PREFIX ?= /usr/local
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	@bench/run-all $(BUILD)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
