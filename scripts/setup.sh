#!/usr/bin/env bash
# Installs what `make build` and `make test` need, and nothing that is already there.
# Idempotent: a second run changes nothing and takes a second or two.
#
#   - Rust: the wasm32-unknown-unknown target, rustfmt and clippy (via rustup, when present); and
#     the pinned nightly that compiles the shipped modules (`NIGHTLY` in the Makefile), with
#     rust-src for `-Zbuild-std`.
#   - wasm-bindgen CLI (and its test runner) at exactly the version of the `wasm-bindgen` crate in
#     Cargo.lock: the CLI and the crate must match or the generated glue is refused.
#   - System tools (Debian/Ubuntu apt): chromium + chromedriver (browser tests), brotli (size
#     report), nodejs + npm (package smoke test, tools). apt runs only if one is missing.
#   - npm packages, each folder pinned by its package-lock.json and installed with `npm ci` when
#     node_modules is missing or older than the lock file: tools/ (wasm-opt from Binaryen 132,
#     for `make pkg`) and tests/e2e/ (playwright-core).
set -euo pipefail

cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- Rust -------------------------------------------------------------------------------------
have cargo || die "cargo not found; install Rust from https://rustup.rs first"

if have rustup; then
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "adding Rust target wasm32-unknown-unknown"
        rustup target add wasm32-unknown-unknown
    fi
    for component in rustfmt clippy; do
        if ! rustup component list --installed | grep -q "^${component}"; then
            say "adding Rust component ${component}"
            rustup component add "${component}"
        fi
    done
    # The pinned nightly for `make pkg` (the Makefile's NIGHTLY, read from there so the pin lives
    # in one place). `--profile minimal`: rustc, cargo and the host std; plus rust-src, the source
    # that `-Zbuild-std` compiles core and alloc from (no wasm32 std needed).
    nightly="$(sed -n 's/^NIGHTLY ?= *//p' Makefile)"
    [ -n "${nightly}" ] || die "cannot find NIGHTLY in the Makefile"
    if ! rustup run "${nightly}" rustc --version >/dev/null 2>&1 \
        || [ ! -d "$(rustup run "${nightly}" rustc --print sysroot)/lib/rustlib/src/rust/library/core" ]; then
        say "installing Rust ${nightly} (minimal, with rust-src) for the shipped wasm modules"
        rustup toolchain install "${nightly}" --profile minimal --component rust-src
    fi
else
    # A distribution Rust without rustup: we can only check.
    rustc --print target-list | grep -qx wasm32-unknown-unknown \
        || die "no rustup, and this rustc cannot target wasm32-unknown-unknown"
fi

# --- wasm-bindgen CLI, pinned to the crate version --------------------------------------------
# The version comes from Cargo.lock (the resolved `wasm-bindgen` package), so bumping the pin in
# Cargo.toml is the only edit needed.
wasm_bindgen_version="$(awk '
    $0 == "name = \"wasm-bindgen\"" { found = 1; next }
    found && /^version = / { gsub(/"/, "", $3); print $3; exit }
' Cargo.lock)"
# Nothing to install when the crate no longer depends on wasm-bindgen (the shell is hand-written
# JavaScript over plain exports).
if [ -n "${wasm_bindgen_version}" ]; then
installed_version="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
runner_version="$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{ print $2 }' || true)"
if [ "${installed_version}" != "${wasm_bindgen_version}" ] \
    || [ "${runner_version}" != "${wasm_bindgen_version}" ]; then
    say "installing wasm-bindgen-cli ${wasm_bindgen_version} (found '${installed_version:-none}'; this compiles for a few minutes)"
    cargo install wasm-bindgen-cli --version "${wasm_bindgen_version}" --force
    installed_version="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
    [ "${installed_version}" = "${wasm_bindgen_version}" ] \
        || die "installed wasm-bindgen-cli ${wasm_bindgen_version}, but 'wasm-bindgen' on PATH is '${installed_version:-missing}' (is ~/.cargo/bin first on PATH?)"
fi
fi

# --- System packages --------------------------------------------------------------------------
missing=()
have chromium || have chromium-browser || missing+=(chromium)
have chromedriver || missing+=(chromium-driver)
have brotli || missing+=(brotli)
have gzip || missing+=(gzip)
have node || missing+=(nodejs)
have npm || missing+=(npm)

if [ "${#missing[@]}" -gt 0 ]; then
    have apt-get || die "missing ${missing[*]} and no apt-get: install them with your package manager"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        have sudo || die "missing ${missing[*]}; run as root or install sudo"
        sudo=(sudo)
    fi
    say "installing ${missing[*]} with apt-get"
    "${sudo[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# --- npm packages -----------------------------------------------------------------------------
# Test and bench dependencies installed with npm go into git-ignored folders here, each pinned
# to an exact version and installed only when absent (or when the lock file changed).
#   - tools/: wasm-opt from Binaryen 132 (the `binaryen` package) and esbuild (minifies the glue),
#     which `make pkg` uses;
#   - tests/e2e/: playwright-core for the end-to-end tests;
#   - tests/e2e/fixtures/apps/react19 and react18: the test apps' React, Vite and OpenFeature SDKs.
#     The tests install them again, offline, into each app they build: this `npm ci` is what
#     puts them in the npm cache.
install_npm_packages() {
    local dir
    for dir in tools tests/e2e tests/e2e/fixtures/apps/react19 tests/e2e/fixtures/apps/react18; do
        if [ ! -f "${dir}/node_modules/.package-lock.json" ] \
            || [ "${dir}/package-lock.json" -nt "${dir}/node_modules/.package-lock.json" ]; then
            say "installing npm packages in ${dir} (npm ci)"
            npm ci --prefix "${dir}" --no-audit --no-fund
        fi
    done
}
install_npm_packages

say "ok (${nightly:-no rustup nightly} for make pkg, wasm-bindgen ${wasm_bindgen_version:-not used}, $(tools/node_modules/.bin/wasm-opt --version), $(chromedriver --version | awk '{ print $1, $2 }'))"
