#!/usr/bin/env bash
# Size of what a page downloads: the wasm module and its JS glue, raw, gzip -9 and brotli -q 11.
# Usage: scripts/size.sh PKG_DIR BUDGET_BYTES
# Fails when wasm + glue together exceed BUDGET_BYTES gzipped.
set -euo pipefail

pkg="${1:?usage: size.sh PKG_DIR BUDGET_BYTES}"
budget="${2:?usage: size.sh PKG_DIR BUDGET_BYTES}"
files=("${pkg}/pathwise_bg.wasm" "${pkg}/pathwise.js")

for f in "${files[@]}"; do
    [ -f "$f" ] || { echo "size: $f is missing; run 'make pkg' first" >&2; exit 1; }
done

total_raw=0 total_gz=0 total_br=0
printf '%-28s %10s %10s %10s\n' file raw gzip-9 brotli
for f in "${files[@]}"; do
    raw=$(wc -c <"$f")
    gz=$(gzip -9 -c "$f" | wc -c)
    br=$(brotli -q 11 -c "$f" | wc -c)
    total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
    printf '%-28s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$br"
done
printf '%-28s %10d %10d %10d\n' "total (wasm + glue)" "$total_raw" "$total_gz" "$total_br"

if [ "$total_gz" -gt "$budget" ]; then
    echo "size: FAIL: wasm + glue is ${total_gz} bytes gzip, over the budget of ${budget}" >&2
    exit 1
fi
echo "size: ok: wasm + glue is ${total_gz} bytes gzip (budget ${budget}, $((budget - total_gz)) to spare)"
