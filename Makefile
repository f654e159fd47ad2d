# Pathwise — build, test and measure. `make help` lists the targets; docs/development.md
# explains them and the toolchain choices behind them.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
MAKEFLAGS += --no-print-directory

CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown
# Honour a shared CARGO_TARGET_DIR; otherwise cargo's default.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
WASM_RAW := $(TARGET_DIR)/$(WASM_TARGET)/release/pathwise.wasm
PKG := pkg
COMMA := ,
# Where the optimized modules are built before they go inside the package's JavaScript.
BUILD := target/pkg-build
# Generated into $(PKG)/ (ignored by git): each entry of js/entries/ bundled with its module
# inside (scripts/bundle.mjs), and the schemas. The other files there are hand-written.
PKG_GENERATED := index.js auto.js verifier.js sync.js auto-sync.js engine.js debug.js react.js openfeature.js analytics.js bundle.schema.json beacon.schema.json
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

# Page weight budget, bytes gzip -9: every file a browser fetches for
# `import { Pathwise } from "pathwise"` (scripts/page-weight.mjs). `make size` fails above it and
# is a stage of `make test`.
BUDGET ?= 40960
# Each of pathwise/react and pathwise/openfeature, bytes gzip -9, without React or the
# OpenFeature SDK (scripts/entry-sizes.mjs); they add nothing to the main entry's page weight.
APP_ENTRY_BUDGET ?= 2048

# The module's exact feature set (see .cargo/config.toml for why it is not rustc's default).
WASM_FEATURES := --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals
# wasm-opt from Binaryen 132 (npm package `binaryen`, installed into tools/ by `make setup`):
# a newer optimizer than the distribution's Binaryen 108. `--low-memory-unused`: the module's
# data and stack sit above its first kilobyte, which is never an address it uses, so Binaryen
# may fold constant offsets into loads and stores.
WASM_OPT ?= tools/node_modules/.bin/wasm-opt
WASM_OPT_FLAGS := -Oz --converge --low-memory-unused $(WASM_FEATURES) --strip-debug --strip-producers --strip-target-features

# The stages of `make test`, in order; each is also a target of its own.
TEST_STAGES := fmt clippy clippy-cli clippy-wasm test-native test-cli test-collector pkg size pkg-smoke test-bench test-e2e

.PHONY: help setup build native pkg schema demo test $(TEST_STAGES) bench bench-collector fuzz clean

help:
	@echo "make setup   install the toolchain pieces (idempotent)"
	@echo "make build   native build (with the CLI) + the npm package in $(PKG)/"
	@echo "make pkg     the npm package: page + engine modules (pinned nightly, wasm-opt) inside their entries, schemas"
	@echo "make demo    setup + build, then serve the demo site (www/) and its report on PORT=$(PORT)"
	@echo "make test    setup, then: $(TEST_STAGES)"
	@echo "make bench   one table: Pathwise vs GrowthBook in Node and in headless Chromium, with the targets (bench/README.md)"
	@echo "make bench-collector  the collector's batches/s and latency on SQLite and PostgreSQL (docs/performance.md)"
	@echo "make size    the main entry's page weight and what takes the module's bytes; fails above BUDGET=$(BUDGET) bytes gzip"
	@echo "make fuzz    each fuzz target for FUZZ_SECONDS=$(FUZZ_SECONDS)s (nightly + cargo-fuzz; not part of test)"
	@echo "make clean   remove generated package files and this crate's build artifacts"

setup:
	@scripts/setup.sh

build: native pkg

native:
	$(CARGO) build --features cli

# --- the npm package --------------------------------------------------------------------------

