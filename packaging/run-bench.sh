#!/usr/bin/env bash
# Handset's speech-quality benchmark under packet loss and jitter.
#
#   packaging/run-bench.sh [extra args for the bench binary]
#
# Installs what it needs (packaging/setup.sh test: Kamailio, baresip, the PESQ environment),
# builds, then runs `cargo bench --bench calls` inside a private D-Bus session with its own
# unlocked gnome-keyring (Secret Service; Handset keeps its passwords there), as
# packaging/run-tests.sh does. Everything it starts is stopped by PID on exit.
# HANDSET_BENCH_RUNS=N averages every impaired case over N loss patterns (seeds 1..N).
set -euo pipefail

script="$(readlink -f "${BASH_SOURCE[0]}")"
repo="$(cd "$(dirname "$script")/.." && pwd)"
cd "$repo"
# shellcheck source=packaging/common.sh
. "$repo/packaging/common.sh"
cargo_on_path
export_pesq_python

step() {
    printf '\n==> %s\n' "$*"
}

if [ "${HANDSET_BENCH_INNER:-}" != 1 ]; then
    step "packaging/setup.sh test"
    "$repo/packaging/setup.sh" test
    step "cargo bench --bench calls --no-run"
    cargo bench --locked --bench calls --no-run
    step "starting a private D-Bus session"
    exec env HANDSET_BENCH_INNER=1 dbus-run-session -- "$script" "$@"
fi

# ---- inner part: runs under dbus-run-session ----

tmp="$(mktemp -d "${TMPDIR:-/tmp}/handset-bench.XXXXXX")"
chmod 700 "$tmp"
keyring_pid=""

cleanup() {
    local rc=$?
    if [ -n "$keyring_pid" ]; then
        kill "$keyring_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "unlocking a private gnome-keyring (Secret Service)"
start_private_keyring "$tmp"

step "cargo bench --bench calls $*"
cargo bench --locked --bench calls -- "$@"
