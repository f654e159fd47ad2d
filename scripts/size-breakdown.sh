#!/usr/bin/env bash
# The "what takes the bytes" table of `make size`: the page module rebuilt exactly as `make pkg`
# builds it, but with its function names kept (legacy mangling, debug info for the name section,
# wasm-opt -g), read by scripts/wasm-breakdown.mjs.
# The build command must ask for legacy symbol names (-Csymbol-mangling-version=legacy).
# Usage: scripts/size-breakdown.sh "BUILD_COMMAND" RAW_WASM "WASM_OPT WITH_FLAGS" [TOP]
set -euo pipefail
build="${1:?usage: size-breakdown.sh BUILD_COMMAND RAW_WASM WASM_OPT_COMMAND [TOP]}"
raw="${2:?}"
opt="${3:?}"
top="${4:-20}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
# Its own target directory, so the shipped build's artifacts are not replaced.
names_target="${raw%/wasm32-unknown-unknown/*}/names"
# The build command arrives as one string with its own quoting (a --config with spaces): eval.
(
    export CARGO_TARGET_DIR="$names_target"
    unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
    # (the target rustflags, CARGO_TARGET_…_RUSTFLAGS, come from the caller)
    eval "$build --quiet --config profile.release.debug=1"
)
# Same optimisation as the shipped module, names kept: -g, and without --strip-debug (which
# would drop the name section too).
opt="${opt//--strip-debug/}"
# shellcheck disable=SC2086
$opt -g "$names_target/wasm32-unknown-unknown/release/pathwise.wasm" -o "$dir/named.wasm"
node "$(dirname "$0")/wasm-breakdown.mjs" "$dir/named.wasm" "$top"