# The shipped modules are compiled with this pinned nightly, everything else (native builds,
# clippy, every test) with stable. Only nightly can rebuild `core`/`alloc` for the module
# (`-Zbuild-std`) and drop the panic and formatting machinery a `no_std` module still drags in
# from them (docs/development.md). Pinned by date so the shipped bytes do not change under us;
# `make setup` installs it.
NIGHTLY ?= nightly-2026-05-20
# Appended to the rustflags of .cargo/config.toml (cargo joins arrays given with `--config`):
#   -Cpanic=immediate-abort   a panic is a trap at once, in core and alloc too: no panic
#                             payloads, no `Location`s, no formatting reached from panics;
#   -Zlocation-detail=none    `#[track_caller]` locations (file, line, column) are not embedded.
SHIP_RUSTFLAGS ?= -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none
# core and alloc compiled with the module's own flags, and with `optimize_for_size`: their
# smaller variants (sorting, integer formatting, searching).
BUILD_STD := -Zbuild-std=core,alloc -Zbuild-std-features=optimize_for_size
# ... but at opt-level 3, as the prebuilt ones are (at "z" deciding was a third slower). Given
# here, not in Cargo.toml, where other builds would warn that no package `core` exists.
STD_PROFILE := --config profile.release.package.core.opt-level=3 --config profile.release.package.alloc.opt-level=3
SHIP_CARGO = $(CARGO) +$(NIGHTLY) --config 'target.$(WASM_TARGET).rustflags = [$(foreach f,$(SHIP_RUSTFLAGS),"$(f)",)]' $(STD_PROFILE)
# Without std (`no_std`, see the `std` feature in Cargo.toml): what a page downloads.
SHIP_BUILD = $(SHIP_CARGO) build --target $(WASM_TARGET) --release --lib --no-default-features $(BUILD_STD)
# The same build with legacy symbol names, which scripts/wasm-breakdown.mjs groups by module
# (`make size`). Its rustflags come from the environment (joined to .cargo/config.toml's like
# the `--config` above), so the command line carries no quotes.
NAMES_RUSTFLAGS = $(SHIP_RUSTFLAGS) -Csymbol-mangling-version=legacy
NAMES_BUILD = $(CARGO) +$(NIGHTLY) $(STD_PROFILE) build --target $(WASM_TARGET) --release --lib --no-default-features $(BUILD_STD)

# $(call MODULE,NAME,FEATURES): the module with those features alone, optimized, as
# $(BUILD)/NAME.wasm.
define MODULE
$(SHIP_BUILD) --features $(2)
mkdir -p $(BUILD)
$(WASM_OPT) $(WASM_OPT_FLAGS) $(WASM_RAW) -o $(BUILD)/$(1).wasm
endef

# The four modules (Cargo.toml, [features], says which entry carries which), then each entry of
# js/entries/ bundled with its module inside (scripts/bundle.mjs).
pkg: schema
	$(call MODULE,page,page)
	$(call MODULE,page-sync,page$(COMMA)envelope)
	$(call MODULE,engine,engine$(COMMA)envelope)
	$(call MODULE,debug,debug$(COMMA)envelope)
	node scripts/bundle.mjs $(PKG) $(BUILD) $(VERSION)

schema:
	$(CARGO) run --quiet --features cli -- schema $(PKG)/bundle.schema.json
	$(CARGO) run --quiet --features cli -- schema --beacon $(PKG)/beacon.schema.json

# --- the demo ---------------------------------------------------------------------------------

# `make demo PORT=9000` (HOST=0.0.0.0 to reach it from another machine: the demo has no auth).
PORT ?= 8787
HOST ?= 127.0.0.1

# The site in www/, its bundle signed at start with a key generated into .pathwise/ (git-ignored),
# the package built above at /pkg/, beacons into .pathwise/events.sqlite and the report at /report.
# `cargo run` reuses the CLI that `make build` just compiled (the schema step needs it anyway).
demo: setup
	@$(MAKE) build
	$(CARGO) run --quiet --features cli -- serve --root www --bundle www/bundle.json --pkg $(PKG) \
	    --host $(HOST) --port $(PORT)

# --- tests ------------------------------------------------------------------------------------

