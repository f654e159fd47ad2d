# Pathwise — build, test and measure. `make help` lists the targets; README.md ("Development")
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
# A second, test-only build of the package with the `devtools` feature (the `explainScenario`
# export the golden corpus is checked with). Never shipped; ignored by git (under target/).
PKG_DEV := target/pkg-dev
# The package holds two modules, each with its wasm-bindgen glue (Cargo.toml, features `page` and
# `headless`): the page module `pathwise` (entry index.js: `Pathwise`) and the engine module
# `pathwise_engine` (entry engine.js, `pathwise/engine`: `PathwiseEngine`), neither with the
# other's code.
MODULE_FILES = $(1).js $(1).d.ts $(1)_bg.wasm $(1)_bg.wasm.d.ts
# Generated into $(PKG)/ (ignored by git); the other files there are hand-written.
PKG_GENERATED := $(call MODULE_FILES,pathwise) $(call MODULE_FILES,pathwise_engine) bundle.schema.json beacon.schema.json

# wasm + JS glue, gzip -9, in bytes (issue 4: 90 KB for now; issue 7 lowers it to 60 KB).
BUDGET ?= 90000

# The module's exact feature set (see .cargo/config.toml for why it is not rustc's default).
# wasm-opt would also read it from the module's target_features section; spelling it out keeps
# the build independent of that section and of binaryen's defaults.
WASM_FEATURES := --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals
# wasm-opt from Binaryen 132 (npm package `binaryen`, installed into tools/ by `make setup`):
# a newer optimizer than the distribution's Binaryen 108, and 2 KB gzip smaller output.
# `--low-memory-unused`: Rust places the stack below 1 MiB and data above it, and the heap is
# grown past them, so the first kilobyte of memory is never an address the module uses; Binaryen
# may then fold constant offsets into loads and stores.
WASM_OPT ?= tools/node_modules/.bin/wasm-opt
# esbuild (npm, pinned in tools/package.json) minifies each module's glue after the snippets are
# inlined and the comments trimmed: whitespace, syntax and local names only (the module keeps its
# exports, and `new URL("…_bg.wasm", import.meta.url)` stays as bundlers expect it).
# −1.8 KB gzip on the page module's glue (9 403 → 7 699); the engine module's 3 591 → 3 016.
ESBUILD ?= tools/node_modules/.bin/esbuild
# Functions wasm-opt must keep out of line although each has one caller (by default it inlines
# every such function), matched by name in the name section, which wasm-bindgen keeps until
# wasm-opt strips it. Why: V8 runs a fresh module in its baseline compiler and optimizes a
# function in the background once it has run enough, for its *next* call (wasm has no on-stack
# replacement). Inlined, these per-item loop bodies and phases made three functions of 7-25 KB
# (`fromEnvelope`, the bundle reader, the validator) that were optimized in the background during
# every first init: tens of milliseconds of CPU competing with the init on a 2-core machine, for
# code the init never ran (figures: the header of bench/cold.mjs). The page module's first
# `Pathwise.init` had the same shape (its future body 21 KB, `Runtime::use_text` 11 KB): the `web::`
# names below keep its once-run phases out of line (6.0 and 5.5 KB now; -17 B gzip). Headless
# Chromium, demo bundle, medians of 11 alternating runs of tests/e2e/timing.test.mjs (11 loads
# each, busy machine): init -> resolved inline 30.8 -> 29.5 ms, first visit 40.0 -> 37.1 ms;
# wasm self time in the init window (CDP profile) 13-15 -> 10-13 ms. Patterns: `*` only, and no
# spaces or `<>` (the list reaches a shell unquoted).
NO_INLINE := *envelope::verify::open_with *engine::compile::compile \
    *engine::compile::compile_rule *engine::compile::by_priority \
    *bundle::validate::Validator*::rule *bundle::Rule*::from_json *bundle::Slot*::from_json \
    *bundle::Variant*::from_json *bundle::Audience*::from_json *json::number::parse_exact \
    *web::options::Options*::parse *web::report::Reporting*::open *web::storage::Store*::open \
    *web::runtime::Runtime*::apply_slots *web::runtime::state::State*::install \
    *web::runtime::state::State*::page_view *signals::store::Signals*::from_snapshot \
    *web::source::Trust*::open_reading *web::runtime::Runtime*::load*
