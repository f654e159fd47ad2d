#!/usr/bin/env bash
# Installs what `make build` and `make test` need, and nothing that is already there.
# Idempotent: a second run changes nothing and takes a second or two.
#
#   - Rust: the wasm32-unknown-unknown target, rustfmt and clippy (via rustup, when present); and
#     the pinned nightly that compiles the shipped modules (`NIGHTLY` in the Makefile), with
#     rust-src for `-Zbuild-std`.
#   - System tools (Debian/Ubuntu apt): chromium (browser tests), brotli (size
#     report), nodejs + npm (package smoke test, tools), postgresql (the collector's throwaway
#     test server, scripts/postgres.sh), python3 with venv (the warehouse SQL test). apt runs
#     only if one is missing.
#   - npm packages, each folder pinned by its package-lock.json and installed with `npm ci` when
#     node_modules is missing or older than the lock file: tools/ (wasm-opt from Binaryen 132,
#     for `make pkg`) and tests/e2e/ (playwright-core).
#   - Python packages, pinned in tools/python-requirements.txt, into the virtual environment
#     tools/.venv when it is missing or older than that file: chDB, the embedded ClickHouse
#     engine that checks docs/warehouse.md's SQL.
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

# --- System packages --------------------------------------------------------------------------
missing=()
have chromium || have chromium-browser || missing+=(chromium)
have brotli || missing+=(brotli)
have gzip || missing+=(gzip)
have node || missing+=(nodejs)
have npm || missing+=(npm)
# The server binaries (pg_ctl, initdb) live in /usr/lib/postgresql/VERSION/bin, off PATH.
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || have pg_ctl || missing+=(postgresql)
have python3 || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)

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
#   - tests/e2e/fixtures/apps/react19 and react18: the test apps' React, Vite and OpenFeature SDKs;
#     tests/e2e/fixtures/bundlers: Vite 7 and webpack 5 for bundlers.test.mjs.
#     The tests install them again, offline, into each project they build: this `npm ci` is what
#     puts them in the npm cache.
install_npm_packages() {
    local dir
    for dir in tools tests/e2e tests/e2e/fixtures/apps/react19 tests/e2e/fixtures/apps/react18 tests/e2e/fixtures/bundlers; do
        if [ ! -f "${dir}/node_modules/.package-lock.json" ] \
            || [ "${dir}/package-lock.json" -nt "${dir}/node_modules/.package-lock.json" ]; then
            say "installing npm packages in ${dir} (npm ci)"
            npm ci --prefix "${dir}" --no-audit --no-fund
        fi
    done
}
install_npm_packages

# --- Python packages --------------------------------------------------------------------------
install_python_packages() {
    local venv=tools/.venv requirements=tools/python-requirements.txt
    if [ ! -f "${venv}/.installed" ] || [ "${requirements}" -nt "${venv}/.installed" ]; then
        say "installing Python packages in ${venv} (${requirements})"
        rm -rf "${venv}"
        python3 -m venv "${venv}"
        "${venv}/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check --no-deps \
            -r "${requirements}"
        touch "${venv}/.installed"
    fi
}
install_python_packages

say "ok (${nightly:-no rustup nightly} for make pkg, $(tools/node_modules/.bin/wasm-opt --version), $(chromium --version 2>/dev/null || chromium-browser --version), $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 | cut -d / -f 5 | sed 's/^/PostgreSQL /'), chDB $(sed -n 's/^chdb-core==//p' tools/python-requirements.txt))"