test: setup
	@for stage in $(TEST_STAGES); do \
	    echo "==> make test: $$stage"; \
	    if ! $(MAKE) $$stage; then \
	        echo "make test: FAILED at stage '$$stage' (repeat it with 'make $$stage')" >&2; \
	        exit 1; \
	    fi; \
	done
	@echo "make test: all stages passed ($(TEST_STAGES))"

fmt:
	$(CARGO) fmt --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

clippy-cli:
	$(CARGO) clippy --all-targets --features cli -- -D warnings

# The WebAssembly boundary (src/web/) only exists on wasm32: every feature set that is built.
clippy-wasm:
	$(CARGO) clippy --target $(WASM_TARGET) --lib -- -D warnings
	$(CARGO) clippy --target $(WASM_TARGET) --lib --no-default-features --features page -- -D warnings
	$(CARGO) clippy --target $(WASM_TARGET) --lib --no-default-features --features page,envelope -- -D warnings
	$(CARGO) clippy --target $(WASM_TARGET) --lib --no-default-features --features engine,envelope -- -D warnings
	$(CARGO) clippy --target $(WASM_TARGET) --lib --no-default-features --features debug,envelope -- -D warnings

test-native:
	$(CARGO) test

test-cli:
	$(CARGO) test --features cli

# The throwaway PostgreSQL server of the collector's tests and benchmark (scripts/postgres.sh):
# a cluster in this folder, listening on a Unix socket there and nowhere else. Named after the
# checkout, so two checkouts on one machine never share a server, and a run finds (and wipes)
# whatever a crashed run of the same checkout left.
PG_DIR ?= /tmp/pathwise-postgres-$(shell printf '%s' '$(CURDIR)' | cksum | cut -d ' ' -f 1)
# The collector's test files. `test-cli` runs what needs nothing more than SQLite; the tests
# marked #[ignore] need the PostgreSQL server (every store-dependent test again on PostgreSQL,
# and two instances with one killed) or the embedded ClickHouse engine that `make setup` puts in
# tools/.venv (the warehouse SQL of docs/warehouse.md).
COLLECTOR_TESTS := --test collector --test collector_limits --test collector_slow_clients --test collector_cluster --test collector_export

# The collector's tests that need services: a throwaway PostgreSQL server is started, the tests
# run against it, and it is stopped and removed however they end.
test-collector:
	$(CARGO) test --features cli --no-run $(COLLECTOR_TESTS)
	url="$$(scripts/postgres.sh start $(PG_DIR))"; \
	trap 'scripts/postgres.sh stop $(PG_DIR)' EXIT; \
	PATHWISE_TEST_POSTGRES="$$url" PATHWISE_TEST_PYTHON="$(CURDIR)/tools/.venv/bin/python" \
	    $(CARGO) test --features cli $(COLLECTOR_TESTS) -- --ignored

# The built package in Node: both entries load, the engine decides, errors are coded.
pkg-smoke:
	node scripts/pkg-smoke.mjs $(PKG)

# End-to-end: real pages in headless Chromium (playwright-core, tests/e2e/), the golden corpus
# through the shipped module, the packed tarball in real projects, against the native CLI (also
# the signer), which is built here.
test-e2e:
	$(CARGO) build --features cli
	PATHWISE_BIN=$(TARGET_DIR)/debug/pathwise scripts/e2e.sh

# --- fuzzing (not part of `make test`) ----------------------------------------------------------

# Seconds per target; targets to run; extra libFuzzer flags (e.g. FUZZ_FLAGS=-max_len=16384).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= program envelope decide stored batch
FUZZ_FLAGS ?=
# Inputs up to 64 KiB: room for a compiled program several times the largest seed (libFuzzer's
# default follows the largest seed, a few KiB). -timeout=10 reports an input that runs longer as
# a crash (unbounded work), -rss_limit_mb=2048 one that grows the process past 2 GiB. The JSON
# targets use fuzz/bundle.dict, the binary ones (program, stored) fuzz/binary.dict.
FUZZ_MAX_LEN ?= 65536
# cargo-fuzz builds in release mode with debug assertions and overflow checks, under
# AddressSanitizer unless FUZZ_SANITIZER=none (faster; the core has no unsafe code of its own).
FUZZ_SANITIZER ?= address
# cargo-fuzz, from crates.io, installed by `make fuzz` when cargo has no `fuzz` subcommand.
CARGO_FUZZ_VERSION ?= 0.13.2
# The fuzzer is built with the pinned nightly that builds the shipped modules (libFuzzer and
# the sanitizers need nightly; pinned so a run is repeatable).
FUZZ_CARGO = $(CARGO) +$(NIGHTLY) fuzz