# The `--no-inline` passes run in command-line order, so they come before -Oz.
WASM_OPT_FLAGS := $(addprefix --no-inline=,$(NO_INLINE)) -Oz --converge --low-memory-unused $(WASM_FEATURES) --strip-debug --strip-producers --strip-target-features

# The browser test files (wasm-bindgen-test): export smoke, storage/consent/sources, DOM surfaces,
# exposure and conversion reporting.
WEB_TESTS := --test web --test web_store --test web_dom --test web_report

# The stages of `make test`, in order; each is also a target of its own.
TEST_STAGES := fmt clippy clippy-cli clippy-wasm test-native test-cli test-web pkg pkg-dev pkg-smoke test-bench test-e2e

.PHONY: help setup build native pkg pkg-dev wasm schema demo test $(TEST_STAGES) bench size size-floor parse-choice fuzz clean

help:
	@echo "make setup   install the toolchain pieces (idempotent)"
	@echo "make build   native build (with the CLI) + the npm package in $(PKG)/"
	@echo "make pkg     the npm package only: page + engine wasm (pinned nightly), glue, wasm-opt, schemas"
	@echo "make pkg-dev the test-only build with the devtools exports, in $(PKG_DEV)/"
	@echo "make demo    setup + build, then serve the demo site (www/) and its report on PORT=$(PORT)"
	@echo "make test    setup, then: $(TEST_STAGES)"
	@echo "make bench   one table: native criterion, Pathwise vs GrowthBook in Node, headless Chromium (bench/README.md)"
	@echo "make size    shipped wasm + glue sizes; fails above BUDGET=$(BUDGET) bytes gzip"
	@echo "make size-floor  the smallest module that verifies, validates and decides (a measurement)"
	@echo "make parse-choice  the bundle readers compared: size and speed (a measurement)"
	@echo "make fuzz    each fuzz target for FUZZ_SECONDS=$(FUZZ_SECONDS)s (nightly + cargo-fuzz; not part of test)"
	@echo "make clean   remove generated package files and this crate's build artifacts"

setup:
	@scripts/setup.sh

build: native pkg

native:
	$(CARGO) build --features cli

# --- the npm package --------------------------------------------------------------------------

# The shipped modules (`make pkg`, `make pkg-dev`) are compiled with this pinned nightly, everything
# else (native builds, clippy, every test) with stable. Only nightly can rebuild `core`/`alloc`
# for the module (`-Zbuild-std`) and drop the panic and formatting machinery a `no_std` module
# still drags in from them; README.md ("Size") has the figure for each flag. Pinned by date so the
# shipped bytes do not change under us; `make setup` installs it (`rustup toolchain install
# $(NIGHTLY) --profile minimal -c rust-src`).
NIGHTLY ?= nightly-2026-05-20
# Appended to the rustflags of .cargo/config.toml (cargo joins arrays given with `--config`);
# gzip figures for the page module in README.md ("Size"):
#   -Cpanic=immediate-abort   a panic is a trap at once, in core and alloc too: no panic
#                             payloads, no `Location`s, no formatting reached from panics;
#   -Zlocation-detail=none    `#[track_caller]` locations (file, line, column) are not embedded.
SHIP_RUSTFLAGS ?= -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none
# core and alloc compiled with the module's own flags, and with `optimize_for_size`: their
# smaller variants (sorting, integer formatting, searching).
BUILD_STD := -Zbuild-std=core,alloc -Zbuild-std-features=optimize_for_size
# ... but at opt-level 3, as the prebuilt ones are: at the crate's "z" (the release profile's
# default for every crate) decisions took 33% longer and `fromEnvelope` 16% longer; 3 costs the
# page module 363 B gzip. Given here, not in Cargo.toml, where other builds would warn that no
# package `core` exists.
STD_PROFILE := --config profile.release.package.core.opt-level=3 --config profile.release.package.alloc.opt-level=3
SHIP_CARGO = $(CARGO) +$(NIGHTLY) --config 'target.$(WASM_TARGET).rustflags = [$(foreach f,$(SHIP_RUSTFLAGS),"$(f)",)]' $(STD_PROFILE)
# Without std (`no_std`, see the `std` feature in Cargo.toml): what a page downloads.
SHIP_BUILD = $(SHIP_CARGO) build --target $(WASM_TARGET) --release --lib --no-default-features $(BUILD_STD)

