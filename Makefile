# SPDX-License-Identifier: MIT
# The two set-up commands of the README (`make run`, `make test`) each do all
# set-up on a fresh Debian 12 machine: install packages, configure, build.
.PHONY: all deps build run test bench fuzz clean

FUZZ_SECONDS ?= 60

all: build

deps:
	./scripts/install-deps.sh

build: deps
	@[ -f build/build.ninja ] || meson setup build
	ninja -C build

# Serves examples/lab.yaml on 127.0.0.1:8080, state in ./var.
run: build
	mkdir -p var
	./build/src/hearthd -c examples/lab.yaml

test:
	./scripts/test.sh

bench: build
	./bench/run.sh

fuzz: deps
	./scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf build build-ci build-asan build-tsan build-fuzz build-test-logs