# One libFuzzer process per target, one after the other (one core). The corpus grows in
# fuzz/corpus/<target>/ (git-ignored) from the committed seeds; a crash stops that target, leaves
# its input in fuzz/artifacts/<target>/ and fails the run after the other targets ran.
# docs/fuzzing.md has the commands, the figures of past runs and how a crash becomes a regression.
fuzz:
	@if ! rustup run $(NIGHTLY) rustc --version >/dev/null 2>&1; then \
	    echo "make fuzz: installing Rust $(NIGHTLY) (minimal)"; \
	    rustup toolchain install $(NIGHTLY) --profile minimal; \
	fi
	@if ! $(FUZZ_CARGO) --version >/dev/null 2>&1; then \
	    echo "make fuzz: installing cargo-fuzz $(CARGO_FUZZ_VERSION) (cargo install)"; \
	    $(CARGO) install --locked cargo-fuzz --version $(CARGO_FUZZ_VERSION); \
	fi
	@failed=""; \
	for target in $(FUZZ_TARGETS); do \
	    seeds="fuzz/seeds/$$target"; \
	    if [ "$$target" = decide ]; then seeds="$$seeds tests/golden/bundles tests/data/bundles"; fi; \
	    case "$$target" in program|stored) dict=fuzz/binary.dict;; *) dict=fuzz/bundle.dict;; esac; \
	    mkdir -p "fuzz/corpus/$$target"; \
	    echo "==> make fuzz: $$target for $(FUZZ_SECONDS)s"; \
	    if ! $(FUZZ_CARGO) run --sanitizer $(FUZZ_SANITIZER) "$$target" \
	        "fuzz/corpus/$$target" $$seeds -- \
	        -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) -timeout=10 \
	        -rss_limit_mb=2048 -dict=$$dict -print_final_stats=1 $(FUZZ_FLAGS); then \
	        failed="$$failed $$target"; \
	    fi; \
	done; \
	if [ -n "$$failed" ]; then \
	    echo "make fuzz: crashes in:$$failed (inputs in fuzz/artifacts/; minimise with" \
	        "'cargo +$(NIGHTLY) fuzz tmin TARGET INPUT')" >&2; \
	    exit 1; \
	fi; \
	echo "make fuzz: no crash in $(FUZZ_TARGETS) ($(FUZZ_SECONDS)s each)"

# --- measurements -----------------------------------------------------------------------------

# `make bench`: one command, one table (bench/README.md): issue 13's targets against GrowthBook
# 1.8.0, in Node (same process, same seeded workload; cold starts and memory in fresh processes)
# and in headless Chromium (the same page personalized by each SDK), plus the Ed25519
# verification in both. GrowthBook is installed into the git-ignored bench/.deps; the workload
# (bench/workload.mjs) and the reference evaluator (bench/reference.mjs) are the repository's own;
# the bench's envelopes are signed by the CLI. Each step writes its figures into BENCH_OUT and
# bench/table.mjs prints the table from them. About 10 minutes on 2 cores; not part of `make test`.
BENCH_OUT := $(TARGET_DIR)/pathwise-bench
GB_VERSION := 1.8.0
BENCH_ENV := PATHWISE_BIN=$(TARGET_DIR)/debug/pathwise