# The page module's raw build (what `make pkg` then turns into pkg/pathwise_bg.wasm).
wasm:
	$(SHIP_BUILD) --features page

# wasm-bindgen glue (the JavaScript snippets of src/web/js/ inlined, comments trimmed) and
# wasm-opt for the module just built: $(call BINDGEN,OUT_DIR,NAME) writes OUT_DIR/NAME.js,
# NAME.d.ts, NAME_bg.wasm, NAME_bg.wasm.d.ts, and no snippets/ directory (scripts/inline-snippets.mjs;
# the engine module, pathwise_engine, must have no snippets at all).
define BINDGEN
rm -f $(addprefix $(1)/,$(call MODULE_FILES,$(2)))
rm -rf $(1)/snippets
wasm-bindgen --target web --out-dir $(1) --out-name $(2) $(WASM_RAW)
node scripts/inline-snippets.mjs $(1)/$(2).js $(if $(filter pathwise_engine,$(2)),--none)
node scripts/trim-glue.mjs $(1)/$(2).js
$(ESBUILD) $(1)/$(2).js --minify --format=esm --log-level=warning --allow-overwrite --outfile=$(1)/$(2).js
$(WASM_OPT) $(WASM_OPT_FLAGS) $(1)/$(2)_bg.wasm -o $(1)/$(2)_bg.opt.wasm
mv $(1)/$(2)_bg.opt.wasm $(1)/$(2)_bg.wasm
endef

# The page module (feature `page`), then the engine module (feature `headless`).
pkg: schema
	$(SHIP_BUILD) --features page
	$(call BINDGEN,$(PKG),pathwise)
	node scripts/inline-wasm.mjs $(PKG)/pathwise_bg.wasm $(PKG)/pathwise_bg.inline.js
	$(SHIP_BUILD) --features headless
	$(call BINDGEN,$(PKG),pathwise_engine)

# The page module plus the `devtools` exports (`explainScenario`), for tests only.
pkg-dev:
	rm -rf $(PKG_DEV)
	$(SHIP_BUILD) --features page,devtools
	$(call BINDGEN,$(PKG_DEV),pathwise)

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

# The browser adapter and its tests only exist on wasm32. Every feature set that is built: the
# tests' (default, with and without devtools), then those of `make pkg` (the page module, the
# engine module) and of `make pkg-dev`.
clippy-wasm:
	$(CARGO) clippy --target $(WASM_TARGET) --lib $(WEB_TESTS) -- -D warnings
	$(CARGO) clippy --target $(WASM_TARGET) --lib $(WEB_TESTS) --features devtools -- -D warnings
	$(CARGO) clippy --target $(WASM_TARGET) --lib --no-default-features --features page -- -D warnings
	$(CARGO) clippy --target $(WASM_TARGET) --lib --no-default-features --features headless -- -D warnings
	$(CARGO) clippy --target $(WASM_TARGET) --lib --no-default-features --features page,devtools -- -D warnings
	$(CARGO) clippy --target $(WASM_TARGET) --lib --no-default-features --features floor-page -- -D warnings

test-native:
	$(CARGO) test

test-cli:
	$(CARGO) test --features cli

# wasm-bindgen-test in headless Chromium (runner set in .cargo/config.toml). Only the `web*`
# tests: the other integration tests are native (proptest does not build for wasm32). With the
# `devtools` feature, so the golden case through `explain_scenario` runs too.
test-web:
	CHROMEDRIVER="$${CHROMEDRIVER:-$$(command -v chromedriver)}" \
	    $(CARGO) test --target $(WASM_TARGET) $(WEB_TESTS) --features devtools

