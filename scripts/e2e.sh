#!/usr/bin/env bash
# End-to-end tests (tests/e2e/): node:test + playwright-core driving the system Chromium against
# the built package in pkg/ and the native CLI (keys, signing, and the golden reference).
# `make test-e2e` builds both first; run by hand: scripts/e2e.sh [tests/e2e/FILE.test.mjs ...]
set -euo pipefail
cd "$(dirname "$0")/.."

die() { printf 'e2e: error: %s\n' "$*" >&2; exit 1; }

[ -d tests/e2e/node_modules/playwright-core ] \
    || die "tests/e2e/node_modules is missing: run 'make setup' (npm ci --prefix tests/e2e)"
[ -f pkg/index.js ] || die "pkg/ is not built: run 'make pkg'"

target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
export PATHWISE_BIN="${PATHWISE_BIN:-$target_dir/debug/pathwise}"
[ -x "${PATHWISE_BIN}" ] || die "no pathwise CLI at ${PATHWISE_BIN}: run 'cargo build --features cli'"

if [ "$#" -eq 0 ]; then
    set -- tests/e2e/*.test.mjs
fi
# One file at a time: each launches its own Chromium, and the machine has 2 cores.
node --test --test-concurrency=1 "$@"
