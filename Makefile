# cadent: the two commands (`make run`, `make test`) and the helpers around them.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DB ?= var/cadent.db
LISTEN ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 60

.PHONY: run test bench fmt fmt-check fuzz deps build-release build-bench build-debug clean

deps:
	@./scripts/install-deps.sh

build-release: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target cadent

build-bench: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target cadent csv_bench normalize_bench templates_bench calendar_bench \
	  pacing_bench forecast_bench engine_bench dkim_bench smtp_bench

build-debug: deps
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug -j $(JOBS)

## Build the release binary and start the server on an embedded SQLite database.
run: build-release
	@mkdir -p $(dir $(DB))
	./build/release/src/cadent --db $(DB) serve --listen $(LISTEN)

## Build with ASan+UBSan and run every test (unit, integration, CSV corpus, format check).
test: build-debug fmt-check
	cd build/debug && ctest --output-on-failure -j $(JOBS) --timeout 600

## Benchmarks (release build): the 1M-row import against sqlite3's .import, then template
## rendering against Handlebars (Node), the calendar, pacing, the forecast, the engine
## (launch, dispatch, lateness) and the SMTP channel against Postfix's smtp-source.
bench: build-bench
	./bench/run.sh
	BIN=build/release/bench/templates_bench ./bench/templates/run.sh

## libFuzzer targets built with clang; runs each for FUZZ_SECONDS.
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target csv_reader_fuzz template_fuzz
	./tools/run-fuzzers.sh build/fuzz $(FUZZ_SECONDS)

fmt:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

fmt-check:
	@files=$$(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp'); \
	if [[ -n "$$files" ]]; then clang-format --dry-run -Werror $$files; fi

clean:
	rm -rf build