# The shipped (wasm-opt'ed) package, loaded by Node; and the devtools build beside it.
pkg-smoke:
	node scripts/pkg-smoke.mjs $(PKG) $(PKG_DEV)

# End-to-end: real pages in headless Chromium (playwright-core, tests/e2e/) and the golden corpus
# through the shipped wasm, against the native CLI (also the signer), which is built here.
test-e2e:
	$(CARGO) build --features cli
	PATHWISE_BIN=$(TARGET_DIR)/debug/pathwise scripts/e2e.sh

# --- fuzzing (not part of `make test`) ----------------------------------------------------------

# Seconds per target; targets to run; extra libFuzzer flags (e.g. FUZZ_FLAGS=-max_len=16384).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= envelope decide stored batch program
FUZZ_FLAGS ?=
# cargo-fuzz builds in release mode with debug assertions and overflow checks, under
# AddressSanitizer unless FUZZ_SANITIZER=none (faster; the core has no unsafe code of its own).
FUZZ_SANITIZER ?= address

# One libFuzzer process per target, one after the other (one core). The corpus grows in
# fuzz/corpus/<target>/ (git-ignored) from the committed seeds; a crash stops that target, leaves
# its input in fuzz/artifacts/<target>/ and fails the run after the other targets ran.
# tests/fuzz_regressions.rs says how a crash becomes a regression test.
fuzz:
	@if ! $(CARGO) +nightly fuzz --version >/dev/null 2>&1; then \
	    echo "make fuzz needs cargo-fuzz and the nightly toolchain:" >&2; \
	    echo "    rustup toolchain install nightly" >&2; \
	    echo "    cargo install cargo-fuzz" >&2; \
	    exit 1; \
	fi
	@failed=""; \
	for target in $(FUZZ_TARGETS); do \
	    seeds="fuzz/seeds/$$target"; \
	    if [ "$$target" = decide ]; then seeds="$$seeds tests/golden/bundles tests/data/bundles"; fi; \
	    mkdir -p "fuzz/corpus/$$target"; \
	    echo "==> make fuzz: $$target for $(FUZZ_SECONDS)s"; \
	    if ! $(CARGO) +nightly fuzz run --sanitizer $(FUZZ_SANITIZER) "$$target" \
	        "fuzz/corpus/$$target" $$seeds -- \
	        -max_total_time=$(FUZZ_SECONDS) -timeout=10 -dict=fuzz/bundle.dict \
	        -print_final_stats=1 $(FUZZ_FLAGS); then \
	        failed="$$failed $$target"; \
	    fi; \
	done; \
	if [ -n "$$failed" ]; then \
	    echo "make fuzz: crashes in:$$failed (inputs in fuzz/artifacts/; minimise with" \
	        "'cargo +nightly fuzz tmin TARGET INPUT')" >&2; \
	    exit 1; \
	fi; \
	echo "make fuzz: no crash in $(FUZZ_TARGETS) ($(FUZZ_SECONDS)s each)"

# --- measurements -----------------------------------------------------------------------------

# `make bench`: one command, one table (bench/README.md). GrowthBook is installed into the
# git-ignored bench/.deps; the workload (bench/workload.mjs) and the reference evaluator
# (bench/reference.mjs) are the repository's own. Criterion runs with short warm-up/measurement times to keep the whole
# target within ~5 minutes on 2 cores.
BENCH_OUT := $(TARGET_DIR)/pathwise-bench
GB_VERSION := 1.8.0
CRITERION_FLAGS := --output-format bencher --warm-up-time 1 --measurement-time 3

