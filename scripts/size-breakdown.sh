#!/usr/bin/env bash
# The "what takes the bytes" table of `make size`: the same module as `make pkg` ships, rebuilt
# with names kept (wasm-bindgen --keep-debug, wasm-opt -g, otherwise the same flags), then read by
# scripts/wasm-breakdown.mjs. Usage: scripts/size-breakdown.sh RAW_WASM WASM_OPT "WASM_OPT_FLAGS" [TOP]
set -euo pipefail
raw="${1:?usage: size-breakdown.sh RAW_WASM WASM_OPT FLAGS [TOP]}"
wasm_opt="${2:?}"
flags="${3:?}"
top="${4:-20}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
wasm-bindgen --target web --keep-debug --out-dir "$dir" --out-name pathwise "$raw"
# Same optimisation as the shipped module, names kept: -g, and without --strip-debug (which
# would drop the name section too).
flags="${flags//--strip-debug/}"
# shellcheck disable=SC2086
"$wasm_opt" $flags -g "$dir/pathwise_bg.wasm" -o "$dir/named.wasm"
node "$(dirname "$0")/wasm-breakdown.mjs" "$dir/named.wasm" "$top"