# The collector's sustained acknowledged batches per second and latency, 20 keep-alive clients:
# one instance on SQLite, one on PostgreSQL, two on one PostgreSQL (tests/collector_bench.rs;
# docs/performance.md has the figures). An optimized build (profile collector-bench), and the
# throwaway PostgreSQL server of test-collector, stopped however the run ends.
bench-collector: setup
	$(CARGO) test --profile collector-bench --features cli --test collector_bench --no-run
	url="$$(scripts/postgres.sh start $(PG_DIR))"; \
	trap 'scripts/postgres.sh stop $(PG_DIR)' EXIT; \
	PATHWISE_TEST_POSTGRES="$$url" $(CARGO) test --profile collector-bench --features cli \
	    --test collector_bench -- --ignored --nocapture --test-threads 1

bench: setup pkg
	@mkdir -p $(BENCH_OUT) bench/.deps
	@rm -f $(BENCH_OUT)/*.json
	@[ -f bench/.deps/node_modules/@growthbook/growthbook/package.json ] \
	    && grep -q '"version": "$(GB_VERSION)"' bench/.deps/node_modules/@growthbook/growthbook/package.json \
	    || { echo '{"name":"pathwise-bench-deps","private":true}' > bench/.deps/package.json; \
	         npm install --prefix bench/.deps --no-audit --no-fund --silent @growthbook/growthbook@$(GB_VERSION); }
	$(CARGO) build --quiet --features cli
	@echo "==> make bench: Node: per decision, init, memory, sizes, cold starts, agreement"
	$(BENCH_ENV) node --expose-gc bench/node.mjs --out $(BENCH_OUT)/node.json
	@echo "==> make bench: Node: Ed25519 verification"
	$(BENCH_ENV) node bench/verify-node.mjs --out $(BENCH_OUT)/verify-node.json
	@echo "==> make bench: headless Chromium: the race, Pathwise's page against GrowthBook's"
	$(BENCH_ENV) node bench/race.mjs --out $(BENCH_OUT)/race.json
	@echo "==> make bench: headless Chromium: Ed25519 verification"
	$(BENCH_ENV) node bench/verify-browser.mjs --out $(BENCH_OUT)/verify-browser.json
	@node bench/table.mjs $(BENCH_OUT)

# The generator pinned by checksums, the reference evaluator = GrowthBook's checksums, Pathwise
# against the reference (N = 10, 100), the headless engine's visitor handling, the regex
# translation, the envelopes the CLI signs and the race's analysis. Needs pkg/ (`make pkg`) and
# the CLI (built here). A few seconds; no browser, no GrowthBook.
test-bench:
	$(CARGO) build --quiet --features cli
	$(BENCH_ENV) node --test bench/

# What a page pays: what takes the page module's bytes (the module rebuilt with names kept, read
# by scripts/wasm-breakdown.mjs), the app entries (scripts/entry-sizes.mjs), then the main
# entry's whole download, gzip and brotli (scripts/page-weight.mjs). Fails above BUDGET bytes
# gzip, or an app entry above APP_ENTRY_BUDGET.
size:
	@[ -f $(PKG)/index.js ] || { echo "size: $(PKG)/index.js is missing: run 'make pkg'" >&2; exit 1; }
	@CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$(NAMES_RUSTFLAGS)" \
	    scripts/size-breakdown.sh "$(NAMES_BUILD) --features page" "$(WASM_RAW)" "$(WASM_OPT) $(WASM_OPT_FLAGS)" 25
	@node scripts/entry-sizes.mjs $(PKG) react.js:$(APP_ENTRY_BUDGET) openfeature.js:$(APP_ENTRY_BUDGET) analytics.js
	@node scripts/page-weight.mjs $(PKG) --budget $(BUDGET)

clean:
	rm -f $(addprefix $(PKG)/,$(PKG_GENERATED)) $(PKG)/*.tgz
	rm -rf $(BUILD)
	$(CARGO) clean -p pathwise
	$(CARGO) clean -p pathwise --target $(WASM_TARGET)