bench: setup pkg
	@mkdir -p $(BENCH_OUT) bench/.deps
	@[ -f bench/.deps/node_modules/@growthbook/growthbook/package.json ] \
	    && grep -q '"version": "$(GB_VERSION)"' bench/.deps/node_modules/@growthbook/growthbook/package.json \
	    || { echo '{"name":"pathwise-bench-deps","private":true}' > bench/.deps/package.json; \
	         npm install --prefix bench/.deps --no-audit --no-fund --silent @growthbook/growthbook@$(GB_VERSION); }
	@echo "==> make bench: native (criterion)"
	$(CARGO) bench --bench engine -- $(CRITERION_FLAGS) | tee $(BENCH_OUT)/native.txt
	@echo "==> make bench: headless Chromium"
	$(CARGO) build --features cli
	PATHWISE_BIN=$(TARGET_DIR)/debug/pathwise node bench/browser.mjs --out $(BENCH_OUT)/browser.json
	@echo "==> make bench: Node, Pathwise vs GrowthBook (interleaved), cold starts, agreement"
	node --expose-gc bench/run.mjs --native $(BENCH_OUT)/native.txt --browser $(BENCH_OUT)/browser.json \
	    --json $(BENCH_OUT)/results.json

# The generator pinned by checksums, the reference evaluator = GrowthBook's checksums, Pathwise
# against the reference (N = 10, 100), the headless engine's visitor handling and the regex
# translation. Needs pkg/ (`make pkg`).
test-bench:
	node --test bench/

size: pkg
	@$(SHIP_BUILD) --features page --quiet
	@scripts/size-breakdown.sh $(WASM_RAW) $(WASM_OPT) "$(WASM_OPT_FLAGS)" 20
	@scripts/size.sh $(PKG) $(BUDGET)

# The size floor: a module with only what every page needs before any browser code (verify an
# envelope with verify_strict, parse and validate the bundle with precise errors, compile it,
# decide one slot; feature `floor`, src/web/floor.rs), built exactly as the page module. Its
# gzip size is the part of any size budget that is not left for the browser runtime. Compared
# with issue 7's 60 KB budget; never fails (a measurement, not a check).
FLOOR := target/floor
size-floor:
	rm -rf $(FLOOR)
	$(SHIP_BUILD) --features floor
	$(call BINDGEN,$(FLOOR),pathwise)
	@echo "==> verify, validate, decide (feature floor), against issue 7's 60 KB"
	@scripts/size.sh $(FLOOR) 60000 || true
	$(SHIP_BUILD) --features floor-page
	$(call BINDGEN,$(FLOOR),pathwise)
	@echo "==> the same plus a page view's core work: signals, render history, reporting (feature floor-page), against issue 4's 90 KB"
	@scripts/size.sh $(FLOOR) 90000 || true

# Issue 4's choice of bundle reader, measured: one module per reader (own JSON reader, serde_json,
# JSON.parse + serde-wasm-bindgen, MessagePack via rmp-serde; features parse-*, built with std
# and the serde view, so they differ only in the reader), then their gzip size and read +
# validate time on the benchmark's bundles (bench/parse-choice.mjs, workload bench/workload.mjs).
PARSE_CHOICE := target/parse-choice
parse-choice:
	for reader in own serde-json swb msgpack; do \
	    $(CARGO) build --release --target $(WASM_TARGET) --lib --no-default-features --features parse-$$reader && \
	    mkdir -p $(PARSE_CHOICE)/$$reader && \
	    wasm-bindgen --target web --out-dir $(PARSE_CHOICE)/$$reader --out-name pathwise $(WASM_RAW) && \
	    node scripts/trim-glue.mjs $(PARSE_CHOICE)/$$reader/pathwise.js && \
	    $(WASM_OPT) $(WASM_OPT_FLAGS) $(PARSE_CHOICE)/$$reader/pathwise_bg.wasm -o $(PARSE_CHOICE)/$$reader/opt.wasm && \
	    mv $(PARSE_CHOICE)/$$reader/opt.wasm $(PARSE_CHOICE)/$$reader/pathwise_bg.wasm || exit 1; \
	done
	node bench/parse-choice.mjs

clean:
	rm -f $(addprefix $(PKG)/,$(PKG_GENERATED)) $(PKG)/*.tgz
	rm -rf $(PKG_DEV)
	$(CARGO) clean -p pathwise
	$(CARGO) clean -p pathwise --target $(WASM_TARGET)
