#!/usr/bin/env bash
# A throwaway PostgreSQL server for the collector's tests and benchmark.
#
#   scripts/postgres.sh start DIR   a fresh cluster in DIR (initdb), started; prints its URL
#   scripts/postgres.sh stop DIR    stops it and removes DIR
#   scripts/postgres.sh url DIR     the URL of its maintenance database `postgres`
#
# The server listens on a Unix socket in DIR only (no TCP port, so nothing else on the machine
# can collide with it or reach it), trusts local connections, and keeps PostgreSQL's durable
# defaults (fsync, synchronous_commit): the tests check what an acknowledged batch survives,
# and the benchmark measures what a real deployment would pay. `start` first stops and wipes
# whatever a crashed run left in DIR, so every run begins from an empty cluster.
#
# Debian's `postgresql` package provides the binaries (`make setup` installs it). As root, the
# cluster runs as the package's `postgres` user (PostgreSQL refuses to run as root); otherwise
# as the calling user.
set -euo pipefail

die() { printf 'postgres.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 start|stop|url DIR"
action="$1"
dir="$2"
case "${dir}" in
    /*) ;;
    *) dir="$(pwd)/${dir}" ;;
esac
data="${dir}/data"
log="${dir}/server.log"

# The newest installed major version's binaries.
bindir=""
for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "${candidate}/pg_ctl" ] && bindir="${candidate}"
done
if [ -z "${bindir}" ] && command -v pg_ctl >/dev/null 2>&1; then
    bindir="$(dirname "$(command -v pg_ctl)")"
fi
[ -n "${bindir}" ] || die "no PostgreSQL server binaries (pg_ctl); run 'make setup' (Debian package postgresql)"

# Runs a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

url() {
    printf 'postgresql:///postgres?host=%s&user=postgres\n' "${dir}"
}

stop() {
    if [ -f "${data}/postmaster.pid" ]; then
        as_owner "${bindir}/pg_ctl" -D "${data}" -m fast -w -t 30 stop >/dev/null 2>&1 \
            || as_owner "${bindir}/pg_ctl" -D "${data}" -m immediate -w -t 30 stop >/dev/null 2>&1 \
            || true
        # A server that would not stop (its pid file names it) is killed.
        pid="$(head -n 1 "${data}/postmaster.pid" 2>/dev/null || true)"
        if [ -n "${pid}" ] && kill -0 "${pid}" 2>/dev/null; then
            kill -KILL "${pid}" 2>/dev/null || true
        fi
    fi
    rm -rf "${dir}"
}

start() {
    stop
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' user to run the server as (is the postgresql package installed?)"
    fi
    mkdir -p "${dir}"
    [ "$(id -u)" -eq 0 ] && chown postgres: "${dir}"
    as_owner "${bindir}/initdb" -D "${data}" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >/dev/null \
        || die "initdb failed in ${data}"
    # Socket only; room for two collector pools and the tests' own connections.
    if ! as_owner "${bindir}/pg_ctl" -D "${data}" -l "${log}" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='${dir}' -c max_connections=200" \
        start >/dev/null; then
        cat "${log}" >&2 || true
        die "the server did not start (log above)"
    fi
    url
}

case "${action}" in
    start) start ;;
    stop) stop ;;
    url) url ;;
    *) die "unknown action ${action}: start, stop or url" ;;
esac
